/** Every contract metric is in Prometheus under its documented series and labels. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { settle } from '@layercode-kit/test-support'
import { EXPECTED_SERIES, SERVICE_NAME } from '../../lib/expectations.ts'
import { harness, missing } from './scenario.ts'

describe('metrics through the collector', { skip: missing }, () => {
  it('(c) every metric of the contract is in Prometheus under its documented series, with its labels', async () => {
    const names = () =>
      harness
        .query(`count by (__name__) ({service_name="${SERVICE_NAME}"})`)
        .then((r) => new Set(r.map((x) => String(x.metric.__name__))))
    // Two export intervals (10 s each, OTEL_METRIC_EXPORT_INTERVAL in compose) after traffic.
    const { value: present = new Set<string>() } = await settle(
      names,
      (found) => EXPECTED_SERIES.every(({ series }) => found.has(series)),
      90_000,
    )
    const absent = EXPECTED_SERIES.filter(({ series }) => !present.has(series)).map(
      ({ series }) => series,
    )
    assert.deepEqual(absent, [], `present: ${[...present].sort().join(' ')}`)
    for (const { series, labels } of EXPECTED_SERIES) {
      const [sample] = await harness.query(`${series}{service_name="${SERVICE_NAME}"}`)
      const missingLabels = labels.filter((label) => !(label in (sample?.metric ?? {})))
      assert.deepEqual(missingLabels, [], `${series} labels`)
    }
    // The app's own outbound calls only: the one authorize call, never the SDK's exports.
    const [outbound] = await harness.query(
      `sum(http_client_request_duration_seconds_count{service_name="${SERVICE_NAME}"})`,
    )
    assert.equal(Number(outbound?.value[1]), 1, 'one outbound request: the authorize call')
    const byOutcome = await harness.query(
      'sum by (layercode_outcome) (layercode_turn_duration_seconds_count)',
    )
    const outcome = (name: string) =>
      Number(byOutcome.find((r) => r.metric.layercode_outcome === name)?.value[1] ?? 0)
    assert.ok(outcome('ok') > 20 && outcome('error') > 0, JSON.stringify(byOutcome))
  })
})
