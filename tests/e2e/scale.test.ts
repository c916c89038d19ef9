/**
 * The scaled-out topology with the real collector: two agent replicas -> the gateway tier
 * (collector/config.yaml + gateway.yaml) -> two samplers (config.yaml + sampler.yaml) -> Tempo
 * stand-ins, one per sampler; logs and metrics from the gateway to the Loki stand-in and the
 * real Prometheus. The agents' logs are not sampled: their "turn completed" records (trace id,
 * outcome, time to first speech) are the truth every sampling decision is checked against.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { SAMPLING, SAMPLING_POLICIES } from '@layercode-kit/collector'
import {
  COLLECTOR_TIERS,
  concrete,
  panelQueries,
  REAL_TRAFFIC,
  SELF_METRICS,
  seriesName,
} from '@layercode-kit/grafana-gen'
import { settle } from '@layercode-kit/test-support'
import { findBinaries } from '../../tools/binaries.ts'
import type { SpanView } from '../lib/expectations.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { type CollectorNs, Harness, type StandInNs } from '../lib/harness.ts'
import { addressOf, setHosts } from '../lib/netns.ts'
import { running, stopProc } from '../lib/processes.ts'
import { between, panelChecker } from '../lib/ranges.ts'
import { logView, spanView } from '../lib/recordings.ts'

const missing = await nativeSuiteGuard('native end-to-end scale suite')

/** The share of the other traces the samplers keep in this run (percent). */
const PERCENT = 25
/** Each replica's traffic: failing and slow turns among ordinary ones. */
const traffic = (durationS: number, failRate: number) => [
  '--rate=2',
  `--duration=${durationS}`,
  '--messages=3',
  `--fail-rate=${failRate}`,
  '--slow-rate=0.1',
  '--think-time=0',
  '--concurrency=16',
]

const SAMPLING_POLICY_NAMES = SAMPLING_POLICIES.map((p) => p.name)
/** The samplers' environment: this run's share of the other traces. */
const SAMPLER_ENV = { [SAMPLING.percentageEnv]: String(PERCENT) }
/** Turns the load generators answered, over every replica's summary. */
const turnsSent = (summaries: Array<Record<string, unknown>>) =>
  summaries.reduce((n, s) => {
    const t = s.turns as { ok: number; failed: number }
    return n + t.ok + t.failed
  }, 0)
type Turn = { traceId: string; outcome: string; firstSpeechMs: number | undefined }

