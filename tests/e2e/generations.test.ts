/**
 * Both generations of the GenAI names on the real collector and Prometheus: three copies of
 * the kit's agent, one per value of OTEL_SEMCONV_STABILITY_OPT_IN (unset: the legacy names;
 * gen_ai_latest_experimental: the latest; its /dup form: both), each its own service, get the
 * same scripted traffic at once. Every agent, spend and latency-budget panel must show each
 * the same series with the same values (within what rate() extrapolation allows between two
 * exporters' phases), the GenAI panels the values each app's spans give (an app on both
 * counted once), and the token and latency alerts must fire for each alike.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { concrete, panelQueries, REAL_TRAFFIC, ruleQueries } from '@layercode-kit/grafana-gen'
import {
  GenAiOptIn,
  genAiGenerations,
  KIT_METRICS,
  type MetricSpec,
  metricsEmitted,
  prometheusSeries,
  SEMCONV_OPT_IN_ENV,
} from '@layercode-kit/telemetry'
import { attributesOf, untilStill, waitFor } from '@layercode-kit/test-support'
import { findBinaries } from '../../tools/binaries.ts'
import { flat, sampledSpan, settledAt, total } from '../lib/counters.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { type AgentNs, Harness } from '../lib/harness.ts'
import { between, quantileRange, type Range } from '../lib/ranges.ts'

const missing = await nativeSuiteGuard('both generations of the GenAI names')

const APPS = [
  { ns: 'agent', service: 'genai-legacy', optIn: '' },
  { ns: 'agent-2', service: 'genai-latest', optIn: GenAiOptIn.Latest },
  { ns: 'agent-3', service: 'genai-dup', optIn: GenAiOptIn.Dup },
] as const satisfies ReadonlyArray<{ ns: AgentNs; service: string; optIn: string }>
type App = (typeof APPS)[number]

/** The dashboards the acceptance names: every Prometheus panel on them. */
const DASHBOARDS = ['layercode-agent-overview', 'layercode-spend', 'layercode-latency-budget']
/** Labels that name the app itself, not what a panel shows. */
const APP_LABELS = new Set(['service_name', 'job', 'instance', 'service_instance_id'])
/** `$__rate_interval` as `concrete` renders it (60 s). */
const WINDOW_S = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])

/** Faults spread evenly, so every app gets the same turns: failures, slow turns, token bursts. */
const MIX = [
  '--messages=2',
  '--fail-rate=0.25',
  '--slow-rate=0.25',
  '--slow-tool-rate=0.25',
  '--token-rate=0.5',
]
/** `seconds` conversations, one a second. */
const load = (seconds: number) => [
  '--rate=1',
  `--duration=${seconds}`,
  '--think-time=0',
  '--concurrency=8',
  ...MIX,
]
type Turns = {
  conversations: Record<string, number>
  turns: { ok: number; failed: number; hungUp: number }
}
const allTurns = (s: Turns) => s.turns.ok + s.turns.failed + s.turns.hungUp
const turnsOf = (app: App) =>
  `layercode_turn_duration_seconds_count{service_name="${app.service}", ${REAL_TRAFFIC}}`

type Span = { name: string; service: string; durationS: number; attrs: Record<string, unknown> }

