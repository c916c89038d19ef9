/**
 * Every Prometheus panel's value under a scripted traffic pattern with known counts, on the real
 * collector and Prometheus: each query exactly as Grafana sends it for the default selection
 * (`concrete`), evaluated at a chosen instant, compared with an independent measurement (the
 * load generator's counts, the spans and log records the Tempo/Loki stand-ins received, /proc).
 *
 * Tolerances come from how Prometheus computes `rate()` (promql/functions.go, extrapolatedRate):
 * the increase between the first and last sample of the window is extrapolated to the window's
 * edges, so over a 60 s window whose samples span S seconds a known increase n gives a per-second
 * value between n/60 (no extrapolation) and n/S (full). A warm-up phase makes every series exist,
 * with a settled value, before the measured traffic, so the increase is the traffic's alone.
 */
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  concrete,
  errorBudget,
  panelQueries,
  REAL_TRAFFIC,
  SLO_TARGETS,
  SYNTHETIC_TRAFFIC,
  sloById,
} from '@layercode-kit/grafana-gen'
import type { LoadSummary } from '@layercode-kit/loadgen'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { attributesOf, untilStill, waitFor } from '@layercode-kit/test-support'
import { findBinaries } from '../../../tools/binaries.ts'
import { flat, reached, sampledSpan, settledAt, total } from '../../lib/counters.ts'
import { nativeSuiteGuard } from '../../lib/guard.ts'
import { Harness } from '../../lib/harness.ts'
import { between, panelChecker } from '../../lib/ranges.ts'

export const missing = await nativeSuiteGuard('panel values under scripted traffic')

/** `$__rate_interval` as `concrete` renders it (60 s: a 50 s step, the 10 s scrape interval). */
export const WINDOW_S = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])
export const MESSAGES = 3
/**
 * The counters the test waits on: real turns and the canary's (agent exports), what the
 * collector accepted (its scrape).
 */
export const TURNS = `layercode_turn_duration_seconds_count{${REAL_TRAFFIC}}`
export const CANARY_TURNS = `layercode_turn_duration_seconds_count{${SYNTHETIC_TRAFFIC}}`
export const ACCEPTED_SPANS = 'otelcol_receiver_accepted_spans{job="collector"}'
export const ACCEPTED_LOGS = 'otelcol_receiver_accepted_log_records{job="collector"}'
/**
 * Faults per message; evenSpread makes the counts exact. Slow turns and slow tools wait
 * SLOW_AGENT_DELAY_MS (the agent's default here).
 */
export const MIX = [
  '--fail-rate=0.2',
  '--slow-rate=0.2',
  '--hangup-rate=0.1',
  '--slow-tool-rate=0.1',
  `--messages=${MESSAGES}`,
]
/** Each replica's share of the traffic (two replicas: 2 conversations a second in all). */
export const load = (seconds: number) => [
  '--rate=1',
  `--duration=${seconds}`,
  '--think-time=0',
  '--concurrency=16',
  ...MIX,
]
/**
 * The canary beside the traffic, with failures of its own: every real-traffic panel and rule
 * must read as if it were not there, and the canary's own show exactly it.
 */
export const CANARY_LOAD = [
  '--synthetic',
  '--rate=0.5',
  '--duration=15',
  '--think-time=0',
  '--concurrency=4',
  '--messages=2',
  '--fail-rate=0.25',
]

export type Traffic = LoadSummary & { runs: LoadSummary[] }
/** The replicas' load summaries as one: counts add up; each run's own distributions stay. */
export function merged(runs: LoadSummary[]): Traffic {
  const [first] = runs
  if (!first) throw new Error('no load ran')
  const add = <T extends Record<string, number>>(pick: (s: LoadSummary) => T): T =>
    Object.fromEntries(
      Object.keys(pick(first)).map((k) => [k, runs.reduce((n, r) => n + (pick(r)[k] ?? 0), 0)]),
    ) as T
  return {
    ...first,
    conversations: add((s) => s.conversations),
    turns: add((s) => s.turns),
    sessions: {
      ended: runs.reduce((n, r) => n + r.sessions.ended, 0),
      durationsS: runs.flatMap((r) => r.sessions.durationsS),
      transcriptionS: runs.reduce((n, r) => n + r.sessions.transcriptionS, 0),
      ttsS: runs.reduce((n, r) => n + r.sessions.ttsS, 0),
    },
    runs,
  }
}
/** The same load on every replica at once, summed. */
export const onEveryReplica = async (harness: Harness, args: string[]) =>
  merged((await harness.loadgenOnEveryAgent(args)) as unknown as LoadSummary[])
