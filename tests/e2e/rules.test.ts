/**
 * Alert conditions, evaluated by promtool on synthetic series (one file of cases per family of
 * alerts in rules/, each runnable alone), and the shipped rule files as a ruler loads them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CANARY_CASES } from './rules/canary.test.ts'
import { EXPORT_RULE, missing, page, rules, SPEECH_SLO, TURN_SLO, ticket } from './rules/cases.ts'
import { COLLECTOR_CASES } from './rules/collector.test.ts'
import { COMPONENT_CASES } from './rules/components.test.ts'
import { ENVIRONMENT_CASES, perEnvironment } from './rules/environments.test.ts'
import { ERROR_CASES } from './rules/errors.test.ts'
import { BURN_CASES } from './rules/spend-and-burn.test.ts'
import { TOKEN_CASES } from './rules/tokens.test.ts'
import { TURN_CASES } from './rules/turns.test.ts'
import './rules/shipped.test.ts'

const cases = [
  ...COLLECTOR_CASES,
  ...COMPONENT_CASES,
  ...TURN_CASES,
  ...BURN_CASES,
  ...CANARY_CASES,
  ...ERROR_CASES,
  ...TOKEN_CASES,
  ...ENVIRONMENT_CASES,
]

describe('alert rule cases: coverage', { skip: missing }, () => {
  it('every rule per service and environment has its two environment cases', () => {
    const perComponent = ['layercode-component-down', 'layercode-collector-refusing', EXPORT_RULE]
    // Per kind of error too: their environment cases are with the errors inbox's cases above.
    const perKind = ['layercode-new-error', 'layercode-error-regression']
    for (const { uid } of rules)
      assert.ok(
        perComponent.includes(uid) || perKind.includes(uid) || perEnvironment[uid],
        `${uid} has a failing-production and an under-threshold case`,
      )
  })

  it('every rule evaluated here is a shipped rule', () => {
    for (const uid of new Set(cases.map((c) => c.rule)))
      assert.ok(
        rules.some((r) => r.uid === uid),
        `${uid} is in grafana/alerting/rules.yaml`,
      )
  })

  it('every burn-rate alert has a case that fires and one that stays quiet', () => {
    for (const uid of [page(TURN_SLO), ticket(TURN_SLO), page(SPEECH_SLO), ticket(SPEECH_SLO)]) {
      assert.ok(
        cases.some((c) => c.rule === uid && c.fires),
        `${uid} fires`,
      )
      assert.ok(
        cases.some((c) => c.rule === uid && !c.fires),
        `${uid} stays quiet`,
      )
    }
  })
})