describe('both generations of the GenAI names, on the real collector and Prometheus', {
  skip: missing,
}, () => {
  let harness: Harness
  let trafficStart = 0
  /** The instant every panel is read at: after each app's first export that holds the traffic. */
  let t = 0
  /** Per app: what its samples span in the window ending at `t`. */
  const sampled = new Map<string, number>()
  /** The traffic's spans (after the warm-up), and all of each app's spans. */
  let spans: Span[] = []
  let everySpan: Span[] = []

  const recordedSpans = (): Span[] =>
    harness.recorded('tempo', 'traces').map((item) => ({
      name: String(item.name),
      service: String(attributesOf(item.resource)['service.name']),
      durationS: (Number(item.endTimeUnixNano) - Number(item.startTimeUnixNano)) / 1e9,
      attrs: attributesOf(item),
    }))

  before(async () => {
    harness = await Harness.startWithAgents(
      await findBinaries(),
      APPS.map((app) => [
        app.ns,
        { OTEL_SERVICE_NAME: app.service, [SEMCONV_OPT_IN_ENV]: app.optIn },
      ]),
    )
    const onEach = (args: string[]) =>
      Promise.all(APPS.map((app) => harness.loadgen(args, app.ns))) as Promise<Turns[]>
    const warm = await onEach(load(4))
    await waitFor(
      'the warm-up turns of every app in Prometheus, settled',
      async () => {
        for (const [i, app] of APPS.entries()) {
          if ((await total(harness, turnsOf(app))) !== allTurns(warm[i] as Turns)) return false
          if (!(await flat(harness, turnsOf(app)))) return false
        }
        return true
      },
      150_000,
      2_000,
    )
    trafficStart = Date.now()
    const spansBefore = recordedSpans().length
    const traffic = await onEach(load(12))
    for (const [i, app] of APPS.entries())
      assert.equal(
        allTurns(traffic[i] as Turns),
        allTurns(traffic[0] as Turns),
        `${app.service}: ${JSON.stringify(traffic.map((s) => [s.conversations, s.turns]))}`,
      )
    const finals: number[] = []
    for (const [i, app] of APPS.entries()) {
      const expected = allTurns(warm[i] as Turns) + allTurns(traffic[i] as Turns)
      await waitFor(
        `${app.service}: every turn in Prometheus`,
        async () => (await total(harness, turnsOf(app))) === expected,
        60_000,
      )
      const settled = await settledAt(harness, turnsOf(app), trafficStart, expected)
      finals.push(settled.final)
    }
    t = Math.max(...finals) + 0.001
    for (const app of APPS) {
      const spanS = await sampledSpan(harness, turnsOf(app), t, WINDOW_S)
      assert.ok(spanS > 0, `${app.service}: samples in the window`)
      sampled.set(app.service, spanS)
    }
    await untilStill('every span delivered', () => recordedSpans().length)
    everySpan = recordedSpans()
    spans = everySpan.slice(spansBefore)
  })

  after(async () => {
    await harness?.stop()
  })

  const panels = panelQueries().filter(
    (q) => q.datasource === 'prometheus' && DASHBOARDS.includes(q.dashboard) && !q.needs,
  )
  /** A panel's series for one app: labels without the app's own, and values. */
  const shown = async (app: App, panel: (typeof panels)[number]) => {
    const promql = concrete(panel, { selected: { service: app.service } })
    const result = await harness.query(promql, t)
    return new Map(
      result.map((r) => [
        JSON.stringify(
          Object.entries(r.metric)
            .filter(([k]) => !APP_LABELS.has(k))
            .sort(),
        ),
        Number(r.value[1]),
      ]),
    )
  }

  it('each app sends its generation of the GenAI names, and only that', async () => {
    const genAi = (KIT_METRICS as readonly MetricSpec[]).filter((m) => m.generation)
    for (const app of APPS) {
      const expected = new Set(
        metricsEmitted(genAiGenerations({ [SEMCONV_OPT_IN_ENV]: app.optIn }))
          .filter((m) => m.generation)
          .flatMap((m) => prometheusSeries(m)),
      )
      const names = genAi.flatMap((m) => prometheusSeries(m))
      const found = await harness.query(
        `count by (__name__) ({__name__=~"${names.join('|')}", service_name="${app.service}"})`,
      )
      assert.deepEqual(
        found.map((r) => r.metric.__name__).sort(),
        [...expected].sort(),
        `${app.service} (${SEMCONV_OPT_IN_ENV}=${app.optIn || 'unset'})`,
      )
    }
  })

  it('every agent, spend and latency-budget panel shows each app the same series and values', async () => {
    assert.ok(panels.length >= 30, `${panels.length} panel queries`)
    // Two apps' rates over one window differ only by where each one's samples fall in it.
    const spread = WINDOW_S / Math.min(...sampled.values())
    for (const panel of panels) {
      const [first, ...others] = await Promise.all(APPS.map((app) => shown(app, panel)))
      const where = `${panel.dashboard} "${panel.panel}"`
      for (const [i, other] of others.entries()) {
        assert.deepEqual(
          [...(other ?? new Map()).keys()].sort(),
          [...(first ?? new Map()).keys()].sort(),
          `${where}: ${APPS[i + 1]?.service} shows the series ${APPS[0].service} shows`,
        )
        // Timings differ per app and run: quantiles are checked against each app's own spans
        // below; a mean of durations (a `_seconds_sum` over its count, the latency budget's
        // parts, often under a millisecond) only by its series. An hour's increase holds each
        // app's warm-up, extrapolated from where its first sample fell (27% apart in one CI
        // run): each app's own chat spans bound it below.
        if (
          panel.expr.includes('histogram_quantile') ||
          panel.expr.includes('_seconds_sum') ||
          panel.expr.includes('[1h]')
        )
          continue
        for (const [key, value] of first ?? new Map<string, number>()) {
          const theirs = other?.get(key) ?? Number.NaN
          const [lo, hi] = [Math.min(value, theirs), Math.max(value, theirs)]
          assert.ok(
            hi - lo <= 1e-9 || (lo > 0 && hi / lo <= spread * 1.05),
            `${where} ${key}: ${APPS[0].service} ${value}, ${APPS[i + 1]?.service} ${theirs} (at most ${spread.toFixed(2)}x apart)`,
          )
        }
      }
    }
  })

  it("shows each app's tokens as its chat spans counted them, an app on both once", async () => {
    const tokensPanel = panels.find((p) => p.panel === 'Tokens per minute by model')
    const hourPanel = panels.find((p) => p.panel === 'Tokens in the last hour')
    assert.ok(tokensPanel && hourPanel)
    for (const app of APPS) {
      const chats = (list: Span[]) =>
        list.filter((s) => s.service === app.service && s.name.startsWith('chat '))
      const sum = (list: Span[], type: string) =>
        list.reduce((n, s) => n + Number(s.attrs[`gen_ai.usage.${type}_tokens`] ?? 0), 0)
      const spanS = sampled.get(app.service) ?? WINDOW_S
      for (const type of ['input', 'output']) {
        const n = sum(chats(spans), type)
        const range = between((n / WINDOW_S) * 60 * 0.99, (n / spanS) * 60 * 1.01, `${n} ${type}`)
        const shownHere = await shown(app, tokensPanel)
        const value = [...shownHere].find(([key]) => key.includes(`"${type}"`))?.[1]
        expectIn(value, range, `${app.service} ${type} tokens per minute`)
      }
      // The hour holds the warm-up too: increase() cannot see the part in the first sample and
      // extrapolates to the window's end (by under a sample interval of a minute's samples).
      const all = sum(chats(everySpan), 'input') + sum(chats(everySpan), 'output')
      const traffic = sum(chats(spans), 'input') + sum(chats(spans), 'output')
      const hour = [...(await shown(app, hourPanel)).values()][0]
      expectIn(hour, between(traffic, all * 1.5, `${traffic} .. 1.5 x ${all} tokens`), app.service)
    }
  })

  it('shows model, first-chunk and tool latency as the spans lasted, whichever names an app sends', async () => {
    const quantilePanel = (title: string) => {
      const found = panels.find((p) => p.panel === title)
      assert.ok(found, title)
      return found
    }
    for (const app of APPS) {
      const own = spans.filter((s) => s.service === app.service)
      const chats = own.filter((s) => s.name.startsWith('chat ')).map((s) => s.durationS)
      const tools = (tool: string) =>
        own.filter((s) => s.name === `execute_tool ${tool}`).map((s) => s.durationS)
      const model = [...(await shown(app, quantilePanel('Model call latency p95')))]
      assert.equal(model.length, 1, `${app.service}: one model`)
      expectIn(model[0]?.[1], quantileRange(chats, 0.95, 'chat spans'), `${app.service} model p95`)
      const chunk = [...(await shown(app, quantilePanel('Model time to first chunk p95 by model')))]
      expectIn(
        chunk[0]?.[1],
        between(0, quantileRange(chats, 0.95, 'chat spans').hi, 'at most the call'),
        `${app.service} first chunk p95`,
      )
      const byTool = await shown(app, quantilePanel('Tool latency p95 by tool'))
      assert.ok(byTool.size >= 2, `${app.service}: the tools it used`)
      for (const [key, value] of byTool) {
        const tool = String(
          (JSON.parse(key) as Array<[string, string]>).find(([k]) => k === 'gen_ai_tool_name')?.[1],
        )
        expectIn(value, quantileRange(tools(tool), 0.95, `${tool} spans`), `${app.service} ${tool}`)
      }
    }
  })

  it('fires the token and latency alerts for each app alike', async () => {
    // After Prometheus evaluated its recording rules on the data at `t` (10 s apart, two of them).
    const ruleTime = t + 25
    await sleep(Math.max(0, (ruleTime + 1) * 1000 - Date.now()))
    const rules = ruleQueries()
    const spread = WINDOW_S / Math.min(...sampled.values())
    for (const uid of ['layercode-token-usage', 'layercode-latency-p95']) {
      const rule = rules.find((r) => r.uid === uid)
      assert.ok(rule, uid)
      const firing = new Map(
        (await harness.query(rule.expr, ruleTime)).map((r) => [
          r.metric.service_name,
          Number(r.value[1]),
        ]),
      )
      assert.deepEqual(
        APPS.map((app) => firing.has(app.service)),
        [true, true, true],
        `${uid} fires for every app: ${JSON.stringify([...firing])}`,
      )
      const values = APPS.map((app) => firing.get(app.service) ?? Number.NaN)
      // Tokens are an hour's increase (an app on both counted twice would double its value);
      // the latency p95 is a quantile of the same turns.
      const limit = uid === 'layercode-token-usage' ? spread * 1.05 : 2
      assert.ok(
        Math.max(...values) / Math.min(...values) <= limit,
        `${uid}: ${values.join(', ')} (legacy, latest, dup) within ${limit.toFixed(2)}x`,
      )
    }
  })
})

function expectIn(value: number | undefined, range: Range, what: string) {
  assert.ok(
    value !== undefined && value >= range.lo - 1e-9 && value <= range.hi + 1e-9,
    `${what}: ${value}, expected ${range.lo}..${range.hi} (${range.why})`,
  )
}
