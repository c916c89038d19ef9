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
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, statfsSync } from 'node:fs'
import { open, rm, writeFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  burnAlertUid,
  concrete,
  errorBudget,
  type PanelQuery,
  panelQueries,
  REAL_TRAFFIC,
  ruleQueries,
  SLO_TARGETS,
  SLOS,
  SYNTHETIC_TRAFFIC,
  sloById,
} from '@layercode-kit/grafana-gen'
import type { LoadSummary } from '@layercode-kit/loadgen'
import {
  COST_BUCKETS_USD,
  CostItem,
  DEFAULT_SERVICE_NAME,
  FIRST_SPEECH_PARTS,
  loadPriceTable,
  speechCost,
  tokenCost,
} from '@layercode-kit/telemetry'
import { attributesOf, waitFor } from '@layercode-kit/test-support'
import { ensureBinaries } from './binaries.ts'
import { flat, reached, sampledSpan, settledAt, total } from './counters.ts'
import { nativeSuiteGuard } from './guard.ts'
import { AGENTS, Harness } from './harness.ts'
import { nsName } from './netns.ts'
import {
  between,
  bucket,
  exactly,
  one,
  panelChecker,
  quantileRange,
  type Range,
  SCRIPTED_LATENCY,
  type Vector,
} from './ranges.ts'

const missing = await nativeSuiteGuard('panel values under scripted traffic')

/** `$__rate_interval` as `concrete` renders it (60 s: a 50 s step, the 10 s scrape interval). */
const WINDOW_S = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])
const MESSAGES = 3
/**
 * The counters the test waits on: real turns and the canary's (agent exports), what the
 * collector accepted (its scrape).
 */
const TURNS = `layercode_turn_duration_seconds_count{${REAL_TRAFFIC}}`
const CANARY_TURNS = `layercode_turn_duration_seconds_count{${SYNTHETIC_TRAFFIC}}`
const ACCEPTED_SPANS = 'otelcol_receiver_accepted_spans{job="collector"}'
const ACCEPTED_LOGS = 'otelcol_receiver_accepted_log_records{job="collector"}'
/**
 * Faults per message; evenSpread makes the counts exact. Slow turns and slow tools wait
 * SLOW_AGENT_DELAY_MS (the agent's default here).
 */
