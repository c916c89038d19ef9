/** Nothing is lost while the backends are down; memory stays under its limit in a burst. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { attributesOf, settle } from '@layercode-kit/test-support'
import { TRAFFIC } from '../../lib/expectations.ts'
import { COLLECTOR_MEMORY_LIMIT } from '../../lib/harness.ts'
import { harness, hex, missing, postOtlp, resource, str } from './scenario.ts'

describe('the collector under outages and bursts', { skip: missing }, () => {
  it('(e) loses nothing while Tempo, Loki and Prometheus are down for 30 s during traffic', async () => {
    const N = 40
    const tag = `outage-${Date.now()}`
    await Promise.all([
      harness.stopService('tempo'),
      harness.stopService('loki'),
      harness.stopService('prometheus'),
    ])
    const downAt = Date.now()
    const traffic = harness.loadgen(['--rate=1', '--duration=20', '--think-time=0'])
    for (let i = 0; i < N; i++) {
      const now = Date.now() * 1e6
      const seq = [str('e2e.run', tag), str('e2e.seq', i)]
      const responses = await Promise.all([
        postOtlp('/v1/traces', {
          resourceSpans: [
            {
              resource: resource('e2e-outage'),
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: hex(i + 1, 32),
                      spanId: hex(i + 1, 16),
                      name: 'outage-probe',
                      kind: 1,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 1e6),
                      attributes: seq,
                    },
                  ],
                },
              ],
            },
          ],
        }),
        postOtlp('/v1/logs', {
          resourceLogs: [
            {
              resource: resource('e2e-outage'),
              scopeLogs: [
                {
                  logRecords: [
                    {
                      timeUnixNano: String(now),
                      body: { stringValue: 'outage-probe' },
                      attributes: seq,
                    },
                  ],
                },
              ],
            },
          ],
        }),
        postOtlp('/v1/metrics', {
          resourceMetrics: [
            {
              resource: resource('e2e-outage'),
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'e2e.outage.probe',
                      gauge: {
                        dataPoints: [{ timeUnixNano: String(now), asDouble: i, attributes: seq }],
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ])
      for (const res of responses)
        assert.equal(res.status, 200, 'the collector accepts while its backends are down')
      await sleep(200)
    }
    const summary = await traffic
    assert.equal(
      (summary.turns as Record<string, number>).unexpectedFailures,
      0,
      'the agent never noticed',
    )
    await sleep(Math.max(0, 30_000 - (Date.now() - downAt)))
    await Promise.all([
      harness.startStandIn('tempo'),
      harness.startStandIn('loki'),
      harness.startPrometheus(),
    ])
    const seqs = (items: Array<Record<string, unknown>>) =>
      new Set(
        items
          .map((item) => attributesOf(item))
          .filter((a) => a['e2e.run'] === tag)
          .map((a) => Number(a['e2e.seq'])),
      )
    // Every queued span, log record and metric point after the restart.
    const { value: delivered } = await settle(
      async () => ({
        spans: seqs(harness.recorded('tempo', 'traces')).size,
        logs: seqs(harness.recorded('loki', 'logs')).size,
        points: Number(
          (await harness.query(`count(e2e_outage_probe{e2e_run="${tag}"})`))[0]?.value[1],
        ),
      }),
      (d) => d.spans === N && d.logs === N && d.points === N,
      120_000,
    )
    assert.equal(delivered?.spans, N, 'every span')
    assert.equal(delivered?.logs, N, 'every log record')
    assert.equal(delivered?.points, N, 'every metric point')
  })

  it("(e) keeps the collector's memory under its limit during a 10x burst", async () => {
    const pid = harness.procs.get('collector')?.child.pid
    let peakRss = 0
    const sample = setInterval(() => {
      const kb = Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
      )
      peakRss = Math.max(peakRss, kb * 1024)
    }, 100)
    try {
      const burst = await harness.loadgen([
        `--rate=${TRAFFIC.rate * 10}`,
        '--duration=10',
        '--think-time=0',
        '--concurrency=64',
      ])
      assert.ok(((burst.conversations as Record<string, number>).completed ?? 0) > 0)
    } finally {
      clearInterval(sample)
    }
    assert.ok(peakRss > 0)
    assert.ok(peakRss < COLLECTOR_MEMORY_LIMIT, `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`)
    assert.ok(
      harness.collectorPeakMemory() <= COLLECTOR_MEMORY_LIMIT,
      'the cgroup never reached its limit',
    )
    assert.equal(
      (await fetch(harness.url('collector', 13133, '/'))).status,
      200,
      'the collector is still healthy',
    )
    console.log(
      `# collector peak RSS during the burst: ${Math.round(peakRss / 2 ** 20)} MiB of ${COLLECTOR_MEMORY_LIMIT / 2 ** 20} MiB`,
    )
  })
})
