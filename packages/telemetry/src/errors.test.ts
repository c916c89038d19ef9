import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { metrics } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { Attr, MAX_ERROR_FINGERPRINTS, OVERFLOW_FINGERPRINT } from './contract.ts'
import { countError, identifyError } from './errors.ts'

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
const provider = new MeterProvider({ readers: [reader] })
metrics.setGlobalMeterProvider(provider)
after(() => provider.shutdown())

/** The counter's data points, as [fingerprint, value]: one per series. */
async function series(name: string): Promise<Array<[string, number]>> {
  exporter.reset()
  await reader.forceFlush()
  return exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: number }>)
    .map((p) => [String(p.attributes[Attr.ErrorFingerprint]), p.value])
}
const counts = async (name: string) => new Map(await series(name))

function failing(id: number): Error {
  return new Error(`order ${id} failed: kitchen closed`)
}

describe('countError', () => {
  it('counts a thrown error once however many spans record it, and once per conversation', async () => {
    const first = failing(1)
    const { fingerprint } = countError(first, 'Error', 'conv-a')
    countError(first, 'Error', 'conv-a') // the same error, recorded again as it propagates
    countError(failing(2), 'Error', 'conv-a') // the same fault again, in the same conversation
    countError(failing(3), 'Error', 'conv-b')
    assert.equal((await counts('layercode.errors')).get(fingerprint), 3)
    assert.equal((await counts('layercode.error.conversations')).get(fingerprint), 2)
    assert.equal(identifyError(first, 'Error').message, 'order <n> failed: kitchen closed')
  })

  it(`counts at most ${MAX_ERROR_FINGERPRINTS} fingerprints a process, the rest as overflow`, async () => {
    // Distinct faults: the call site is the same, the types differ.
    for (let i = 0; i < MAX_ERROR_FINGERPRINTS + 20; i++) countError(failing(i), `Kind${i}x`)
    const points = await series('layercode.errors')
    const all = new Map(points)
    assert.equal(all.size, MAX_ERROR_FINGERPRINTS + 1, 'the limit, and the overflow')
    assert.equal(
      all.get(OVERFLOW_FINGERPRINT),
      21,
      'the 20 past the limit and the first test’s kind',
    )
  })
})