const MIX = [
  '--fail-rate=0.2',
  '--slow-rate=0.2',
  '--hangup-rate=0.1',
  '--slow-tool-rate=0.1',
  `--messages=${MESSAGES}`,
]
/** Each replica's share of the traffic (two replicas: 2 conversations a second in all). */
const load = (seconds: number) => [
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
const CANARY_LOAD = [
  '--synthetic',
  '--rate=0.5',
  '--duration=15',
  '--think-time=0',
  '--concurrency=4',
  '--messages=2',
  '--fail-rate=0.25',
]

type Traffic = LoadSummary & { runs: LoadSummary[] }
/** The replicas' load summaries as one: counts add up; each run's own distributions stay. */
function merged(runs: LoadSummary[]): Traffic {
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
const onEveryReplica = async (harness: Harness, args: string[]) =>
  merged((await harness.loadgenOnEveryAgent(args)) as unknown as LoadSummary[])
/** A client percentile over the replicas: between the lowest and highest run's. */
const clientRange = (t: Traffic, key: 'p50' | 'p95') => {
  const values = t.runs.map((r) => Number(r.firstTtsMs[key]) / 1000)
  return { lo: Math.min(...values), hi: Math.max(...values) }
}
/** Every turn the load generator sent: ok, failed, and hung up on by design. */
const allTurns = (t: LoadSummary['turns']) => t.ok + t.failed + t.hungUp
type Span = { name: string; traceId: string; durationS: number; attrs: Record<string, unknown> }
/** A log record's attributes, when it is not the canary's. */
const isRealLog = (record: unknown) => attributesOf(record).synthetic !== true
/** A turn's span: the webhook's SERVER span for session.start or message. */
const isTurnSpan = (s: Span) =>
  s.name === 'POST /api/agent' &&
  (s.attrs['layercode.event.type'] === 'message' ||
    s.attrs['layercode.event.type'] === 'session.start')
describe('panel values under scripted traffic, on the real collector and Prometheus', {
  skip: missing,
}, () => {
  let harness: Harness
  let warm: Traffic
  let traffic: Traffic
  let canary: LoadSummary
  let trafficStart = 0
  /** The evaluation instants: the first agent export / collector scrape after the traffic. */
  let tAgent = 0
  let tCanary = 0
  let tCollector = 0
  /** What the samples in each window span (last - first sample), in seconds. */
  let agentSpanS = 0
  let collectorSpanS = 0
  /** The traffic's spans, the canary's traces left out; and every span, theirs included. */
  let spans: Span[] = []
  let allSpans: Span[] = []
  /** The canary's traces (its webhook spans are tagged; their children are in the same trace). */
  let canaryTraces = new Set<string>()
  const notCanary = (list: Span[]) => list.filter((x) => !canaryTraces.has(x.traceId))
  let logRecords = 0
  let logsBefore = 0
  const panels = panelQueries().filter((q) => q.datasource === 'prometheus')

  const recordedSpans = (): Span[] =>
    harness.recorded('tempo', 'traces').map((item) => {
      return {
        name: String(item.name),
        traceId: String(item.traceId),
        durationS: (Number(item.endTimeUnixNano) - Number(item.startTimeUnixNano)) / 1e9,
        attrs: { ...attributesOf(item), status: (item.status as { code?: number })?.code ?? 0 },
      }
    })

  before(async () => {
    harness = await Harness.start(await ensureBinaries(), { agents: 2 })
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
    let last = -1
    await waitFor(
      'spans and logs delivered',
      async () => {
        const now = recordedSpans().length + harness.recorded('loki', 'logs').length
        const done = now === last
        last = now
        return done
      },
      60_000,
      6_000,
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
  const { expectPanel, checked } = panelChecker((promql, at) => harness.query(promql, at), panels)

  /** Per-second bounds for a known increase n over the agent's / the collector's window. */
  const perSecond = (n: number, spanS: number, why: string) =>
    between((n / WINDOW_S) * 0.99, (n / spanS) * 1.01, `${why}: ${n} in the window`)
  const perMinute = (n: number, why: string) => {
    const r = perSecond(n, agentSpanS, why)
    return between(r.lo * 60, r.hi * 60, r.why)
  }

  it('the traffic ran as scripted, and Prometheus counted every turn by its outcome', async () => {
    const byOutcome = async (time: number) =>
      Object.fromEntries(
        (await harness.query(`sum by (layercode_outcome) (${TURNS})`, time)).map((r) => [
          r.metric.layercode_outcome,
          Number(r.value[1]),
        ]),
      )
    const [before, afterwards] = [await byOutcome(trafficStart / 1000), await byOutcome(tAgent)]
    assert.deepEqual(
      {
        ok: (afterwards.ok ?? 0) - (before.ok ?? 0),
        error: (afterwards.error ?? 0) - (before.error ?? 0),
        aborted: (afterwards.aborted ?? 0) - (before.aborted ?? 0),
      },
      { ok: traffic.turns.ok, error: traffic.turns.injectedErrors, aborted: traffic.turns.hungUp },
    )
    assert.equal(traffic.conversations.skippedBusy, 0)
    assert.equal(traffic.turns.failed, traffic.turns.injectedErrors, 'only injected errors fail')
    assert.equal(
      traffic.turns.injectedErrors,
      traffic.runs.reduce((n, r) => n + Math.floor(r.conversations.completed * 3 * 0.2), 0),
    )
    assert.ok(traffic.turns.hungUp > 0)
  })

  it('agent overview: turns, outcomes, requests and tokens', async () => {
    const t = traffic.turns
    const all = allTurns(t)
    const errorShare = t.injectedErrors / all
    // Ratios of series exported together: both sides scale alike, so within a few percent.
    const ratio = (r: number, why: string) => between(r * 0.9, r * 1.1, `${why}: ${r}`)
    const share = ratio(failedShare(), 'error share, warm-up included')
    await expectPanel(
      'Turn success rate',
      0,
      tAgent,
      one(between(1 - share.hi, 1 - share.lo, `1 - ${share.why}`)),
    )
    await expectPanel('Turn error rate', 0, tAgent, one(ratio(errorShare, 'error share')))
    await expectPanel('Error rate', 1, tAgent, one(ratio(errorShare, 'error share')))
    await expectPanel('Error rate', 0, tAgent, one(exactly(0, 'failed turns answer 200')))
    await expectPanel('Turns by outcome', 0, tAgent, [
      { labels: { layercode_outcome: 'ok' }, range: perMinute(t.ok, 'ok turns') },
      { labels: { layercode_outcome: 'error' }, range: perMinute(t.injectedErrors, 'errors') },
      { labels: { layercode_outcome: 'aborted' }, range: perMinute(t.hungUp, 'hung up') },
    ])
    await expectPanel(
      'Failing turns per minute',
      0,
      tAgent,
      one(perMinute(t.injectedErrors, 'errors')),
    )
    // A start, the messages, a data event and session.end per conversation; probes not counted.
    const webhooks = traffic.conversations.completed * (MESSAGES + 3)
    await expectPanel('Requests per minute', 0, tAgent, [
      { labels: { http_route: '/api/agent' }, range: perMinute(webhooks, 'webhooks') },
    ])
    await expectPanel('Active sessions', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: exactly(0, 'every session ended') },
    ])
    // LayerCode's figures as the load generator reported them in session.end.
    const sessions = traffic.sessions
    assert.equal(sessions.ended, traffic.conversations.completed, 'every session.end answered')
    const bakery = { gen_ai_agent_name: 'bakery' }
    await expectPanel('Speech per minute (LayerCode)', 0, tAgent, [
      { labels: bakery, range: perMinute(sessions.transcriptionS, 'transcribed seconds') },
    ])
    await expectPanel('Speech per minute (LayerCode)', 1, tAgent, [
      { labels: bakery, range: perMinute(sessions.ttsS, 'synthesized seconds') },
    ])
    // Means are ratios of two increases over the same samples: exact, whatever the window.
    const meanS = sessions.durationsS.reduce((s, d) => s + d, 0) / sessions.ended
    await expectPanel('Sessions: mean length and turns', 0, tAgent, [
      { labels: bakery, range: between(meanS * 0.999, meanS * 1.001, 'reported durations') },
    ])
    await expectPanel("LayerCode's reported latency", 0, tAgent, [
      { labels: bakery, range: SCRIPTED_LATENCY },
    ])
    await expectPanel('Sessions: mean length and turns', 1, tAgent, [
      {
        labels: bakery,
        range: between(MESSAGES + 0.999, MESSAGES + 1.001, 'session.start and the messages'),
      },
    ])
    const tools = new Map<string, number>()
    for (const s of spans.filter((x) => x.name.startsWith('execute_tool '))) {
      const key = `${s.attrs['gen_ai.tool.name']}|${s.attrs.status === 2 ? 'error' : 'ok'}`
      tools.set(key, (tools.get(key) ?? 0) + 1)
    }
    assert.ok(tools.size >= 3, 'the bakery used its tools')
    await expectPanel(
      'Tool calls per minute',
      0,
      tAgent,
      [...tools].map(([key, n]) => {
        const [tool = '', outcome = ''] = key.split('|')
        return {
          labels: { gen_ai_tool_name: tool, layercode_outcome: outcome },
          range: perMinute(n, `${tool} calls (execute_tool spans)`),
        }
      }),
    )
    const chats = spans.filter((s) => s.name.startsWith('chat '))
    const tokens = (type: string) =>
      chats.reduce((sum, s) => sum + Number(s.attrs[`gen_ai.usage.${type}_tokens`] ?? 0), 0)
    const model = String(chats[0]?.attrs['gen_ai.request.model'])
    await expectPanel(
      'Tokens per minute by model',
      0,
      tAgent,
      ['input', 'output'].map((type) => ({
        labels: { gen_ai_request_model: model, gen_ai_token_type: type },
        range: perMinute(tokens(type), `${type} tokens on the chat spans`),
      })),
    )
    // An hour holds the warm-up too; rate() cannot see the part in each series' first sample.
    const total = tokens('input') + tokens('output')
    await expectPanel(
      'Tokens in the last hour',
      0,
      tAgent,
      one(between(total, total * 1.8, 'tokens')),
    )
  })

  /**
   * An instant after Prometheus evaluated its rules on the data at `t` (10 s evaluations; two
   * of them): recorded series (Sloth's SLO ratios) read then hold what the raw series held at
   * `t`. Waits until it has passed.
   */
  const afterRecording = async (t: number) => {
    const at = t + 25
    await sleep(Math.max(0, (at + 1) * 1000 - Date.now()))
    return at
  }
  /** Injected failures of all turns sent, warm-up included (the alert and SLO windows hold both). */
  const failedShare = () =>
    (warm.turns.injectedErrors + traffic.turns.injectedErrors) /
    (allTurns(warm.turns) + allTurns(traffic.turns))
  /**
   * The objectives' bad shares, warm-up included (the windows hold both): failed turns of all
   * turns (the load generator's counts); first speeches over the SLO's threshold among turns
   * that did not fail, from each turn's "turn completed" log record as the Loki stand-in got
   * it. Not the injected delays alone: a message sent right after a hang-up waits for the
   * aborted turn to end, and that wait is the caller's too.
   */
  const badShare = () => {
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
  const burnOf = (id: keyof ReturnType<typeof badShare>) => {
    const share = badShare()[id]
    const rate = share / errorBudget(sloById(id))
    return between(rate * 0.9, rate * 1.1, `${id}: bad share ${share} / budget`)
  }
  const SLO_SERVICE = {
    service_name: DEFAULT_SERVICE_NAME,
    deployment_environment_name: 'development',
  }

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

  it('spend: known tokens and speech minutes give known dollars, per hour, per item, per model and per call', async () => {
    // The agent prices with the shipped table (the harness sets no LAYERCODE_PRICES_FILE).
    const prices = loadPriceTable({})
    const chatCost = (s: Span) => {
      const charges = tokenCost(prices, String(s.attrs['gen_ai.request.model']), {
        input: Number(s.attrs['gen_ai.usage.input_tokens'] ?? 0),
        output: Number(s.attrs['gen_ai.usage.output_tokens'] ?? 0),
      })
      assert.ok(charges, `${s.attrs['gen_ai.request.model']} has a price`)
      return charges
    }
    const sum = (charges: Array<{ item: string; usd: number }>, item?: string) =>
      charges.filter((c) => !item || c.item === item).reduce((t, c) => t + c.usd, 0)
    const speechOf = (x: LoadSummary['sessions']) =>
      speechCost(prices, { transcriptionS: x.transcriptionS, ttsS: x.ttsS })
    const chats = (all: Span[]) => all.filter((s) => s.name.startsWith('chat '))
    const trafficTokens = chats(spans).flatMap(chatCost)
    const trafficSpeech = speechOf(traffic.sessions)
    // The hour holds the warm-up too (Prometheus puts a zero at each series' start).
    const modelHour = sum(chats(notCanary(recordedSpans())).flatMap(chatCost))
    const hour = modelHour + sum(speechOf(warm.sessions)) + sum(trafficSpeech)
    await expectPanel(
      'Spend in the last hour',
      0,
      tAgent,
      one(between(hour * 0.999, hour * 1.1, `$${hour} of tokens and speech`)),
    )
    const model = String(chats(spans)[0]?.attrs['gen_ai.request.model'])
    await expectPanel('Top models by spend', 0, tAgent, [
      {
        labels: { gen_ai_request_model: model },
        range: between(modelHour * 0.999, modelHour * 1.1, `$${modelHour} of ${model} tokens`),
      },
    ])
    const perHour = (usd: number, why: string) => {
      const r = perSecond(usd, agentSpanS, why)
      return between(r.lo * 3600, r.hi * 3600, r.why)
    }
    await expectPanel(
      'Spend per hour by item',
      0,
      tAgent,
      [CostItem.Input, CostItem.Output, CostItem.Transcription, CostItem.Tts].map((item) => ({
        labels: { layercode_cost_item: item },
        range: perHour(sum([...trafficTokens, ...trafficSpeech], item), `${item} dollars`),
      })),
    )
    // Per call: each session's chat spans (by the session id on its traces' webhook span)
    // and its share of the speech (the load generator reports the same figures for each).
    const sessionOf = new Map(
      spans.filter(isTurnSpan).map((s) => [s.traceId, String(s.attrs['layercode.session.id'])]),
    )
    const perSession = new Map([...sessionOf.values()].map((id) => [id, 0]))
    for (const chat of chats(spans)) {
      const session = sessionOf.get(chat.traceId) ?? ''
      perSession.set(session, (perSession.get(session) ?? 0) + sum(chatCost(chat)))
    }
    const speechEach = sum(trafficSpeech) / traffic.sessions.ended
    const calls = [...perSession.values()].map((usd) => usd + speechEach)
    assert.equal(calls.length, traffic.sessions.ended, 'every call of the traffic')
    const mean = calls.reduce((t, c) => t + c, 0) / calls.length
    await expectPanel('Spend per call', 0, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: between(mean * 0.999, mean * 1.001, `$${mean}, the mean of ${calls.length} calls`),
      },
    ])
    await expectPanel('Spend per call', 1, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: quantileRange(calls, 0.95, 'calls', COST_BUCKETS_USD),
      },
    ])
  })

  it('turn latency budget: the parts of first speech as each turn logged them, the tools part as its tool spans lasted', async () => {
    assert.ok(traffic.turns.injectedSlowTool > 0, 'slow tools in the traffic')
    // Each message turn's "turn completed" record of the traffic, as the Loki stand-in got it.
    const logged = harness
      .recorded('loki', 'logs')
      .slice(logsBefore)
      .filter(isRealLog)
      .filter((l) => (l.body as { stringValue?: string })?.stringValue === 'turn completed')
      .map((l) => attributesOf(l))
      .filter((a) => a.event_type === 'message' && a.first_speech_queue_ms !== undefined)
    assert.ok(logged.length > 20, `${logged.length} message turns spoke`)
    const msOf = (key: string) => logged.map((a) => Number(a[key]) / 1000)
    const meanOf = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length
    // The logs round to whole ms; the metric keeps the exact seconds.
    const near = (x: number, why: string) => between(x - 0.0006, x * 1.001 + 0.0006, why)
    const bakery = { gen_ai_agent_name: 'bakery' }
    let partsSum = 0
    for (const [index, [part]] of FIRST_SPEECH_PARTS.entries()) {
      const values = msOf(`first_speech_${part}_ms`)
      const mean = meanOf(values)
      partsSum += mean
      await expectPanel('Where the wait for first speech goes', index, tAgent, [
        { labels: bakery, range: near(mean, `mean ${part} of ${values.length} turns`) },
      ])
      for (const [q, title] of [
        [0.5, 'First speech parts p50 by agent'],
        [0.95, 'First speech parts p95 by agent'],
      ] as const)
        await expectPanel(title, index, tAgent, [
          { labels: bakery, range: quantileRange(values, q, `${part} in the logs`) },
        ])
    }
    const firstSpeech = meanOf(msOf('first_speech_ms'))
    await expectPanel('Time to first speech: mean', 0, tAgent, [
      { labels: bakery, range: near(firstSpeech, 'mean first speech in the logs') },
    ])
    const own = firstSpeech - partsSum
    await expectPanel('Where the wait for first speech goes', FIRST_SPEECH_PARTS.length, tAgent, [
      { labels: bakery, range: between(own - 0.003, own + 0.003, `the rest: ${own} s`) },
    ])
    // Independent of the clock that split the wait: the tool spans. Every bakery tool runs
    // before its turn speaks (the model calls the tool, then answers), so the tools part
    // sums to the traffic's tool spans.
    const toolSeconds = spans
      .filter((s) => s.name.startsWith('execute_tool '))
      .reduce((t, s) => t + s.durationS, 0)
    const toolsMean = toolSeconds / logged.length
    assert.ok(toolsMean > 0.1, `slow tools show: ${toolsMean} s per turn`)
    await expectPanel('Where the wait for first speech goes', 2, tAgent, [
      { labels: bakery, range: between(toolsMean * 0.97, toolsMean * 1.03, 'tool spans') },
    ])
    // Each model call's first chunk comes before its end: within the chat spans' durations.
    const chats = spans.filter((s) => s.name.startsWith('chat ')).map((s) => s.durationS)
    await expectPanel('Model time to first chunk p95 by model', 0, tAgent, [
      {
        labels: {
          gen_ai_request_model: String(
            spans.find((s) => s.name.startsWith('chat '))?.attrs['gen_ai.request.model'],
          ),
        },
        range: between(0, quantileRange(chats, 0.95, 'chat spans').hi, 'at most the call'),
      },
    ])
  })

  it('errors: the inbox shows each kind the spans recorded, counted, its calls, first and last seen', async () => {
    // Every span of the run (warm-up included: the range is 10 minutes), the canary's left out.
    const all = harness.recorded('tempo', 'traces').map((item) => ({
      traceId: String(item.traceId),
      startS: Number(item.startTimeUnixNano) / 1e9,
      endS: Number(item.endTimeUnixNano) / 1e9,
      attrs: attributesOf(item),
      version: String(attributesOf(item.resource)['service.version']),
      exception: (item.events as Array<{ name: string }> | undefined)?.find(
        (e) => e.name === 'exception',
      ),
    }))
    const canary = new Set(
      all.filter((x) => x.attrs['layercode.synthetic'] === true).map((x) => x.traceId),
    )
    const real = all.filter((x) => !canary.has(x.traceId))
    const conversationOf = new Map(
      real
        .filter((x) => x.attrs['layercode.conversation.id'])
        .map((x) => [x.traceId, String(x.attrs['layercode.conversation.id'])]),
    )
    type Kind = {
      traces: Set<string>
      calls: Set<string>
      first: number
      last: number
      latest: number
    }
    const kinds = new Map<string, Kind>()
    for (const x of real.filter((x) => x.exception && x.attrs['layercode.error.fingerprint'])) {
      const fp = String(x.attrs['layercode.error.fingerprint'])
      const kind = kinds.get(fp) ?? {
        traces: new Set(),
        calls: new Set(),
        first: Infinity,
        last: 0,
        latest: 0,
      }
      kind.traces.add(x.traceId)
      const conversation = conversationOf.get(x.traceId)
      if (conversation) kind.calls.add(conversation)
      kind.first = Math.min(kind.first, x.startS)
      kind.last = Math.max(kind.last, x.endS)
      kinds.set(fp, kind)
    }
    const injected = [...kinds].find(([, k]) => k.traces.size >= traffic.turns.injectedErrors)
    assert.ok(injected, `the injected faults are one kind: ${JSON.stringify([...kinds.keys()])}`)
    const label = 'layercode_error_fingerprint'
    const rows = (range: (k: Kind) => Range) =>
      [...kinds].map(([fp, k]) => ({ labels: { [label]: fp }, range: range(k) }))
    // Counted from the samples: each thrown error once, whatever spans it reached.
    await expectPanel(
      'Errors inbox',
      0,
      tAgent,
      rows((k) => exactly(k.traces.size, 'traces with it')),
    )
    await expectPanel(
      'Errors inbox',
      1,
      tAgent,
      rows((k) => exactly(k.calls.size, 'conversations')),
    )
    // The times the agent recorded them (ms), between its spans' start and end.
    const at = await afterRecording(tAgent)
    const ms = (lo: number, hi: number, why: string) => between(lo * 1000 - 1, hi * 1000 + 1, why)
    await expectPanel(
      'Errors inbox',
      2,
      at,
      rows((k) => ms(k.first - 1, k.first + 60, 'first span')),
    )
    await expectPanel(
      'Errors inbox',
      3,
      at,
      rows((k) => ms(k.last - 60, k.last + 1, 'last span')),
    )
    await expectPanel(
      'Errors inbox',
      4,
      at,
      rows(() => exactly(1, 'one release')),
    )
    await expectPanel(
      'New kinds in the last 24 hours',
      0,
      at,
      rows((k) => ms(k.first - 1, k.first + 60, 'first span')),
    )
    const version = real[0]?.version ?? ''
    await expectPanel(
      'Errors by release',
      0,
      at,
      [...kinds].map(([fp, k]) => ({
        labels: { [label]: fp, service_version: version },
        range: ms(k.first - 1, k.first + 60, 'first span'),
      })),
    )
    // The last minute's rate: the traffic's faults of the injected kind, a minute's worth.
    const [fp, kind] = injected
    const inTraffic = [...kind.traces].filter((t) =>
      real.some((x) => x.traceId === t && x.startS * 1000 >= trafficStart),
    ).length
    const perKind = await harness.query(
      concrete(panels.find((p) => p.panel === 'Errors per minute by kind') as PanelQuery),
      tAgent,
    )
    const value = Number(perKind.find((r) => r.metric.error_type === 'injected_fault')?.value[1])
    const range = perMinute(inTraffic, `injected faults (${fp})`)
    assert.ok(
      value >= range.lo - 1e-9 && value <= range.hi + 1e-9,
      `${value}: ${range.lo}..${range.hi} (${range.why})`,
    )
    checked.add('Errors per minute by kind#0')
  })

  it('agent overview: latency percentiles match the traced durations', async () => {
    const durations = (pred: (s: Span) => boolean) => spans.filter(pred).map((s) => s.durationS)
    const http = durations((s) => s.name === 'POST /api/agent')
    for (const [index, q] of [0.5, 0.95, 0.99].entries())
      await expectPanel('HTTP latency', index, tAgent, one(quantileRange(http, q, 'server spans')))
    const turns = durations(isTurnSpan)
    await expectPanel('Turn duration p95 by agent', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: quantileRange(turns, 0.95, 'turn spans') },
    ])
    const toolNames = [
      ...new Set(spans.filter((s) => s.name.startsWith('execute_tool ')).map((s) => s.name)),
    ]
    assert.ok(toolNames.length >= 3, 'the bakery used its tools')
    await expectPanel(
      'Tool latency p95 by tool',
      0,
      tAgent,
      toolNames.map((name) => ({
        labels: { gen_ai_tool_name: name.slice('execute_tool '.length) },
        range: quantileRange(
          durations((s) => s.name === name),
          0.95,
          `${name} spans`,
        ),
      })),
    )
    const chats = durations((s) => s.name.startsWith('chat '))
    await expectPanel('Model call latency p95', 0, tAgent, [
      {
        labels: { gen_ai_request_model: 'offline-voice-1' },
        range: quantileRange(chats, 0.95, 'chat spans'),
      },
    ])
    // The caller hears the first words a little after the agent says them: the client's
    // percentile, or the bucket below it.
    for (const [index, key] of (['p50', 'p95'] as const).entries()) {
      const client = clientRange(traffic, key)
      await expectPanel('Time to first speech by agent', index, tAgent, [
        {
          labels: { gen_ai_agent_name: 'bakery' },
          range: between(
            bucket(client.lo * 0.8)[0],
            bucket(client.hi)[1],
            `client ${key} ${client.lo}..${client.hi} s`,
          ),
        },
      ])
    }
  })

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

  it('system: host and process panels agree with /proc and statfs under a known load', async () => {
    // Every replica's process (`ip netns exec` execs the agent: the pid is the agent's).
    const agentPids = AGENTS.map((ns) => harness.procs.get(ns)?.child.pid as number)
    const cpuTicks = () => {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1)
      const n = (fields ?? []).map(Number)
      const idle = (n[3] ?? 0) + (n[4] ?? 0)
      return { busy: n.reduce((a, b) => a + b, 0) - idle, all: n.reduce((a, b) => a + b, 0) }
    }
    const processCpuS = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, USER_HZ 100
    }
    const netBytes = async () => {
      const out: string[] = []
      const child = spawn('ip', ['netns', 'exec', nsName('collector'), 'cat', '/proc/net/dev'])
      child.stdout.on('data', (c: Buffer) => out.push(c.toString()))
      await once(child, 'exit')
      const totals = { receive: 0, transmit: 0 }
      for (const line of out.join('').split('\n').slice(2)) {
        const [, counters = ''] = line.split(':')
        const n = counters.trim().split(/\s+/).map(Number)
        totals.receive += n[0] ?? 0
        totals.transmit += n[8] ?? 0
      }
      return totals
    }
    // The devices the host metrics report (their names only), counted from /proc/diskstats.
    const devices = new Set(
      (await harness.query('count by (device) (system_disk_io_bytes_total)')).map(
        (r) => r.metric.device,
      ),
    )
    const diskBytes = () => {
      const totals = { read: 0, write: 0 }
      for (const line of readFileSync('/proc/diskstats', 'utf8').trim().split('\n')) {
        const n = line.trim().split(/\s+/)
        if (!devices.has(n[2])) continue
        totals.read += Number(n[5]) * 512
        totals.write += Number(n[9]) * 512
      }
      return totals
    }

    // One of the machine's cores busy for 35 s, 64 MiB written and synced, over a 60 s window.
    const [net0, disk0, proc0] = [await netBytes(), diskBytes(), agentPids.map(processCpuS)]
    const t0 = Date.now()
    const busy = spawn(process.execPath, [
      '-e',
      'const end = Date.now() + 35000; while (Date.now() < end);',
    ])
    await sleep(5_000)
    const cpuBusy0 = cpuTicks()
    // Written in the middle of the window: rate() sees increases between samples inside it.
    await sleep(15_000)
    // 64 MiB written and synced, dropped from the page cache, and read back: both directions.
    const file = `${harness.dir}/disk-load`
    const handle = await open(file, 'w+')
    for (let i = 0; i < 16; i++) await handle.write(Buffer.alloc(4 * 2 ** 20, i + 1))
    await handle.sync()
    await writeFile('/proc/sys/vm/drop_caches', '1')
    const chunk = Buffer.alloc(4 * 2 ** 20)
    for (let i = 0; i < 16; i++) await handle.read(chunk, 0, chunk.length, i * chunk.length)
    await handle.close()
    await sleep(5_000)
    const cpuBusy1 = cpuTicks()
    const tBusy = Date.now() / 1000
    await once(busy, 'exit')
    await rm(file)
    await sleep(Math.max(0, t0 + WINDOW_S * 1000 - Date.now()))
    const tEnd = Date.now() / 1000
    const [net1, disk1, proc1] = [await netBytes(), diskBytes(), agentPids.map(processCpuS)]
    const elapsed = tEnd - t0 / 1000
    const hostName = (await harness.query('max by (host_name) (system_cpu_logical_count)'))[0]
      ?.metric.host_name
    assert.ok(hostName)
    const near = (measured: number, rel: number, abs: number, why: string) =>
      between(
        measured * (1 - rel) - abs,
        measured * (1 + rel) + abs,
        `${why}: measured ${measured}`,
      )

    // Host CPU: the panel's states summed, while the busy loop ran, vs /proc/stat then.
    const busyShare = (cpuBusy1.busy - cpuBusy0.busy) / (cpuBusy1.all - cpuBusy0.all)
    const cpuPanel = panels.find((p) => p.panel === 'Host CPU') as PanelQuery
    checked.add('Host CPU#0')
    const states = await harness.query(concrete(cpuPanel), tBusy)
    const summed = states.reduce((sum, r) => sum + Number(r.value[1]), 0)
    assert.ok(states.every((r) => r.metric.host_name === hostName && r.metric.state !== 'idle'))
    const cpuRange = near(busyShare, 0, 0.15, 'busy share from /proc/stat')
    assert.ok(
      summed >= cpuRange.lo && summed <= cpuRange.hi && summed >= 0.4,
      `Host CPU ${summed}, expected ${cpuRange.lo}..${cpuRange.hi} and one core of two busy`,
    )

    const meminfo = Object.fromEntries(
      readFileSync('/proc/meminfo', 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.split(':')[0], Number(line.split(':')[1]?.trim().split(' ')[0])]),
    ) as Record<string, number>
    const total = meminfo.MemTotal ?? 1
    const used =
      total -
      (meminfo.MemFree ?? 0) -
      (meminfo.Buffers ?? 0) -
      (meminfo.Cached ?? 0) -
      (meminfo.SReclaimable ?? 0)
    await expectPanel('Host memory', 0, tEnd, [
      { labels: { host_name: hostName }, range: near(used / total, 0, 0.03, '/proc/meminfo') },
    ])

    const rates = <K extends string>(a: Record<K, number>, b: Record<K, number>, key: K) =>
      (b[key] - a[key]) / elapsed
    await expectPanel(
      'Network I/O',
      0,
      tEnd,
      (['receive', 'transmit'] as const).map((direction) => ({
        labels: { host_name: hostName, direction },
        range: near(rates(net0, net1, direction), 0.35, 50, `collector netns ${direction} B/s`),
      })),
    )
    for (const direction of ['read', 'write'] as const)
      assert.ok(
        rates(disk0, disk1, direction) >= (64 * 2 ** 20) / elapsed,
        `the 64 MiB ${direction} reached the disk counters`,
      )
    await expectPanel(
      'Disk I/O',
      0,
      tEnd,
      (['read', 'write'] as const).map((direction) => ({
        labels: { host_name: hostName, direction },
        range: near(
          rates(disk0, disk1, direction),
          0.2,
          32_768,
          `/proc/diskstats ${direction} B/s`,
        ),
      })),
    )
    const fs = statfsSync('/')
    const dfUsed = (fs.blocks - fs.bfree) / (fs.blocks - fs.bfree + fs.bavail)
    const mounts: Vector = await harness.query(
      concrete(panels.find((p) => p.panel === 'Filesystem usage') as PanelQuery),
      tEnd,
    )
    checked.add('Filesystem usage#0')
    const root = mounts.find((r) => r.metric.mountpoint === '/')
    assert.ok(root, JSON.stringify(mounts))
    assert.ok(
      Math.abs(Number(root.value[1]) - dfUsed) < 0.01,
      `Filesystem usage of / is ${root.value[1]}, df says ${dfUsed}`,
    )
    assert.ok(mounts.every((r) => Number(r.value[1]) >= 0 && Number(r.value[1]) <= 1))

    // Each agent replica's process, by its instance id (its resource's process.pid), vs /proc.
    const replicas = await Promise.all(
      agentPids.map(async (pid, i) => {
        const [info] = await harness.query(
          `max by (service_instance_id) (target_info{process_pid="${pid}"})`,
          tEnd,
        )
        assert.ok(info, `replica ${AGENTS[i]} (pid ${pid}) reports its resource`)
        const rss =
          Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024
        return {
          labels: { service_instance_id: String(info.metric.service_instance_id) },
          cpuRate: ((proc1[i] ?? 0) - (proc0[i] ?? 0)) / elapsed,
          rss,
        }
      }),
    )
    assert.equal(new Set(replicas.map((r) => r.labels.service_instance_id)).size, 2)
    const perReplica = (range: (r: (typeof replicas)[number]) => Range) =>
      replicas.map((r) => ({ labels: r.labels, range: range(r) }))
    await expectPanel(
      'Process CPU',
      0,
      tEnd,
      perReplica((r) => near(r.cpuRate, 0.35, 0.005, 'utime+stime from /proc/<pid>/stat')),
    )
    await expectPanel(
      'Process memory (RSS)',
      0,
      tEnd,
      perReplica((r) => near(r.rss, 0.25, 0, 'VmRSS')),
    )
    await expectPanel(
      'Heap used',
      0,
      tEnd,
      perReplica((r) => between(2 ** 20, r.rss, 'more than 1 MiB, less than the RSS')),
    )
    // Bounds, not measurements: a quiet loop is busy for at most what the process burns, it
    // waits at most a few timer ticks, and GC is part of the CPU time.
    await expectPanel(
      'Event-loop utilization',
      0,
      tEnd,
      perReplica((r) => between(0, Math.min(1, r.cpuRate * 2 + 0.05), 'at most the CPU share')),
    )
    await expectPanel(
      'Event-loop delay p99',
      0,
      tEnd,
      perReplica(() => between(0.001, 0.2, 'a quiet loop')),
    )
    const gc = await harness.query(
      concrete(panels.find((p) => p.panel === 'GC time') as PanelQuery),
      tEnd,
    )
    checked.add('GC time#0')
    for (const r of replicas) {
      const own = gc.filter((g) => g.metric.service_instance_id === r.labels.service_instance_id)
      const gcTotal = own.reduce((sum, g) => sum + Number(g.value[1]), 0)
      assert.ok(own.length > 0, `GC time of ${r.labels.service_instance_id}`)
      assert.ok(
        gcTotal >= 0 && gcTotal <= r.cpuRate * 1.35 + 0.005,
        `GC ${gcTotal} s/s within CPU ${r.cpuRate}`,
      )
    }
    assert.equal(
      gc.length,
      gc.filter((g) =>
        replicas.some((r) => r.labels.service_instance_id === g.metric.service_instance_id),
      ).length,
    )
  })

  it("canary: its panels show exactly the canary's turns (the other panels' values above leave them out)", async () => {
    const c = canary.turns
    assert.ok(c.injectedErrors >= 2 && c.ok > 0, `canary ${JSON.stringify(c)}`)
    assert.equal(c.failed, c.injectedErrors, "the canary's only failures are its injected ones")
    const service = {
      service_name: DEFAULT_SERVICE_NAME,
      deployment_environment_name: 'development',
    }
    // Its series start at zero inside the window (created-timestamp ingestion): no extrapolation.
    const counted = (n: number, why: string) => between(n * 0.999, n * 1.02, why)
    await expectPanel('Canary turns that succeeded', 0, tCanary, [
      { labels: service, range: counted(c.ok, 'canary turns that succeeded') },
    ])
    await expectPanel('Canary turns that failed', 0, tCanary, [
      { labels: service, range: counted(c.injectedErrors, 'canary turns that failed') },
    ])
    await expectPanel('Canary turns per minute by outcome', 0, tCanary, [
      { labels: { layercode_outcome: 'ok' }, range: perMinute(c.ok, 'canary ok turns') },
      {
        labels: { layercode_outcome: 'error' },
        range: perMinute(c.injectedErrors, 'canary failed turns'),
      },
    ])
    const canarySpoken = harness
      .recorded('loki', 'logs')
      .filter((l) => !isRealLog(l))
      .filter((l) => (l.body as { stringValue?: string })?.stringValue === 'turn completed')
      .map((l) => attributesOf(l))
      .filter((a) => a.outcome !== 'error' && a.first_speech_ms !== undefined)
      .map((a) => Number(a.first_speech_ms) / 1000)
    assert.equal(canarySpoken.length, c.ok, "each canary turn's log line is tagged")
    await expectPanel(
      'Canary time to first speech p95',
      0,
      tCanary,
      one(quantileRange(canarySpoken, 0.95, "the canary's turn logs")),
    )
  })

  it('alert conditions: the scripted faults breach exactly the rules they should, by value', async () => {
    const expr = (uid: string) => String(ruleQueries().find((r) => r.uid === uid)?.expr)
    const service = {
      service_name: DEFAULT_SERVICE_NAME,
      deployment_environment_name: 'development',
    }
    const evaluated = new Set<string>()
    const evaluate = async (uid: string, at: number) => {
      evaluated.add(uid)
      return (await harness.query(expr(uid), at)).map((r) => ({
        labels: Object.fromEntries(Object.entries(r.metric).filter(([k]) => k !== '__name__')),
        value: Number(r.value[1]),
      }))
    }
    const expectRule = async (uid: string, at: number, labels: object, range: Range) => {
      const fired = await evaluate(uid, at)
      assert.equal(fired.length, 1, `${uid}: ${JSON.stringify(fired)}`)
      assert.deepEqual(fired[0]?.labels, labels, uid)
      const value = fired[0]?.value ?? Number.NaN
      assert.ok(
        value >= range.lo && value <= range.hi,
        `${uid} = ${value}, expected ${range.lo}..${range.hi} (${range.why})`,
      )
    }
    // 20% of messages fail: over 5 minutes, warm-up included, well above 5% and 20 turns.
    const share = failedShare()
    await expectRule(
      'layercode-error-rate',
      tAgent,
      service,
      between(share * 0.9, share * 1.1, `error share ${share}`),
    )
    const turnDurations = spans.filter(isTurnSpan).map((s) => s.durationS)
    await expectRule(
      'layercode-latency-p95',
      tAgent,
      service,
      quantileRange(turnDurations, 0.95, 'turn spans (slow turns wait 3 s)'),
    )
    const client = clientRange(traffic, 'p95')
    await expectRule(
      'layercode-first-speech',
      tAgent,
      { ...service, gen_ai_agent_name: 'bakery' },
      between(
        bucket(client.lo * 0.8)[0],
        bucket(client.hi)[1],
        `client p95 ${client.lo}..${client.hi} s`,
      ),
    )
    // 20% of messages fail: the turn-success budget burns ~40x, a page (and so no ticket);
    // 20% are slow to speak, ~4x the first-speech budget: a ticket, not a page.
    const tSlo = await afterRecording(tAgent)
    await expectRule(
      burnAlertUid(sloById('turn-success'), 'page'),
      tSlo,
      SLO_SERVICE,
      burnOf('turn-success'),
    )
    await expectRule(
      burnAlertUid(sloById('first-speech'), 'ticket'),
      tSlo,
      SLO_SERVICE,
      burnOf('first-speech'),
    )
    for (const uid of [
      burnAlertUid(sloById('turn-success'), 'ticket'),
      burnAlertUid(sloById('first-speech'), 'page'),
    ])
      assert.deepEqual(await evaluate(uid, tSlo), [], `${uid} stays quiet`)
    // The canary's own failures fire its alert (and, above, no rule of real traffic counts them).
    // The rule reads the recorded 5-minute counts: at the first rule evaluation that saw the
    // canary's last export (2 s on, so the push has landed) it equals what the "Canary turns
    // that failed" panel (checked exact at tCanary above) shows at that same instant,
    // increase()'s extrapolation included.
    const recorded = await harness.samples(
      'layercode:turns:increase5m{layercode_synthetic="true", layercode_outcome="error"}[2m]',
      tSlo,
    )
    const eCanary = Math.min(
      ...recorded.flatMap((r) => r.values.map(([t]) => t)).filter((t) => t > tCanary + 2),
    )
    assert.ok(Number.isFinite(eCanary), "a rule evaluation after the canary's last export")
    const failedPanel = panels.find((p) => p.panel === 'Canary turns that failed')
    assert.ok(failedPanel)
    const shown = Number((await harness.query(concrete(failedPanel), eCanary))[0]?.value[1])
    assert.ok(shown >= canary.turns.injectedErrors * 0.999, `panel at the evaluation: ${shown}`)
    await expectRule(
      'layercode-canary',
      eCanary,
      SLO_SERVICE,
      between(shown - 1e-9, shown + 1e-9, 'the failed canary turns its panel shows then'),
    )
    // The injected fault was first seen in the warm-up, a few minutes before: new then (its
    // kind is new for new_for), back never (nothing was away); the errors test times both.
    const injected = allSpans.find((x) => x.attrs['error.type'] === 'injected_fault')?.attrs[
      'layercode.error.fingerprint'
    ]
    const fresh = (await evaluate('layercode-new-error', tSlo)).map(
      (r) => r.labels.layercode_error_fingerprint,
    )
    assert.ok(injected && fresh.includes(String(injected)), `the injected kind is new: ${fresh}`)
    assert.deepEqual(await evaluate('layercode-error-regression', tSlo), [], 'nothing is back')
    // Every webhook of the scripted traffic is signed right: nothing refused, no page.
    for (const uid of [
      'layercode-token-usage',
      'layercode-spend',
      'layercode-agent-down',
      'layercode-webhooks-rejected',
    ])
      assert.deepEqual(await evaluate(uid, tSlo), [], `${uid} stays quiet`)
    for (const uid of [
      'layercode-collector-refusing',
      'layercode-collector-export',
      'layercode-component-down',
    ])
      assert.deepEqual(await evaluate(uid, tCollector), [], `${uid} stays quiet`)
    assert.deepEqual(
      [...evaluated].sort(),
      ruleQueries()
        .map((r) => r.uid)
        .sort(),
      'every rule',
    )
  })

  it('checked every Prometheus panel query (Tempo span metrics run in the compose suite)', () => {
    const all = new Set<string>()
    for (const p of panels) {
      const index = panels.filter((q) => q.panel === p.panel).indexOf(p)
      // The canary runs beside the traffic here: its panels must be checked too.
      if (!p.needs || p.needs === 'the canary') all.add(`${p.panel}#${index}`)
    }
    assert.deepEqual(
      [...all].filter((k) => !checked.has(k)),
      [],
    )
  })
})
