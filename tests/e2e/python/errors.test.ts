/** Its exceptions land in the errors inbox: one kind, once per failed turn. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concrete, panelQueries } from '@layercode-kit/grafana-gen'
import { attributesOf } from '@layercode-kit/test-support'
import { ENVIRONMENT, harness, missing, tAgent, WRAPPED } from './scenario.ts'

describe('errors inbox for the Python toolkit', { skip: missing }, () => {
  it('its exceptions land in the errors inbox: one kind, once per failed turn', async () => {
    // Every failed turn of the wrapped app since it started (the inbox's range holds them all).
    const failedTurns = harness
      .recorded('tempo', 'traces')
      .filter(
        (item) =>
          item.name === 'POST /api/agent' &&
          attributesOf(item)['layercode.outcome'] === 'error' &&
          attributesOf(item.resource)['service.name'] === WRAPPED,
      ).length
    const inbox = panelQueries().find((p) => p.panel === 'Errors inbox')
    assert.ok(inbox)
    const rows = await harness.query(
      concrete(inbox, { selected: { service: WRAPPED, environment: ENVIRONMENT } }),
      tAgent,
    )
    // What pydantic-ai raised for the model's 400 (as the spans name it).
    const model = rows.filter((r) =>
      /^pydantic_ai\.exceptions\.Model\w+Error$/.test(r.metric.error_type ?? ''),
    )
    assert.equal(model.length, 1, `one kind for the model's refusals: ${JSON.stringify(rows)}`)
    assert.match(String(model[0]?.metric.layercode_error_fingerprint), /^[0-9a-f]{16}$/)
    // Recorded by every span it passes through, counted once a turn.
    assert.equal(Number(model[0]?.value[1]), failedTurns)
  })
})