describe('native end to end, scaled out: 2 agents -> gateway -> 2 tail samplers -> stand-ins', {
  skip: missing,
}, () => {
  let harness: Harness
  /** The turns of phase 1 (steady traffic), from the agents' logs. */
  let turns: Turn[] = []
  /** When phase 1's traffic ended (Unix seconds). */
  let trafficEnd = 0

  /** Every turn the agents logged so far. */
  const loggedTurns = (): Turn[] =>
    harness
      .recorded('loki', 'logs')
      .map(logView)
      .filter((l) => l.body === 'turn completed')
      .map((l) => ({
        traceId: l.traceId,
        outcome: String(l.attributes.outcome),
        firstSpeechMs:
          l.attributes.first_speech_ms === undefined
            ? undefined
            : Number(l.attributes.first_speech_ms),
      }))
  /** The spans each Tempo stand-in received (tempo: sampler-1, tempo-2: sampler-2), by trace. */
  const keptBy = () => {
    const index = (ns: StandInNs) => {
      const traces = new Map<string, SpanView[]>()
      for (const span of harness.recorded(ns, 'traces').map(spanView))
        traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span])
      return traces
    }
    return { one: index('tempo'), two: index('tempo-2') }
  }
  /** What is missing from a turn's trace: its root webhook span, the agent's span, a parent. */
  const incomplete = (spans: readonly SpanView[]): string | undefined => {
    const ids = new Set(spans.map((s) => s.spanId))
    if (!spans.some((s) => s.name === 'POST /api/agent' && !s.parentSpanId)) return 'no root'
    if (!spans.some((s) => s.name.startsWith('invoke_agent'))) return 'no invoke_agent'
    const orphan = spans.find((s) => s.parentSpanId && !ids.has(s.parentSpanId))
    return orphan ? `${orphan.name}'s parent is missing` : undefined
  }
  const slow = (t: Turn) =>
    t.firstSpeechMs !== undefined && t.firstSpeechMs > SAMPLING.slowFirstSpeechSeconds * 1000
  /** The other turns: neither failed nor slow (the boundary itself is left out: rounding). */
  const ordinary = (t: Turn) =>
    t.outcome === 'ok' &&
    t.firstSpeechMs !== undefined &&
    t.firstSpeechMs < SAMPLING.slowFirstSpeechSeconds * 1000

  /** A collector's own counters (its :8888 endpoint), summed over the series matching `labels`. */
  const counter = async (ns: CollectorNs, name: string, labels = '') => {
    const text = await (await fetch(harness.url(ns, 8888, '/metrics'))).text()
    let sum = 0
    for (const line of text.split('\n'))
      if (line.startsWith(`${name}{`) && line.includes(labels))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    return sum
  }

  /** Waits until every logged turn is in and the samplers' output stopped growing. */
  async function settled(expectedTurns: number): Promise<void> {
    await settle(loggedTurns, (found) => found.length >= expectedTurns, 60_000, 1000)
    // A decision comes SAMPLING.afterRootS after a trace's root; then the exporters' batches.
    // Spans waiting in a queue (the gateway's, retrying while a sampler is gone) are not there.
    const queued = async () => {
      let n = 0
      for (const ns of ['collector', 'sampler-1', 'sampler-2'] as const)
        if (running(harness.procs.get(ns))) n += await counter(ns, 'otelcol_exporter_queue_size')
      return n
    }
    let last = -1
    await settle(
      async () => {
        const { one, two } = keptBy()
        const spans = [...one.values(), ...two.values()].reduce((n, s) => n + s.length, 0)
        const stable = spans === last && (await queued()) === 0
        last = spans
        return stable
      },
      Boolean,
      90_000,
      (SAMPLING.afterRootS + 3) * 1000,
    )
  }

  before(async () => {
    harness = await Harness.startScaled(await findBinaries(), SAMPLER_ENV)
    const summaries = await harness.loadgenOnEveryAgent(traffic(30, 0.1))
    for (const s of summaries)
      assert.equal(
        (s.turns as { unexpectedFailures: number }).unexpectedFailures,
        0,
        JSON.stringify(s),
      )
    trafficEnd = Date.now() / 1000
    await settled(turnsSent(summaries))
    turns = loggedTurns()
  })

  after(async () => {
    await harness?.stop()
  })

  it('routes every trace, whole, to one sampler, and both samplers share the traffic', async () => {
    const { one, two } = keptBy()
    const both = [...one.keys()].filter((id) => two.has(id))
    assert.deepEqual(both, [], 'a trace kept by both samplers was split between them')
    for (const ns of ['sampler-1', 'sampler-2'] as const) {
      const received = await counter(ns, 'otelcol_receiver_accepted_spans', 'receiver="otlp"')
      assert.ok(received > 0, `${ns} received no spans`)
    }
    // Nothing is lost between the tiers: what the gateway routed, the samplers accepted.
    const routed = await counter('collector', 'otelcol_exporter_sent_spans', 'load_balancing')
    const accepted =
      (await counter('sampler-1', 'otelcol_receiver_accepted_spans')) +
      (await counter('sampler-2', 'otelcol_receiver_accepted_spans'))
    assert.ok(routed > 0)
    assert.equal(accepted, routed, 'spans routed by the gateway = spans the samplers accepted')
    assert.equal(
      await counter('collector', 'otelcol_receiver_accepted_spans', 'receiver="otlp"'),
      routed,
      'spans the agents sent = spans the gateway routed',
    )
  })

  it('keeps every failed turn and every turn slower than the first-speech objective, complete', () => {
    const { one, two } = keptBy()
    const failed = turns.filter((t) => t.outcome === 'error')
    const slowTurns = turns.filter((t) => t.outcome !== 'error' && slow(t))
    assert.ok(failed.length >= 5, `only ${failed.length} failed turns`)
    assert.ok(slowTurns.length >= 5, `only ${slowTurns.length} slow turns`)
    const problems: string[] = []
    for (const turn of [...failed, ...slowTurns]) {
      const spans = one.get(turn.traceId) ?? two.get(turn.traceId)
      if (!spans)
        problems.push(`${turn.outcome} turn ${turn.traceId} (${turn.firstSpeechMs} ms) was dropped`)
      else {
        const problem = incomplete(spans)
        if (problem) problems.push(`${turn.traceId}: ${problem}`)
      }
    }
    assert.deepEqual(problems, [])
  })

  it(`keeps ${PERCENT}% of the other turns, within 4 standard deviations of a binomial draw`, () => {
    const { one, two } = keptBy()
    const rest = turns.filter(ordinary)
    const kept = rest.filter((t) => one.has(t.traceId) || two.has(t.traceId))
    const p = PERCENT / 100
    const tolerance = 4 * Math.sqrt((p * (1 - p)) / rest.length)
    const share = kept.length / rest.length
    console.log(
      `# kept ${kept.length} of ${rest.length} other turns (${(share * 100).toFixed(1)}%, ${PERCENT}% ± ${(tolerance * 100).toFixed(1)})`,
    )
    assert.ok(rest.length >= 200, `only ${rest.length} other turns`)
    assert.ok(Math.abs(share - p) <= tolerance, `${share} is not within ${tolerance} of ${p}`)
    const broken = kept.flatMap((t) => {
      const problem = incomplete(one.get(t.traceId) ?? two.get(t.traceId) ?? [])
      return problem ? [`${t.traceId}: ${problem}`] : []
    })
    assert.deepEqual(broken, [])
  })

  it('passes every log record and metric point through, unsampled', async () => {
    const logs = harness.recorded('loki', 'logs').length
    const sentLogs = await counter('collector', 'otelcol_exporter_sent_log_records')
    const acceptedLogs = await counter('collector', 'otelcol_receiver_accepted_log_records')
    assert.equal(sentLogs, acceptedLogs, 'log records the gateway accepted = sent')
    assert.equal(logs, sentLogs, 'log records the gateway sent = what Loki received')
    // The agents export metrics every 10 s, after the traffic too: a batch the gateway has
    // accepted may still be on its way out, so read the pair until no batch is in flight.
    const { value: metricPoints } = await settle(
      async () => ({
        accepted: await counter('collector', 'otelcol_receiver_accepted_metric_points'),
        sent: await counter('collector', 'otelcol_exporter_sent_metric_points'),
      }),
      ({ accepted, sent }) => accepted === sent,
      15_000,
      200,
    )
    assert.equal(
      metricPoints?.sent,
      metricPoints?.accepted,
      'metric points the gateway accepted = sent to Prometheus',
    )
    for (const failure of [
      'otelcol_exporter_send_failed_log_records',
      'otelcol_exporter_send_failed_metric_points',
      'otelcol_receiver_refused_metric_points',
      'otelcol_receiver_refused_log_records',
    ])
      assert.equal(await counter('collector', failure), 0, failure)
    // Summed across both replicas, Prometheus counts every turn the agents logged.
    const turnsTotal = `${seriesName('layercode.turn.duration')}_count`
    const { value } = await settle(
      async () =>
        Number((await harness.query(`sum(${turnsTotal}{${REAL_TRAFFIC}})`))[0]?.value[1] ?? 0),
      (n) => n === turns.length,
      30_000,
      1000,
    )
    assert.equal(value, turns.length, 'turns counted in Prometheus = turns the agents logged')
    const replicas = await harness.query(`count(count by (service_instance_id) (${turnsTotal}))`)
    assert.equal(Number(replicas[0]?.value[1]), 2, 'both replicas report')
  })

  it("the pipeline dashboard shows each tier: what it accepts, its queues, the samplers' decisions", async () => {
    const panels = panelQueries().filter((q) => q.datasource === 'prometheus')
    const { expectPanel } = panelChecker((promql, at) => harness.query(promql, at), panels)
    // Over the last minute of the traffic (one more scrape after it). Each tier's value is its
    // counters' rate as Prometheus computes it (values.test.ts' bounds): a known increase n over
    // samples spanning S seconds of the W-second window reads between n/W and n/S. That the
    // samplers took exactly what the gateway routed is asserted above, on the counters.
    const at = trafficEnd + 12
    const windowS = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])
    const bounds = new Map<string, { lo: number; hi: number }>()
    for (const series of await harness.samples(
      `${SELF_METRICS.receiverAccepted[0]}{job="collector", receiver="otlp"}[${windowS}s]`,
      at,
    )) {
      const [first, last] = [series.values[0], series.values.at(-1)]
      const n = Number(last?.[1] ?? 0) - Number(first?.[1] ?? 0)
      const spanS = (last?.[0] ?? 0) - (first?.[0] ?? 0)
      const tier = bounds.get(String(series.metric.service_name)) ?? { lo: 0, hi: 0 }
      tier.lo += n / windowS
      tier.hi += spanS > 0 ? n / spanS : 0
      bounds.set(String(series.metric.service_name), tier)
    }
    assert.deepEqual([...bounds.keys()].sort(), [COLLECTOR_TIERS.gateway, COLLECTOR_TIERS.sampler])
    await expectPanel(
      'Accepted spans',
      0,
      at,
      [COLLECTOR_TIERS.gateway, COLLECTOR_TIERS.sampler].map((tier) => {
        const { lo, hi } = bounds.get(tier) ?? { lo: 0, hi: 0 }
        assert.ok(lo > 1, `${tier} took ${lo} spans/s at least`)
        return {
          labels: { service_name: tier, receiver: 'otlp' },
          range: between(lo * 0.99, hi * 1.01, `${tier}'s spans in the window`),
        }
      }),
    )
    await expectPanel(
      'Traces kept, by sampling policy',
      0,
      at,
      SAMPLING_POLICY_NAMES.map((policy) => ({
        labels: { policy },
        range: between(0.01, 1e6, 'kept some'),
      })),
    )
    // The baseline share, plus every failed and slow trace: more than the percentage, not all.
    await expectPanel('Share of traces kept', 0, at, [
      { labels: {}, range: between(PERCENT / 100, 0.9, `${PERCENT}% and the failed and slow`) },
    ])
    // Each tier's queues, drained: the gateway's three exporters, the samplers' (their traces
    // exporter and config.yaml's others, idle).
    const drained = between(0, 0.01, 'drained')
    await expectPanel('Exporter queue fill', 0, Date.now() / 1000, [
      ...['load_balancing/traces', 'otlp_http/logs', 'otlp_http/metrics'].map((exporter) => ({
        labels: { service_name: COLLECTOR_TIERS.gateway, exporter },
        range: drained,
      })),
      ...['otlp_http/traces', 'otlp_http/logs', 'otlp_http/metrics'].map((exporter) => ({
        labels: { service_name: COLLECTOR_TIERS.sampler, exporter },
        range: drained,
      })),
    ])
  })

  it('loses no failed turn when a sampler stops during traffic', async () => {
    const before = new Set(loggedTurns().map((t) => t.traceId))
    const load = harness.loadgenOnEveryAgent(traffic(20, 0.3))
    await sleep(8000)
    // What a headless Service does when a pod terminates: its address leaves the DNS answer.
    await setHosts('collector', { sampler: ['sampler-1'] })
    await stopProc(harness.procs.get('sampler-2'))
    const sent = turnsSent(await load)
    // Its persistent queue holds what it decided while shutting down: back (a StatefulSet pod
    // with its volume), it delivers that, and gets no new traffic (not in the gateway's answer).
    await harness.startCollector(SAMPLER_ENV, { ns: 'sampler-2', overlay: 'sampler.yaml' })
    await settled(before.size + sent)
    const { one, two } = keptBy()
    /** What both samplers kept of a turn's trace. */
    const spansOf = (t: Turn) => [...(one.get(t.traceId) ?? []), ...(two.get(t.traceId) ?? [])]
    const failed = loggedTurns().filter((t) => !before.has(t.traceId) && t.outcome === 'error')
    assert.ok(failed.length >= 10, `only ${failed.length} failed turns`)
    const lost = failed.filter(
      (t) => !spansOf(t).some((s) => s.attributes['layercode.outcome'] === 'error'),
    )
    // Back, it is not in the gateway's answer: nothing is routed to it any more.
    assert.equal(await counter('sampler-2', 'otelcol_receiver_accepted_spans'), 0)
    const gatewayLog = (harness.logs.get('collector') ?? []).join('').split('\n')
    const refused = gatewayLog.filter(
      (line) => line.includes(addressOf('sampler-2')) && line.includes('refused'),
    ).length
    console.log(
      `# the gateway found the stopped sampler refusing ${refused} times before re-routing`,
    )
    const drops = gatewayLog.filter((line) => line.includes('Dropping data'))
    assert.deepEqual(drops, [], 'the gateway dropped nothing')
    assert.deepEqual(
      lost.map((t) => t.traceId),
      [],
      'failed turns whose failed webhook span never reached Tempo',
    )
    const split = failed.filter((t) => one.has(t.traceId) && two.has(t.traceId))
    const partial = failed.filter((t) => incomplete(spansOf(t)) !== undefined)
    console.log(
      `# ${failed.length} failed turns around the stop: ${split.length} split across the samplers, ${partial.length} incomplete`,
    )
    // Only turns in flight at the stop can be split or partial: a few, never most of them.
    assert.ok(partial.length <= failed.length / 4, `${partial.length} incomplete`)
  })
})