/** A client percentile over the replicas: between the lowest and highest run's. */
export const clientRange = (t: Traffic, key: 'p50' | 'p95') => {
  const values = t.runs.map((r) => Number(r.firstTtsMs[key]) / 1000)
  return { lo: Math.min(...values), hi: Math.max(...values) }
}
/** Every turn the load generator sent: ok, failed, and hung up on by design. */
export const allTurns = (t: LoadSummary['turns']) => t.ok + t.failed + t.hungUp
export type Span = {
  name: string
  traceId: string
  durationS: number
  attrs: Record<string, unknown>
}
/** A log record's attributes, when it is not the canary's. */
export const isRealLog = (record: unknown) => attributesOf(record).synthetic !== true
/** A turn's span: the webhook's SERVER span for session.start or message. */
export const isTurnSpan = (s: Span) =>
  s.name === 'POST /api/agent' &&
  (s.attrs['layercode.event.type'] === 'message' ||
    s.attrs['layercode.event.type'] === 'session.start')
export let harness: Harness

export let warm: Traffic

export let traffic: Traffic

export let canary: LoadSummary

export let trafficStart = 0

/** The evaluation instants: the first agent export / collector scrape after the traffic. */
export let tAgent = 0

export let tCanary = 0

export let tCollector = 0

/** What the samples in each window span (last - first sample), in seconds. */
export let agentSpanS = 0

export let collectorSpanS = 0

/** The traffic's spans, the canary's traces left out; and every span, theirs included. */
export let spans: Span[] = []

export let allSpans: Span[] = []

/** The canary's traces (its webhook spans are tagged; their children are in the same trace). */
export let canaryTraces = new Set<string>()

export const notCanary = (list: Span[]) => list.filter((x) => !canaryTraces.has(x.traceId))

export let logRecords = 0

export let logsBefore = 0

export const panels = panelQueries().filter((q) => q.datasource === 'prometheus')

export const recordedSpans = (): Span[] =>
  harness.recorded('tempo', 'traces').map((item) => {
    return {
      name: String(item.name),
      traceId: String(item.traceId),
      durationS: (Number(item.endTimeUnixNano) - Number(item.startTimeUnixNano)) / 1e9,
      attrs: { ...attributesOf(item), status: (item.status as { code?: number })?.code ?? 0 },
    }
  })

before(async () => {
  if (missing) return
  harness = await Harness.start(await findBinaries(), { agents: 2 })
  warm = await onEveryReplica(harness, load(6))
  const warmTurns = allTurns(warm.turns)
  await waitFor(
    'the warm-up turns in Prometheus',
    async () => (await total(harness, TURNS)) === warmTurns,
    60_000,
  )
  await waitFor(
    'the warm-up settled',
    async () =>
      (await flat(harness, TURNS)) &&
      (await flat(harness, ACCEPTED_SPANS)) &&
      (await flat(harness, ACCEPTED_LOGS)),
    120_000,
    2_000,
  )
  trafficStart = Date.now()
  const spansBefore = recordedSpans().length
  logsBefore = harness.recorded('loki', 'logs').length
  const [real, synthetic] = await Promise.all([
    onEveryReplica(harness, load(15)),
    harness.loadgen(CANARY_LOAD),
  ])
  traffic = real
  canary = synthetic as unknown as LoadSummary
  const trafficTurns = allTurns(traffic.turns)
  const canaryTurns = allTurns(canary.turns)
  await waitFor(
    'every traffic turn and every canary turn counted in Prometheus, each apart',
    async () =>
      (await total(harness, TURNS)) === warmTurns + trafficTurns &&
      (await total(harness, CANARY_TURNS)) === canaryTurns,
    60_000,
  )
  // The stand-ins have everything once their counts stop moving for one batch delay.
  await untilStill(
    'spans and logs delivered',
    () => recordedSpans().length + harness.recorded('loki', 'logs').length,
  )
  allSpans = recordedSpans().slice(spansBefore)
  canaryTraces = new Set(
    allSpans.filter((x) => x.attrs['layercode.synthetic'] === true).map((x) => x.traceId),
  )
  assert.ok(canaryTraces.size >= canaryTurns, "the canary's webhook spans are tagged")
  spans = notCanary(allSpans)
  logRecords = harness.recorded('loki', 'logs').length - logsBefore
  // One more collector scrape, then what it accepted during the traffic is final.
  await sleep(12_000)
  const acceptedFinal = await total(harness, ACCEPTED_SPANS)
  assert.equal(
    acceptedFinal - (await total(harness, ACCEPTED_SPANS, trafficStart / 1000)),
    allSpans.length,
    'the Tempo stand-in got every span the collector accepted',
  )
  const agent = await settledAt(harness, TURNS, trafficStart, warmTurns + trafficTurns)
  // The canary's series start with it (no sample before the traffic): its first complete one.
  const canarySettled = await reached(harness, CANARY_TURNS, canaryTurns)
  tAgent = Math.max(agent.final, canarySettled.final) + 0.001
  // The canary runs on one replica: its panels are read right after that replica's export
  // (later, increase() would extrapolate its series towards the other replica's).
  tCanary = canarySettled.final + 0.001
  const collector = await settledAt(harness, ACCEPTED_SPANS, trafficStart, acceptedFinal)
  tCollector = collector.final + 0.001
  assert.equal(
    (await total(harness, ACCEPTED_LOGS, tCollector)) -
      (await total(harness, ACCEPTED_LOGS, trafficStart / 1000)),
    logRecords,
    'by then the collector had accepted every log record the Loki stand-in got',
  )
  assert.ok(tAgent - agent.base < WINDOW_S, 'the agent window holds the pre-traffic sample')
  assert.ok(tCollector - collector.base < WINDOW_S, 'the collector window does too')
  agentSpanS = await sampledSpan(harness, TURNS, tAgent, WINDOW_S)
  collectorSpanS = await sampledSpan(harness, ACCEPTED_SPANS, tCollector, WINDOW_S)
})

