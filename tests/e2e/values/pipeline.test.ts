import { describe, it } from 'node:test'
import { between, exactly, one } from '../../lib/ranges.ts'
import {
  allSpans,
  collectorSpanS,
  expectPanel,
  harness,
  logRecords,
  missing,
  perSecond,
  tCollector,
  WINDOW_S,
} from './scenario.ts'

describe('pipeline panels under scripted traffic', { skip: missing }, () => {
  it('pipeline: what the collector accepted and delivered, and nothing refused or dropped', async () => {
    const at = tCollector
    const perS = (n: number, why: string) => perSecond(n, collectorSpanS, why)
    await expectPanel('Accepted spans', 0, at, [
      {
        labels: { receiver: 'otlp' },
        range: perS(allSpans.length, 'spans the Tempo stand-in got'),
      },
    ])
    await expectPanel('Ingested by backend', 0, at, one(perS(allSpans.length, 'spans to Tempo')))
    await expectPanel('Accepted log records', 0, at, [
      { labels: { receiver: 'otlp' }, range: perS(logRecords, 'records the Loki stand-in got') },
    ])
    await expectPanel('Ingested by backend', 1, at, one(perS(logRecords, 'records to Loki')))
    // Metric points arrive steadily: one agent export and one host scrape every 10 s, each as
    // many points as Prometheus stores series for (a histogram point is one `_count` series).
    const pointsPerExport = async (selector: string) =>
      Number((await harness.query(`count(last_over_time(${selector}[10s]))`, at))[0]?.value[1] ?? 0)
    const agentPoints = await pointsPerExport(
      '{job="layercode/layercode-agent", __name__!~"target_info|.+_bucket|.+_sum"}',
    )
    const hostPoints = await pointsPerExport('{__name__=~"system_.+"}')
    const steady = (n: number, why: string) => between((n / 10) * 0.8, (n / 10) * 1.2, why)
    await expectPanel('Accepted metric points', 0, at, [
      { labels: { receiver: 'otlp' }, range: steady(agentPoints, `${agentPoints} points / 10 s`) },
      { labels: { receiver: 'host_metrics' }, range: steady(hostPoints, `${hostPoints} / 10 s`) },
    ])
    // Every sample Prometheus stored with a timestamp in the window, counted from the raw data.
    const stored = (await harness.samples(`{__name__=~".+"}[${WINDOW_S}s]`, at)).reduce(
      (sum, series) => sum + series.values.length,
      0,
    )
    await expectPanel(
      'Ingested by backend',
      2,
      at,
      one(
        between((stored / WINDOW_S) * 0.75, (stored / WINDOW_S) * 1.25, `${stored} samples stored`),
      ),
    )
    for (const title of [
      'Refused or failed at the receiver',
      'Dropped (queue full)',
      'Send failures',
    ])
      await expectPanel(title, 0, at, one(exactly(0, 'a healthy pipeline')))
    await expectPanel(
      'Exporter queue fill',
      0,
      at,
      ['otlp_http/logs', 'otlp_http/metrics', 'otlp_http/traces'].map((exporter) => ({
        labels: { exporter },
        range: between(0, 0.001, 'drained: at most a batch in flight'),
      })),
    )
  })
})
