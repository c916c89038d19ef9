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
import { after, before } from 'node:test'
import {
  concrete,
  panelQueries,
  pythonAppEnvironment,
  seriesName,
} from '@layercode-kit/grafana-gen'
import { type ConversationRecord, runConversation } from '@layercode-kit/loadgen'
import { attributesOf, untilStill, waitFor } from '@layercode-kit/test-support'
import { findBinaries } from '../../../tools/binaries.ts'
import { ensureToolkit, findPython, INTEGRATION_PATH, type Toolkit } from '../../../tools/python.ts'
import { flat, sampledSpan, settledAt, total } from '../../lib/counters.ts'
import { nativeSuiteGuard } from '../../lib/guard.ts'
import { Harness } from '../../lib/harness.ts'
import { FAIL_MARKER, SLOW_MARKER, TOKENS_MARKER } from '../../lib/openai-fake.ts'
import { between, bucket, panelChecker, type Range } from '../../lib/ranges.ts'
import { composeWebhookSecret, loadCompose, rootPath } from '../../stack/support.ts'

export const missing =
  (await nativeSuiteGuard('the Python toolkit end to end')) ?? (await pythonMissing())
export async function pythonMissing(): Promise<string | undefined> {
  const python = await findPython()
  const reason = python
    ? await ensureToolkit(python, 'find').then(
        () => undefined,
        (error: Error) => error.message,
      )
    : 'no Python >= 3.12 (set KIT_PYTHON, or install one with pyenv)'
  if (!reason) return undefined
  if (process.env.CI) throw new Error(`e2e: ${reason}; CI must run the Python toolkit suite`)
  console.log(`# SKIP the Python toolkit end to end: ${reason}`)
  return reason
}

export const WRAPPED = 'bakery-python'
export const PLAIN = 'bakery-plain'
export const MODEL = 'gpt-4o-mini'
/** The Node agent's environment in compose; the Python apps run in the same one. */
export const ENVIRONMENT = String(
  loadCompose().services.agent?.environment?.APP_ENV ?? 'development',
)
/**
 * Per conversation: session.start, a tool turn (the menu), a failing turn, a slow one with a
 * token burst (the alert drills' faults, played by the model), an ordinary one.
 */
export const SCRIPT = [
  'What is on the menu today?',
  `One croissant please ${FAIL_MARKER}`,
  `A cake for twenty people ${SLOW_MARKER} ${TOKENS_MARKER}`,
  'Thank you',
]
export const TURNS_PER_CONVERSATION = 1 + SCRIPT.length
export const WEBHOOKS_PER_CONVERSATION = TURNS_PER_CONVERSATION + 2 // data and session.end
export const WARM_CONVERSATIONS = 3
export const CONVERSATIONS = 8
export const apps = {
  [WRAPPED]: { port: 8001, modelPort: 4011 },
  [PLAIN]: { port: 8002, modelPort: 4012 },
} as const

/** The service an OTLP item (span, log record) came from. */
export const serviceOf = (item: Record<string, unknown>) =>
  String(attributesOf(item.resource)['service.name'])
/** A log record's body (OTLP/JSON: an AnyValue). */
export const bodyOf = (log: Record<string, unknown>) =>
  String((log.body as { stringValue?: string } | undefined)?.stringValue ?? '')

export type Usage = { requests: number; input: number; output: number }
export type Span = {
  name: string
  traceId: string
  spanId: string
  parentSpanId: string
  durationS: number
  attrs: Record<string, unknown>
  service: string
  json: string
}

export let harness: Harness

export let traffic: ConversationRecord[] = []

/** What each app's model endpoint counted: after the warm-up, before and after the traffic. */
export const usageOf: Record<string, { warm: Usage; before: Usage; after: Usage }> = {}

export let spans: Span[] = []

export let tAgent = 0

export let spanS = 0

export const secret = composeWebhookSecret(loadCompose())

export const WINDOW_S = Number(/\[(\d+)s\]/.exec(concrete({ expr: 'x[$__rate_interval]' }))?.[1])

export const url = (app: keyof typeof apps) => harness.url('agent', apps[app].port, '/api/agent')

export const usage = async (app: keyof typeof apps): Promise<Usage> =>
  (await fetch(harness.url('agent', apps[app].modelPort, '/usage'))).json() as Promise<Usage>

/** n conversations against an app, two at a time. */
export async function converse(app: keyof typeof apps, n: number): Promise<ConversationRecord[]> {
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
export const turnsOf = (service: string) =>
  `{__name__=~"${seriesName('layercode.turn.duration')}(_count)?", service_name="${service}"}`

export const recordedSpans = (): Span[] =>
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

export let toolkit: Toolkit

before(async () => {
  if (missing) return
  toolkit = await ensureToolkit((await findPython()) as string, 'find')
  harness = await Harness.start(await findBinaries())
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
      [process.execPath, rootPath('tests/lib/openai-fake.ts'), String(modelPort), '0.0.0.0'],
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
  ;[traffic] = await Promise.all([converse(WRAPPED, CONVERSATIONS), converse(PLAIN, CONVERSATIONS)])
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
  await untilStill('spans delivered', () => recordedSpans().length)
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

export const panels = panelQueries().filter(
  (p) =>
    p.datasource === 'prometheus' &&
    !p.needs &&
    ['layercode-agent-overview', 'layercode-traces-errors', 'layercode-spend'].includes(
      p.dashboard,
    ),
)

export const checker = (service: string) =>
  panelChecker((promql, at) => harness.query(promql, at), panels, {
    selected: { service, environment: ENVIRONMENT },
  })

export const wrapped = checker(WRAPPED)

/** Durations of the wrapped app's turn spans (session.start and message webhooks). */
export const turnDurations = () =>
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
export const clientFirstSpeech = (q: number): Range => {
  const heard = traffic
    .flatMap((c) => c.turns)
    .filter((t) => t.ok)
    .map((t) => (t.firstTtsMs ?? 0) / 1000)
    .sort((a, b) => a - b)
  const client = heard[Math.ceil(q * heard.length) - 1] ?? Number.NaN
  return between(bucket(client * 0.8)[0], bucket(client)[1], `client p${q * 100} ${client} s`)
}

export const perMinute = (n: number, why: string) =>
  between((n / WINDOW_S) * 60 * 0.99, (n / spanS) * 60 * 1.01, `${why}: ${n} in the window`)
