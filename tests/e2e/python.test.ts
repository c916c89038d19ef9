/**
 * The original Python toolkit, layercode-create-app 0.2.0 from PyPI, instrumented with Logfire
 * and exporting plain OTLP to the kit's real collector and Prometheus, beside the Node agent:
 * - with the kit's wrapper (integrations/python), every agent panel and alert condition shows
 *   the value the scripted conversations must give, for the Python service, by the same
 *   expectations as the Node agent's (ranges.ts); its spans and logs carry the contract's ids;
 *   no message content reaches the backends; agent-down fires when it stops;
 * - without the wrapper, exactly the panels PYTHON_WITHOUT_WRAPPER names stay empty (no
 *   silent zeros), and the rest show the same traffic.
 * Its model is a local OpenAI-compatible fake (openai-fake.ts), one per app.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import {
  concrete,
  PYTHON_WITHOUT_WRAPPER,
  panelQueries,
  pythonAppEnvironment,
  ruleQueries,
  seriesName,
} from '@layercode-kit/grafana-gen'
import { type ConversationRecord, runConversation, sessionSpeech } from '@layercode-kit/loadgen'
import {
  COST_BUCKETS_USD,
  GENAI_CONTENT_ATTRIBUTES,
  LOG_CONTEXT_FIELDS,
  loadPriceTable,
  speechCost,
  tokenCost,
} from '@layercode-kit/telemetry'
import { attributesOf, waitFor } from '@layercode-kit/test-support'
import { composeWebhookSecret, loadCompose, rootPath } from '../stack/support.ts'
import { ensureBinaries } from './binaries.ts'
import { flat, sampledSpan, settledAt, total } from './counters.ts'
import { nativeSuiteGuard } from './guard.ts'
import { Harness } from './harness.ts'
import { FAIL_MARKER, MARKERS, SLOW_MARKER, TOKENS_MARKER } from './openai-fake.ts'
import { ensureToolkit, findPython, INTEGRATION_PATH, type Toolkit } from './python-toolkit.ts'
import {
  between,
  bucket,
  type Expected,
  exactly,
  one,
  panelChecker,
  quantileRange,
  type Range,
  SCRIPTED_LATENCY,
} from './ranges.ts'

const missing = (await nativeSuiteGuard('the Python toolkit end to end')) ?? (await pythonMissing())
async function pythonMissing(): Promise<string | undefined> {
  if (await findPython()) return undefined
  const reason = 'no Python >= 3.12 (set KIT_PYTHON, or install one with pyenv)'
  if (process.env.CI) throw new Error(`e2e: ${reason}; CI must run the Python toolkit suite`)
  console.log(`# SKIP the Python toolkit end to end: ${reason}`)
  return reason
}

const WRAPPED = 'bakery-python'
const PLAIN = 'bakery-plain'
const MODEL = 'gpt-4o-mini'
/** The Node agent's environment in compose; the Python apps run in the same one. */
const ENVIRONMENT = String(loadCompose().services.agent?.environment?.APP_ENV ?? 'development')
/**
 * Per conversation: session.start, a tool turn (the menu), a failing turn, a slow one with a
 * token burst (the alert drills' faults, played by the model), an ordinary one.
 */
const SCRIPT = [
  'What is on the menu today?',
  `One croissant please ${FAIL_MARKER}`,
  `A cake for twenty people ${SLOW_MARKER} ${TOKENS_MARKER}`,
  'Thank you',
]
const TURNS_PER_CONVERSATION = 1 + SCRIPT.length
const WEBHOOKS_PER_CONVERSATION = TURNS_PER_CONVERSATION + 2 // data and session.end
const WARM_CONVERSATIONS = 3
const CONVERSATIONS = 8
const apps = {
  [WRAPPED]: { port: 8001, modelPort: 4011 },
  [PLAIN]: { port: 8002, modelPort: 4012 },
} as const

/** The service an OTLP item (span, log record) came from. */
const serviceOf = (item: Record<string, unknown>) =>
  String(attributesOf(item.resource)['service.name'])
/** A log record's body (OTLP/JSON: an AnyValue). */
const bodyOf = (log: Record<string, unknown>) =>
  String((log.body as { stringValue?: string } | undefined)?.stringValue ?? '')