after(async () => {
  await harness?.stop()
})

export const { expectPanel, checked } = panelChecker(
  (promql, at) => harness.query(promql, at),
  panels,
)

/** Per-second bounds for a known increase n over the agent's / the collector's window. */
export const perSecond = (n: number, spanS: number, why: string) =>
  between((n / WINDOW_S) * 0.99, (n / spanS) * 1.01, `${why}: ${n} in the window`)

export const perMinute = (n: number, why: string) => {
  const r = perSecond(n, agentSpanS, why)
  return between(r.lo * 60, r.hi * 60, r.why)
}

/**
 * An instant after Prometheus evaluated its rules on the data at `t` (10 s evaluations; two
 * of them): recorded series (Sloth's SLO ratios) read then hold what the raw series held at
 * `t`. Waits until it has passed.
 */
export const afterRecording = async (t: number) => {
  const at = t + 25
  await sleep(Math.max(0, (at + 1) * 1000 - Date.now()))
  return at
}

/** Injected failures of all turns sent, warm-up included (the alert and SLO windows hold both). */
export const failedShare = () =>
  (warm.turns.injectedErrors + traffic.turns.injectedErrors) /
  (allTurns(warm.turns) + allTurns(traffic.turns))

/**
 * The objectives' bad shares, warm-up included (the windows hold both): failed turns of all
 * turns (the load generator's counts); first speeches over the SLO's threshold among turns
 * that did not fail, from each turn's "turn completed" log record as the Loki stand-in got
 * it. Not the injected delays alone: a message sent right after a hang-up waits for the
 * aborted turn to end, and that wait is the caller's too.
 */
export const badShare = () => {
  const spoken = harness
    .recorded('loki', 'logs')
    .filter(isRealLog)
    .filter((l) => (l.body as { stringValue?: string })?.stringValue === 'turn completed')
    .map((l) => attributesOf(l))
    .filter((a) => a.outcome !== 'error' && a.first_speech_ms !== undefined)
  const slow = spoken.filter(
    (a) => Number(a.first_speech_ms) > SLO_TARGETS.firstSpeechSeconds * 1000,
  )
  assert.ok(spoken.length >= warm.turns.ok + traffic.turns.ok, `${spoken.length} turns spoke`)
  return {
    'turn-success': failedShare(),
    'first-speech': slow.length / spoken.length,
  }
}

/** A burn rate: the bad share over the error budget, within the ratio tolerance. */
export const burnOf = (id: keyof ReturnType<typeof badShare>) => {
  const share = badShare()[id]
  const rate = share / errorBudget(sloById(id))
  return between(rate * 0.9, rate * 1.1, `${id}: bad share ${share} / budget`)
}

export const SLO_SERVICE = {
  service_name: DEFAULT_SERVICE_NAME,
  deployment_environment_name: 'development',
}
