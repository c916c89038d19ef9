/** Service levels: the budget left and the burn rates the scripted failures and slow turns must give. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorBudget, SLOS } from '@layercode-kit/grafana-gen'
import { between } from '../../lib/ranges.ts'
import {
  afterRecording,
  burnOf,
  expectPanel,
  harness,
  missing,
  SLO_SERVICE,
  tAgent,
  traffic,
} from './scenario.ts'

describe('service levels under scripted traffic', { skip: missing }, () => {
  it('service levels: budget left and burn rates from the scripted failures and slow turns', async () => {
    assert.ok(traffic.turns.injectedSlow > 0 && traffic.turns.injectedErrors > 0)
    const tSlo = await afterRecording(tAgent)
    for (const slo of SLOS) {
      const burn = burnOf(slo.id)
      // Sloth's period ratio is the mean of its recorded 5-minute ratios (its "optimized" 30-day
      // window), read here from those samples: the means up to the last few evaluations, as
      // the period rule may run an evaluation behind.
      const fiveMinute = await harness.samples(
        `slo:sli_error:ratio_rate5m{sloth_id="layercode-${slo.id}", service_name="${SLO_SERVICE.service_name}", deployment_environment_name="${SLO_SERVICE.deployment_environment_name}"}[1h]`,
        tSlo,
      )
      const ratios = (fiveMinute[0]?.values ?? []).map(([, v]) => Number(v))
      assert.ok(
        ratios.length >= 3,
        `${slo.id}: recorded 5-minute ratios ${JSON.stringify(fiveMinute)}`,
      )
      const means = [0, 1, 2].map((drop) => {
        const kept = ratios.slice(0, ratios.length - drop)
        return kept.reduce((a, b) => a + b, 0) / kept.length
      })
      const left = means.map((m) => 1 - m / errorBudget(slo))
      await expectPanel(`${slo.title}: error budget left`, 0, tSlo, [
        {
          labels: SLO_SERVICE,
          range: between(
            Math.min(...left),
            Math.max(...left),
            "1 - Sloth's mean 5-minute ratio / budget",
          ),
        },
      ])
      // The hour and the six hours hold exactly this run's turns.
      for (const index of [0, 1])
        await expectPanel(`${slo.title}: burn rate`, index, tSlo, [
          { labels: SLO_SERVICE, range: burn },
        ])
    }
  })
})