type Usage = { requests: number; input: number; output: number }
type Span = {
  name: string
  traceId: string
  spanId: string
  parentSpanId: string
  durationS: number
  attrs: Record<string, unknown>
  service: string
  json: string
}

describe('layercode-create-app (PyPI) with Logfire, through the kit', { skip: missing }, () => {
  let harness: Harness
  let traffic: ConversationRecord[] = []
  /** What each app's model endpoint counted: after the warm-up, before and after the traffic. */
  const usageOf: Record<string, { warm: Usage; before: Usage; after: Usage }> = {}
  let spans: Span[] = []
  let tAgent = 0
  let spanS = 0
  const secret = composeWebhookSecret(loadCompose())
  const WINDOW_S = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])

  const url = (app: keyof typeof apps) => harness.url('agent', apps[app].port, '/api/agent')
  const usage = async (app: keyof typeof apps): Promise<Usage> =>
    (await fetch(harness.url('agent', apps[app].modelPort, '/usage'))).json() as Promise<Usage>
  /** n conversations against an app, two at a time. */
  async function converse(app: keyof typeof apps, n: number): Promise<ConversationRecord[]> {
    const records: ConversationRecord[] = []
    for (let i = 0; i < n; i += 2)
      records.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(2, n - i) }, () =>
            runConversation({
              url: url(app),
              secret,
              script: SCRIPT,
              thinkTimeMs: 0,
              pickFault: () => undefined,
            }),
          ),
        )),
      )
    return records
  }
  /** Turns counted by the duration histogram: `_count` (classic) or the native series. */
  const turnsOf = (service: string) =>
    `{__name__=~"${seriesName('layercode.turn.duration')}(_count)?", service_name="${service}"}`
  const recordedSpans = (): Span[] =>
    harness.recorded('tempo', 'traces').map((item) => ({
      name: String(item.name),
      traceId: String(item.traceId),
      spanId: String(item.spanId),
      parentSpanId: String(item.parentSpanId ?? ''),
      durationS: (Number(item.endTimeUnixNano) - Number(item.startTimeUnixNano)) / 1e9,
      attrs: { ...attributesOf(item), status: (item.status as { code?: number })?.code ?? 0 },
      service: serviceOf(item),
      json: JSON.stringify(item),
    }))

  let toolkit: Toolkit
  before(async () => {
    toolkit = await ensureToolkit((await findPython()) as string)
    harness = await Harness.start(await ensureBinaries())
    const env = (service: string, modelPort: number) => ({
      LAYERCODE_WEBHOOK_SECRET: secret,
      LAYERCODE_API_KEY: 'e2e-api-key-0123456789',
      OPENAI_API_KEY: 'sk-e2e-fake-key-not-a-secret',
      OPENAI_BASE_URL: `http://127.0.0.1:${modelPort}/v1`,
      // What the migration guide tells a user to set (docs/migrating-from-logfire.md).
      ...pythonAppEnvironment({
        service,
        endpoint: String(loadCompose().services.agent?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT),
        environment: ENVIRONMENT,
      }),
      PYTHONPATH: INTEGRATION_PATH,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    })
    const toolkitArgs = (port: number) => [
      'run',
      '--agent',
      'bakery',
      '--model',
      `openai-chat:${MODEL}`,
      '--host',
      '0.0.0.0',
      `--port=${port}`,
    ]
    for (const [service, { port, modelPort }] of Object.entries(apps)) {
      await harness.startApp(
        `app:model-${service}`,
        [process.execPath, rootPath('tests/e2e/openai-fake.ts'), String(modelPort), '0.0.0.0'],
        {},
        modelPort,
      )
      await harness.startApp(
        `app:${service}`,
        service === WRAPPED
          ? [toolkit.python, '-m', 'layercode_otel_kit', ...toolkitArgs(port)]
          : [toolkit.toolkitCli, ...toolkitArgs(port)],
        env(service, modelPort),
        port,
      )
    }
    // Warm-up: every series exists and settles before the measured traffic.
    await Promise.all([converse(WRAPPED, WARM_CONVERSATIONS), converse(PLAIN, WARM_CONVERSATIONS)])
    const counted = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.keys(apps).map(async (app) => [app, await usage(app as keyof typeof apps)]),
        ),
      ) as Record<string, Usage>
    const warm = await counted()
    const warmTurns = WARM_CONVERSATIONS * TURNS_PER_CONVERSATION
    await waitFor(
      'the warm-up turns in Prometheus',
      async () => (await total(harness, turnsOf(WRAPPED))) === warmTurns,
      60_000,
    )
    await waitFor('the warm-up settled', () => flat(harness, turnsOf(WRAPPED)), 120_000, 2_000)
    const trafficStart = Date.now()
    const spansBefore = recordedSpans().length
    const before = await counted()
    ;[traffic] = await Promise.all([
      converse(WRAPPED, CONVERSATIONS),
      converse(PLAIN, CONVERSATIONS),
    ])
    const afterTraffic = await counted()
    for (const app of Object.keys(apps))
      usageOf[app] = {
        warm: warm[app] as Usage,
        before: before[app] as Usage,
        after: afterTraffic[app] as Usage,
      }
    const allTurns = warmTurns + CONVERSATIONS * TURNS_PER_CONVERSATION
    await waitFor(
      'every traffic turn counted in Prometheus',
      async () => (await total(harness, turnsOf(WRAPPED))) === allTurns,
      60_000,
    )
    let last = -1
    await waitFor(
      'spans delivered',
      async () => {
        const now = recordedSpans().length
        const done = now === last
        last = now
        return done
      },
      60_000,
      6_000,
    )
    spans = recordedSpans()
      .slice(spansBefore)
      .filter((s) => s.service === WRAPPED)
    // The first sample with every turn is the instant the panels are read at.
    const { final, base } = await settledAt(harness, turnsOf(WRAPPED), trafficStart, allTurns)
    tAgent = final + 0.001
    assert.ok(tAgent - base < WINDOW_S, 'the window holds the pre-traffic sample')
    spanS = await sampledSpan(harness, turnsOf(WRAPPED), tAgent, WINDOW_S)
  })

  after(async () => {
    await harness?.stop()
  })

  const panels = panelQueries().filter(
    (p) =>
      p.datasource === 'prometheus' &&
      !p.needs &&
      ['layercode-agent-overview', 'layercode-traces-errors', 'layercode-spend'].includes(
        p.dashboard,
      ),
  )
  const checker = (service: string) =>
    panelChecker((promql, at) => harness.query(promql, at), panels, {
      selected: { service, environment: ENVIRONMENT },
    })
  const wrapped = checker(WRAPPED)
  /** Durations of the wrapped app's turn spans (session.start and message webhooks). */
  const turnDurations = () =>
    spans
      .filter(
        (s) =>
          s.name === 'POST /api/agent' &&
          ['session.start', 'message'].includes(String(s.attrs['layercode.event.type'])),
      )
      .map((s) => s.durationS)
  /**
   * The caller hears the first words a little after the agent says them: the client's
   * percentile over turns that did not fail, or the bucket below it.
   */
  const clientFirstSpeech = (q: number): Range => {
    const heard = traffic
      .flatMap((c) => c.turns)
      .filter((t) => t.ok)
      .map((t) => (t.firstTtsMs ?? 0) / 1000)
      .sort((a, b) => a - b)
    const client = heard[Math.ceil(q * heard.length) - 1] ?? Number.NaN
    return between(bucket(client * 0.8)[0], bucket(client)[1], `client p${q * 100} ${client} s`)
  }
  const perMinute = (n: number, why: string) =>
    between((n / WINDOW_S) * 60 * 0.99, (n / spanS) * 60 * 1.01, `${why}: ${n} in the window`)

  it("the wrapper's unit tests pass (python -m unittest, in-memory providers)", async () => {
    const { stderr } = await promisify(execFile)(
      toolkit.python,
      ['-m', 'unittest', 'discover', '-s', `${INTEGRATION_PATH}/tests`],
      { env: { ...process.env, PYTHONPATH: INTEGRATION_PATH, PYTHONDONTWRITEBYTECODE: '1' } },
    )
    assert.match(stderr, /^Ran [1-9]\d* tests? in .*\n\nOK\s*$/ms)
  })

  it('the conversations ran as scripted: one failed turn in each, every other one spoke', () => {
    const turns = traffic.flatMap((c) => c.turns)
    assert.equal(turns.length, CONVERSATIONS * TURNS_PER_CONVERSATION)
    assert.deepEqual(
      turns.filter((t) => !t.ok).map((t) => t.failure),
      Array(CONVERSATIONS).fill('agent error'),
    )
    assert.ok(turns.filter((t) => t.ok).every((t) => (t.firstTtsMs ?? 0) > 0))
    assert.deepEqual(
      traffic.flatMap((c) => c.otherFailures),
      [],
    )
  })

  it('agent overview with the wrapper: turns, outcomes, requests, tools and tokens by value', async () => {
    const { expectPanel } = wrapped
    const n = CONVERSATIONS
    const share = 1 / TURNS_PER_CONVERSATION
    const ratio = (r: number, why: string) => between(r * 0.9, r * 1.1, `${why}: ${r}`)
    await expectPanel('Turn success rate', 0, tAgent, one(ratio(1 - share, 'ok turns')))
    await expectPanel('Turn error rate', 0, tAgent, one(ratio(share, 'one failed turn each')))
    await expectPanel('Error rate', 1, tAgent, one(ratio(share, 'one failed turn each')))
    await expectPanel('Error rate', 0, tAgent, one(exactly(0, 'failed turns answer 200')))
    await expectPanel('Turns by outcome', 0, tAgent, [
      {
        labels: { layercode_outcome: 'ok' },
        range: perMinute((TURNS_PER_CONVERSATION - 1) * n, 'ok turns'),
      },
      { labels: { layercode_outcome: 'error' }, range: perMinute(n, 'failed turns') },
    ])
    await expectPanel('Failing turns per minute', 0, tAgent, one(perMinute(n, 'failed turns')))
    await expectPanel('Requests per minute', 0, tAgent, [
      {
        labels: { http_route: '/api/agent' },
        range: perMinute(n * WEBHOOKS_PER_CONVERSATION, 'webhooks'),
      },
      { labels: { http_route: '/health' }, range: exactly(0, 'probed before the warm-up only') },
    ])
    await expectPanel('Active sessions', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: exactly(0, 'every session ended') },
    ])
    // What the driver reported in session.end, as LayerCode would: known to the second.
    const ended = traffic.flatMap((c) => (c.session ? [c.session] : []))
    assert.equal(ended.length, n, 'every session.end answered')
    const bakery = { gen_ai_agent_name: 'bakery' }
    const sumOf = (key: 'transcriptionS' | 'ttsS') => ended.reduce((s, e) => s + e[key], 0)
    await expectPanel('Speech per minute (LayerCode)', 0, tAgent, [
      { labels: bakery, range: perMinute(sumOf('transcriptionS'), 'transcribed seconds') },
    ])
    await expectPanel('Speech per minute (LayerCode)', 1, tAgent, [
      { labels: bakery, range: perMinute(sumOf('ttsS'), 'synthesized seconds') },
    ])
    const meanS = ended.reduce((s, e) => s + e.durationMs / 1000, 0) / n
    await expectPanel('Sessions: mean length and turns', 0, tAgent, [
      { labels: bakery, range: between(meanS * 0.999, meanS * 1.001, 'reported durations') },
    ])
    await expectPanel("LayerCode's reported latency", 0, tAgent, [
      { labels: bakery, range: SCRIPTED_LATENCY },
    ])
    await expectPanel('Sessions: mean length and turns', 1, tAgent, [
      {
        labels: bakery,
        range: between(
          TURNS_PER_CONVERSATION * 0.999,
          TURNS_PER_CONVERSATION * 1.001,
          'turns each',
        ),
      },
    ])
    const tools = spans.filter((s) => s.name === 'execute_tool list_menu')
    assert.equal(tools.length, n, 'one list_menu call per conversation')
    await expectPanel('Tool calls per minute', 0, tAgent, [
      {
        labels: { gen_ai_tool_name: 'list_menu', layercode_outcome: 'ok' },
        range: perMinute(tools.length, 'execute_tool spans'),
      },
    ])
    // Counted by the model endpoint itself, independently of any telemetry.
    await expectPanel(
      'Tokens per minute by model',
      0,
      tAgent,
      (['input', 'output'] as const).map((type) => ({
        labels: { gen_ai_request_model: MODEL, gen_ai_token_type: type },
        range: perMinute(
          (usageOf[WRAPPED]?.after[type] ?? 0) - (usageOf[WRAPPED]?.before[type] ?? 0),
          `${type} tokens the model counted`,
        ),
      })),
    )
    const tokens = (u: Usage) => u.input + u.output
    const { warm, before, after } = usageOf[WRAPPED] as { warm: Usage; before: Usage; after: Usage }
    const trafficTokens = tokens(after) - tokens(before)
    await expectPanel(
      'Tokens in the last hour',
      0,
      tAgent,
      one(between(trafficTokens, (trafficTokens + tokens(warm)) * 1.1, 'tokens counted')),
    )
  })

  it("spend with the wrapper: the model's counted tokens and the sessions' speech at the shipped prices", async () => {
    const { expectPanel } = wrapped
    const prices = loadPriceTable({})
    const usd = (charges: Array<{ item: string; usd: number }> | undefined, item?: string) =>
      (charges ?? []).filter((c) => !item || c.item === item).reduce((t, c) => t + c.usd, 0)
    // Counted by the model endpoint itself (no prompt cache in the fake).
    const { before, after } = usageOf[WRAPPED] as { before: Usage; after: Usage }
    const tokensCost = (u: Usage) => tokenCost(prices, MODEL, { input: u.input, output: u.output })
    const trafficTokens = tokenCost(prices, MODEL, {
      input: after.input - before.input,
      output: after.output - before.output,
    })
    const speechEach = speechCost(prices, sessionSpeech(SCRIPT.length))
    const n = traffic.length
    const hour = usd(tokensCost(after)) + (WARM_CONVERSATIONS + n) * usd(speechEach)
    const trafficUsd = usd(trafficTokens) + n * usd(speechEach)
    await expectPanel(
      'Spend in the last hour',
      0,
      tAgent,
      one(between(trafficUsd * 0.999, hour * 1.1, `$${trafficUsd} of traffic, $${hour} in all`)),
    )
    await expectPanel('Top models by spend', 0, tAgent, [
      {
        labels: { gen_ai_request_model: MODEL },
        range: between(usd(trafficTokens) * 0.999, usd(tokensCost(after)) * 1.1, 'model tokens'),
      },
    ])
    await expectPanel(
      'Spend per hour by item',
      0,
      tAgent,
      ['input', 'output', 'transcription', 'tts'].map((item) => {
        const dollars = usd(trafficTokens, item) + n * usd(speechEach, item)
        const r = perMinute(dollars, `${item} dollars`)
        return {
          labels: { layercode_cost_item: item },
          range: between(r.lo * 60, r.hi * 60, r.why),
        }
      }),
    )
    // Per call: each session's chat spans (by the session id on its webhook spans) priced,
    // and its speech.
    const sessionOf = new Map(
      spans
        .filter((x) => x.name === 'POST /api/agent' && x.attrs['layercode.session.id'])
        .map((x) => [x.traceId, String(x.attrs['layercode.session.id'])]),
    )
    const perSession = new Map([...new Set(sessionOf.values())].map((id) => [id, 0]))
    const chats = spans.filter((x) => x.attrs['gen_ai.operation.name'] === 'chat')
    for (const chat of chats) {
      const session = sessionOf.get(chat.traceId) ?? ''
      const charges = tokenCost(prices, MODEL, {
        input: Number(chat.attrs['gen_ai.usage.input_tokens'] ?? 0),
        output: Number(chat.attrs['gen_ai.usage.output_tokens'] ?? 0),
      })
      perSession.set(session, (perSession.get(session) ?? 0) + usd(charges))
    }
    const calls = [...perSession.values()].map((x) => x + usd(speechEach))
    assert.equal(calls.length, n, 'every call of the traffic')
    assert.ok(
      Math.abs(calls.reduce((t, c) => t + c, 0) - trafficUsd) < 1e-9,
      "the chat spans' tokens are what the model counted",
    )
    const bakery = { gen_ai_agent_name: 'bakery' }
    const mean = trafficUsd / n
    await expectPanel('Spend per call', 0, tAgent, [
      { labels: bakery, range: between(mean * 0.999, mean * 1.001, `$${mean} a call`) },
    ])
    await expectPanel('Spend per call', 1, tAgent, [
      { labels: bakery, range: quantileRange(calls, 0.95, 'calls', COST_BUCKETS_USD) },
    ])
  })

  it('agent overview with the wrapper: latency percentiles match the traced durations', async () => {
    const { expectPanel } = wrapped
    const durations = (pred: (s: Span) => boolean) => spans.filter(pred).map((s) => s.durationS)
    const server = durations((s) => s.name === 'POST /api/agent')
    assert.equal(server.length, CONVERSATIONS * WEBHOOKS_PER_CONVERSATION)
    for (const [index, q] of [0.5, 0.95, 0.99].entries())
      await expectPanel(
        'HTTP latency',
        index,
        tAgent,
        one(quantileRange(server, q, 'server spans')),
      )
    await expectPanel('Turn duration p95 by agent', 0, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: quantileRange(turnDurations(), 0.95, 'turn spans'),
      },
    ])
    const chats = durations((s) => s.attrs['gen_ai.operation.name'] === 'chat')
    await expectPanel('Model call latency p95', 0, tAgent, [
      { labels: { gen_ai_request_model: MODEL }, range: quantileRange(chats, 0.95, 'chat spans') },
    ])
    const tools = durations((s) => s.name === 'execute_tool list_menu')
    assert.equal(tools.length, CONVERSATIONS, 'one list_menu call per conversation')
    await expectPanel('Tool latency p95 by tool', 0, tAgent, [
      {
        labels: { gen_ai_tool_name: 'list_menu' },
        range: quantileRange(tools, 0.95, 'tool spans'),
      },
    ])
    for (const [index, q] of [0.5, 0.95].entries())
      await expectPanel('Time to first speech by agent', index, tAgent, [
        { labels: { gen_ai_agent_name: 'bakery' }, range: clientFirstSpeech(q) },
      ])
  })

  it('checked every agent panel for the Python service', () => {
    const all = panels.map(
      (p) => `${p.panel}#${panels.filter((q) => q.panel === p.panel).indexOf(p)}`,
    )
    assert.deepEqual(
      all.filter((k) => !wrapped.checked.has(k)),
      [],
    )
  })

  it('its traces and logs carry the contract: ids, outcome, error type, the call context', () => {
    const failed = spans.filter(
      (s) => s.name === 'POST /api/agent' && s.attrs['layercode.outcome'] === 'error',
    )
    assert.equal(failed.length, CONVERSATIONS)
    for (const span of failed) {
      for (const key of [
        'layercode.event.type',
        'layercode.conversation.id',
        'layercode.session.id',
        'layercode.turn.id',
        'gen_ai.agent.name',
      ])
        assert.ok(span.attrs[key], `the failed turn's span has ${key}`)
      assert.equal(span.attrs.status, 2, 'status ERROR')
      // what pydantic-ai raised for the model's 400, found on its spans
      assert.match(String(span.attrs['error.type']), /^pydantic_ai\.exceptions\.Model\w+Error$/)
    }
    const tool = spans.find((s) => s.name === 'execute_tool list_menu')
    const chain: string[] = []
    for (let s = tool; s; s = spans.find((p) => p.spanId === s?.parentSpanId)) chain.push(s.name)
    assert.equal(chain.at(-1), 'POST /api/agent', `the tool call is inside the webhook: ${chain}`)
    const logs = harness.recorded('loki', 'logs').filter((l) => serviceOf(l) === WRAPPED)
    const completed = logs.filter((l) => bodyOf(l) === 'turn completed')
    assert.ok(completed.length >= CONVERSATIONS * TURNS_PER_CONVERSATION, `${completed.length}`)
    for (const log of completed.slice(0, 20)) {
      assert.match(String(log.traceId), /^[0-9a-f]{32}$/)
      for (const field of LOG_CONTEXT_FIELDS)
        assert.ok(attributesOf(log)[field], `"turn completed" has ${field}`)
    }
    const failedLogs = logs.filter((l) => bodyOf(l) === 'turn failed')
    assert.ok(failedLogs.length >= CONVERSATIONS)
    assert.ok(failedLogs.every((l) => l.severityText === 'error'))
    assert.ok(failedLogs.every((l) => attributesOf(l)['error.code'] === 'agent_failed'))
    // The toolkit's own loguru lines arrive as log records too, in the turn's context.
    assert.ok(
      logs.some((l) => bodyOf(l).startsWith('Webhook received') && attributesOf(l).conversation_id),
    )
  })

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

  it('no message content reaches the backends by default', () => {
    const python = [
      ...harness.recorded('tempo', 'traces'),
      ...harness.recorded('loki', 'logs'),
    ].filter((r) => [WRAPPED, PLAIN].includes(serviceOf(r)))
    assert.ok(python.length > 100)
    const text = JSON.stringify(python)
    for (const key of GENAI_CONTENT_ATTRIBUTES) assert.ok(!text.includes(`"key":"${key}"`), key)
    // The witness that they were sent: Logfire describes the attributes it set on each span.
    const schemas = spans.map((s) => String(s.attrs['logfire.json_schema'] ?? '')).join('\n')
    for (const key of ['pydantic_ai.all_messages', 'gen_ai.tool.call.result'])
      assert.ok(schemas.includes(key), `the app sent ${key}`)
    for (const said of [...SCRIPT, 'croissants, baguettes']) {
      const words = MARKERS.reduce((rest, marker) => rest.replace(marker, ''), said).trim()
      assert.ok(!text.includes(words), `"${words}" reached a backend`)
    }
  })

  it('without the wrapper, exactly the documented panels stay empty; the rest show the traffic', async () => {
    const plain = checker(PLAIN)
    const empty: string[] = []
    for (const p of panels) {
      const index = panels.filter((q) => q.panel === p.panel).indexOf(p)
      const result = await harness.query(plain.text(p.panel, index), tAgent)
      if (result.length === 0) empty.push(`${p.panel}#${index}`)
      else
        assert.ok(
          result.some((r) => Number(r.value[1]) > 0) || p.panel === 'Error rate',
          `${p.panel}#${index} shows only zeros: ${JSON.stringify(result)}`,
        )
    }
    assert.deepEqual(empty.sort(), Object.keys(PYTHON_WITHOUT_WRAPPER).sort())
  })

  it('alerts: the scripted faults breach the error, latency, first-speech and token rules by value, for the right services', async () => {
    const expr = (uid: string) => String(ruleQueries().find((r) => r.uid === uid)?.expr)
    const expectRule = async (uid: string, expected: Expected, at: number = tAgent) => {
      const fired = (await harness.query(expr(uid), at)).map((r) => ({
        labels: Object.fromEntries(Object.entries(r.metric).filter(([k]) => k !== '__name__')),
        value: Number(r.value[1]),
      }))
      const key = (labels: object) => JSON.stringify(Object.entries(labels).sort())
      assert.deepEqual(
        fired.map((f) => key(f.labels)).sort(),
        expected.map((e) => key(e.labels)).sort(),
        `${uid}: ${JSON.stringify(fired)}`,
      )
      for (const { labels, range } of expected) {
        const value = fired.find((f) => key(f.labels) === key(labels))?.value ?? Number.NaN
        assert.ok(
          value >= range.lo && value <= range.hi,
          `${uid} ${key(labels)} = ${value}, expected ${range.lo}..${range.hi} (${range.why})`,
        )
      }
    }
    const share = 1 / TURNS_PER_CONVERSATION
    // Without the wrapper there are no turn metrics to judge: those rules name the wrapped app.
    await expectRule('layercode-error-rate', [
      {
        labels: { service_name: WRAPPED, deployment_environment_name: ENVIRONMENT },
        range: between(share * 0.9, share * 1.1, `one failed turn in ${TURNS_PER_CONVERSATION}`),
      },
    ])
    await expectRule('layercode-latency-p95', [
      {
        labels: { service_name: WRAPPED, deployment_environment_name: ENVIRONMENT },
        range: quantileRange(
          turnDurations(),
          0.95,
          'turn spans (the slow turn waits 2.5 s for the model)',
        ),
      },
    ])
    await expectRule('layercode-first-speech', [
      {
        labels: {
          service_name: WRAPPED,
          deployment_environment_name: ENVIRONMENT,
          gen_ai_agent_name: 'bakery',
        },
        range: clientFirstSpeech(0.95),
      },
    ])
    // Token usage comes from pydantic-ai itself: the plain toolkit breaches it too. Read once
    // both apps exported every token their model counted (the plain app exports on its own
    // schedule, not the instant the panels were read at); the rule's hour holds them all.
    const tokens = (u: Usage) => u.input + u.output
    const exported = async (service: string) =>
      Number(
        (
          await harness.query(
            `sum(histogram_sum(${seriesName('gen_ai.client.token.usage')}{service_name="${service}"}))`,
          )
        )[0]?.value[1] ?? 0,
      )
    await waitFor(
      "every app's tokens in Prometheus",
      async () => {
        for (const service of [WRAPPED, PLAIN])
          if (
            (await exported(service)) !==
            tokens(usageOf[service]?.after ?? { requests: 0, input: 0, output: 0 })
          )
            return false
        return true
      },
      60_000,
    )
    // increase() sees what the hour's samples grew by (with the zero Prometheus puts at a new
    // series' start time), extrapolated by at most 1.1 average sample intervals at each end
    // of the samples (promql/functions.go, extrapolatedRate); read from the raw
    // native-histogram samples at the instant the rule is read.
    // The rule reads the recorded hourly tokens: two rule evaluations (10 s) after the last.
    await new Promise((resolve) => setTimeout(resolve, 25_000))
    const now = Date.now() / 1000
    const grown = async (service: string) => {
      const series = await harness.samples(
        `${seriesName('gen_ai.client.token.usage')}{service_name="${service}"}[1h]`,
        now,
      )
      let growth = 0
      let factor = 1
      for (const { histograms: h = [] } of series) {
        const [first, last] = [h[0], h.at(-1)]
        if (!first || !last || h.length < 2) continue
        growth += Number(last[1].sum) - Number(first[1].sum)
        factor = Math.max(factor, 1 + 2.2 / (h.length - 1))
      }
      return { growth, factor }
    }
    const expected: Expected = []
    for (const service of [WRAPPED, PLAIN]) {
      const { before, after, warm } = usageOf[service] as (typeof usageOf)[string]
      const counted = tokens(after) - tokens(before)
      const { growth, factor } = await grown(service)
      assert.ok(growth >= counted, `${service}: ${growth} of ${counted} tokens in the hour`)
      assert.ok(growth <= counted + tokens(warm), `${service}: ${growth} tokens, no more than sent`)
      expected.push({
        labels: { service_name: service, deployment_environment_name: ENVIRONMENT },
        range: between(
          growth,
          growth * factor,
          `${counted} tokens the model counted, ${growth} in the samples`,
        ),
      })
    }
    await expectRule('layercode-token-usage', expected, now)
    await expectRule('layercode-agent-down', [])
  })

  it('agent-down fires for the Python app when it stops, for it alone', async () => {
    const expr = String(ruleQueries().find((r) => r.uid === 'layercode-agent-down')?.expr)
    await harness.stopService(`app:${WRAPPED}`)
    const stopped = Date.now()
    await waitFor(
      'agent-down for the stopped Python app',
      async () => (await harness.query(expr)).length > 0,
      150_000,
      5_000,
    )
    const down = await harness.query(expr)
    assert.deepEqual(
      down.map((r) => [r.metric.service_name, r.metric.deployment_environment_name]),
      [[WRAPPED, ENVIRONMENT]],
      'only the stopped app: the Node agent and the plain toolkit still report',
    )
    console.log(`# agent-down fired ${Math.round((Date.now() - stopped) / 1000)} s after the stop`)
  })
})
