import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { concrete, labelName, panelQueries, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { nativeSuiteGuard } from './guard.ts'
import { KIT_RULE_FILES, promtoolTest, series as seriesOf } from './promtool.ts'

const missing = await nativeSuiteGuard('panel value tests', { root: false })

const panels = panelQueries()
/** A panel's query (the first, or the `index`th), as Grafana sends it for the default selection. */
function panel(title: string, index = 0): string {
  const found = panels.filter((p) => p.panel === title)[index]
  assert.ok(found, `a panel titled "${title}" with query ${index}`)
  return concrete(found)
}

const base = {
  [labelName('service.name')]: DEFAULT_SERVICE_NAME,
  [labelName('deployment.environment.name')]: 'production',
  [labelName(Attr.AgentName)]: 'echo',
}
const series = (name: string, labels: Record<string, string>, values: string) =>
  seriesOf(name, { ...base, ...labels }, values)
const turns = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.duration')}_count`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message' },
    values,
  )
const firstSpeech = (outcome: string, le: string, values: string) =>
  series(
    `${seriesName('layercode.turn.time_to_first_speech')}_bucket`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message', le },
    values,
  )
const speechCount = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.time_to_first_speech')}_count`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message' },
    values,
  )
/** Objectives are per service and environment. */
/** The canary's turns: tagged synthetic. */
const canaryTurns = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.duration')}_count`,
    {
      [labelName(Attr.Outcome)]: outcome,
      [labelName(Attr.EventType)]: 'message',
      [labelName(Attr.Synthetic)]: 'true',
    },
    values,
  )
const SLO_LABELS = `{${labelName('deployment.environment.name')}="production", ${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`
/** The Service levels panels read Sloth's series: its labels come along. */
const sloLabels = (slo: string, extra = '') =>
  `{${labelName('deployment.environment.name')}="production", ${labelName('service.name')}="${DEFAULT_SERVICE_NAME}", sloth_id="layercode-${slo}", sloth_service="layercode", sloth_slo="${slo}"${extra}}`
const budgetLeft = (slo: string) =>
  sloLabels(slo, ', __name__="slo:period_error_budget_remaining:ratio", sloth_window="30d"')
const http = (status: string, le: string | undefined, values: string) =>
  series(
    `${seriesName('http.server.request.duration')}_${le ? 'bucket' : 'count'}`,
    {
      [labelName(Attr.HttpRoute)]: '/api/agent',
      [labelName(Attr.HttpMethod)]: 'POST',
      [labelName(Attr.HttpStatus)]: status,
      ...(le ? { le } : {}),
    },
    values,
  )
const KIND_LABELS = {
  [labelName(Attr.ErrorFingerprint)]: '072c43f154851d4c',
  [labelName(Attr.ErrorType)]: 'Error',
  [labelName(Attr.ErrorMessage)]: 'order <n> failed',
}
const KIND = `{${Object.entries(KIND_LABELS)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, v]) => `${k}="${v}"`)
  .join(',')}}`
/** One kind of error's series (the counter or a first / last-seen gauge). */
const errorKind = (name: string, values: string) =>
  series(name, { [labelName('service.version')]: '1.4.0', ...KIND_LABELS }, values)
/** The app's identity (Prometheus' job and instance): `a` unless a case has several apps. */
const appOf = (instance: string) => ({ job: `layercode/${DEFAULT_SERVICE_NAME}`, instance })
const tokens = (type: string, values: string, instance = 'a') =>
  series(
    `${seriesName('gen_ai.client.token.usage')}_sum`,
    {
      ...appOf(instance),
      [labelName(Attr.RequestModel)]: 'gpt-4o-mini',
      [labelName(Attr.TokenType)]: type,
    },
    values,
  )
/** The latest generation's token counter of one kind (text). */
const latestTokens = (kind: 'input' | 'output', values: string, instance = 'a') =>
  series(
    seriesName(`gen_ai.client.inference.usage.${kind}_tokens`),
    {
      ...appOf(instance),
      [labelName(Attr.RequestModel)]: 'gpt-4o-mini',
      [labelName(Attr.TokenModality)]: 'text',
    },
    values,
  )
/** Classic buckets of a model-call duration: 10 calls every 10 s, all in the bucket ending at `le`. */
const duration = (metric: string, model: string, operation: string, le: string) =>
  ['0.5', '0.75', '1', '2', '3', '+Inf'].map((bound) =>
    series(
      `${seriesName(metric)}_bucket`,
      {
        ...appOf('a'),
        [labelName(Attr.RequestModel)]: model,
        [labelName(Attr.Operation)]: operation,
        le: bound,
      },
      bound === '+Inf' || Number(bound) >= Number(le) ? '0+10x60' : '0x60',
    ),
  )
/** Classic buckets of a tool's duration: 10 calls every 10 s in the bucket ending at `le`. */
const toolDuration = (metric: string, tool: string, le: string, instance: string) =>
  ['0.2', '0.3', '0.5', '+Inf'].map((bound) =>
    series(
      `${seriesName(metric)}_bucket`,
      {
        ...appOf(instance),
        [labelName(Attr.ToolName)]: tool,
        [labelName(Attr.Outcome)]: 'ok',
        le: bound,
      },
      bound === '+Inf' || Number(bound) >= Number(le) ? '0+10x60' : '0x60',
    ),
  )
/**
 * A native histogram series (what Logfire's exponential histograms become) of another service,
 * in promtool's notation: `per10s` observations every 10 s, all in schema 0 bucket `index`
 * ((2^(index-1), 2^index]), summing to `sumPer10s`.
 */
const native = (
  name: string,
  labels: Record<string, string>,
  per10s: number,
  sumPer10s: number,
  index: number,
) =>
  seriesOf(
    name,
    { ...base, [labelName('service.name')]: 'server', [labelName(Attr.AgentName)]: '', ...labels },
    `{{schema:0 sum:0 count:0}}+{{schema:0 sum:${sumPer10s} count:${per10s} offset:${index} buckets:[${per10s}]}}x60`,
  )
const service = (name: string) => `${labelName('service.name')}="${name}"`
const sessions = (instance: string, values: string) =>
  series(
    seriesName('layercode.sessions.active'),
    { [labelName('service.instance.id')]: instance },
    values,
  )

/**
 * Panel queries evaluated by promtool on exact series: the value a known pattern must give,
 * including the cases live traffic rarely shows (every turn failing, a quiet period, a
 * restarted agent whose old gauge lingers).
 */
describe('panel values, evaluated by promtool on synthetic series', { skip: missing }, () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kit-panels-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const cases: Array<{
    name: string
    title: string
    /** Which of the panel's queries (default the first). */
    query?: number
    evalTime?: string
    /** Sample interval, when not 10 s (the SLO panels' cases run for hours). */
    interval?: string
    /**
     * Compare at 6 decimals: Sloth's period ratio is a mean of 5-minute ratios, whose float
     * sum is 1e-15 off the exact value (round() drops the metric name).
     */
    rounded?: boolean
    input: unknown[]
    /** The expected samples; [] means no value at all (not NaN, not 0). */
    samples: Array<{ labels: string; value: number }>
  }> = [
    {
      name: 'success rate is 0, not "no data", when every turn fails',
      title: 'Turn success rate',
      input: [turns('error', '0+1x60')],
      samples: [{ labels: '{}', value: 0 }],
    },
    {
      name: 'success rate does not count abandoned turns as failures',
      title: 'Turn success rate',
      input: [turns('ok', '0+8x60'), turns('aborted', '0+2x60')],
      samples: [{ labels: '{}', value: 1 }],
    },
    {
      name: 'success rate is 75% for 3 ok turns to 1 failed',
      title: 'Turn success rate',
      input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
      samples: [{ labels: '{}', value: 0.75 }],
    },
    {
      name: 'error rate shows no value, not NaN, in a quiet period',
      title: 'Turn error rate',
      input: [turns('ok', '5x60'), turns('error', '1x60')],
      samples: [],
    },
    {
      name: 'time to first speech leaves out failed turns (their first chunk is the apology)',
      title: 'Time to first speech by agent',
      input: [
        firstSpeech('ok', '0.5', '0+10x60'),
        firstSpeech('ok', '+Inf', '0+10x60'),
        firstSpeech('error', '0.5', '0x60'),
        firstSpeech('error', '+Inf', '0+10x60'),
      ],
      // p50 of ok turns only, all within (0, 0.5]: linear interpolation gives 0.25.
      samples: [
        {
          labels: `{${labelName(Attr.AgentName)}="echo",${service(DEFAULT_SERVICE_NAME)}}`,
          value: 0.25,
        },
      ],
    },
    {
      name: 'requests per minute: 0.2 webhooks/s on one route is 12',
      title: 'Requests per minute',
      input: [http('200', undefined, '0+2x60')],
      samples: [{ labels: `{${labelName(Attr.HttpRoute)}="/api/agent"}`, value: 12 }],
    },
    {
      name: 'HTTP latency p50: every request under 100 ms interpolates to 50 ms',
      title: 'HTTP latency',
      input: ['0.1', '0.5', '+Inf'].map((le) => http('200', le, '0+10x60')),
      samples: [{ labels: `{${service(DEFAULT_SERVICE_NAME)}}`, value: 0.05 }],
    },
    {
      name: 'HTTP latency p50 per service, classic and native side by side: 50 ms and 2^-4.5 s',
      title: 'HTTP latency',
      input: [
        ...['0.1', '0.5', '+Inf'].map((le) => http('200', le, '0+10x60')),
        // every request of the native service in (2^-5, 2^-4] s: the median interpolates
        // exponentially inside that bucket, to its geometric middle
        native(
          seriesName('http.server.request.duration'),
          { [labelName(Attr.HttpRoute)]: '/api/agent', [labelName(Attr.HttpMethod)]: 'POST' },
          10,
          0.5,
          -4,
        ),
      ],
      samples: [
        { labels: `{${service(DEFAULT_SERVICE_NAME)}}`, value: 0.05 },
        // 2^-4.5, as Prometheus' float arithmetic gives it (one ulp from JavaScript's 2 ** -4.5)
        { labels: `{${service('server')}}`, value: 0.044194173824159216 },
      ],
    },
    {
      name: 'requests per minute and 5xx share count native histograms too',
      title: 'Requests per minute',
      input: [
        http('200', undefined, '0+2x60'),
        native(
          seriesName('http.server.request.duration'),
          { [labelName(Attr.HttpRoute)]: '/api/agent', [labelName(Attr.HttpMethod)]: 'POST' },
          3,
          0.3,
          -4,
        ),
      ],
      samples: [{ labels: `{${labelName(Attr.HttpRoute)}="/api/agent"}`, value: 30 }],
    },
    {
      name: 'HTTP 5xx share: 1 in 10 is 10%',
      title: 'Error rate',
      input: [http('200', undefined, '0+9x60'), http('500', undefined, '0+1x60')],
      samples: [{ labels: '{}', value: 0.1 }],
    },
    {
      name: 'turns by outcome: 0.3 ok and 0.1 failed per second are 18 and 6 a minute',
      title: 'Turns by outcome',
      input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
      samples: [
        { labels: `{${labelName(Attr.Outcome)}="error"}`, value: 6 },
        { labels: `{${labelName(Attr.Outcome)}="ok"}`, value: 18 },
      ],
    },
    {
      name: 'tokens per minute: 10 input tokens/s is 600 a minute, per model and type',
      title: 'Tokens per minute by model',
      input: [tokens('input', '0+100x60')],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
          value: 600,
        },
      ],
    },
    {
      name: 'tokens per minute add a classic and a native histogram (Logfire, no agent label)',
      title: 'Tokens per minute by model',
      input: [
        tokens('input', '0+100x60'),
        native(
          seriesName('gen_ai.client.token.usage'),
          { [labelName(Attr.RequestModel)]: 'gpt-5-nano', [labelName(Attr.TokenType)]: 'input' },
          1,
          50,
          6,
        ),
      ],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
          value: 600,
        },
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-5-nano",${labelName(Attr.TokenType)}="input"}`,
          value: 300,
        },
      ],
    },
    {
      name: 'tokens per minute from the latest counters, typed by their names',
      title: 'Tokens per minute by model',
      input: [latestTokens('output', '0+100x60')],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="output"}`,
          value: 600,
        },
      ],
    },
    {
      name: 'tokens per minute count an app on both generations (/dup) once',
      title: 'Tokens per minute by model',
      input: [tokens('input', '0+100x60'), latestTokens('input', '0+100x60')],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
          value: 600,
        },
      ],
    },
    {
      name: 'tokens per minute add two apps on different generations',
      title: 'Tokens per minute by model',
      input: [tokens('input', '0+100x60', 'a'), latestTokens('input', '0+50x60', 'b')],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
          value: 900,
        },
      ],
    },
    {
      name: 'tokens in the last hour from the latest counters, an app on both once',
      title: 'Tokens in the last hour',
      input: [
        latestTokens('input', '0+100x500'),
        latestTokens('output', '0+20x500'),
        tokens('input', '0+100x500'),
        tokens('output', '0+20x500'),
      ],
      evalTime: '80m',
      samples: [{ labels: '{}', value: 43200 }],
    },
    {
      name: 'model call latency p95 reads either name, the legacy one for inference only',
      title: 'Model call latency p95',
      input: [
        // The latest name: every call of model A in (0.5, 0.75].
        ...duration('gen_ai.client.inference.duration', 'model-a', 'chat', '0.75'),
        // The legacy name: model B's chat calls in (0.75, 1]; its embeddings (not inference
        // under the latest names, which time them elsewhere) are left out.
        ...duration('gen_ai.client.operation.duration', 'model-b', 'chat', '1'),
        ...duration('gen_ai.client.operation.duration', 'model-b', 'embeddings', '3'),
      ],
      samples: [
        {
          labels: `{${labelName(Attr.RequestModel)}="model-a",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
          value: 0.7375,
        },
        {
          labels: `{${labelName(Attr.RequestModel)}="model-b",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
          value: 0.9875,
        },
      ],
    },
    {
      name: 'tool latency p95 reads gen_ai.execute_tool.duration as layercode.tool.duration',
      title: 'Tool latency p95 by tool',
      input: [
        ...toolDuration('layercode.tool.duration', 'list_menu', '0.3', 'a'),
        ...toolDuration('gen_ai.execute_tool.duration', 'place_order', '0.5', 'b'),
        // An app on both: its tool counted once, the same p95.
        ...toolDuration('layercode.tool.duration', 'list_menu', '0.3', 'c'),
        ...toolDuration('gen_ai.execute_tool.duration', 'list_menu', '0.3', 'c'),
      ],
      samples: [
        {
          labels: `{${labelName(Attr.ToolName)}="list_menu",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
          value: 0.295,
        },
        {
          labels: `{${labelName(Attr.ToolName)}="place_order",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
          value: 0.49,
        },
      ],
    },
    {
      name: 'errors inbox: a kind born in the range counts its first sample too',
      title: 'Errors inbox',
      input: [errorKind(seriesName('layercode.errors'), '_x10 2 3 5x40')],
      evalTime: '5m',
      samples: [{ labels: KIND, value: 5 }],
    },
    {
      name: 'errors inbox: a kind counted before the range counts only what the range added',
      title: 'Errors inbox',
      input: [errorKind(seriesName('layercode.errors'), '2x60 3+1x9')],
      evalTime: '690s',
      samples: [{ labels: KIND, value: 9 }],
    },
    {
      name: 'errors inbox: first and last seen as the processes report them, in ms',
      title: 'Errors inbox',
      query: 3,
      input: [
        errorKind(seriesName('layercode.error.first_seen'), '_x10 100x40'),
        errorKind(seriesName('layercode.error.last_seen'), '_x10 100 110 120x40'),
      ],
      evalTime: '5m',
      samples: [{ labels: KIND, value: 120_000 }],
    },
    {
      name: 'tokens in the last hour: 100 every 10 s is 36,000',
      title: 'Tokens in the last hour',
      input: [tokens('input', '0+100x500')],
      evalTime: '80m',
      samples: [{ labels: '{}', value: 36000 }],
    },
    {
      name: 'failed turns per minute is 0 by value, not "no data", when turns succeed',
      title: 'Failing turns per minute',
      input: [turns('ok', '0+3x60')],
      samples: [{ labels: '{}', value: 0 }],
    },
    {
      name: 'failed turns per minute shows no value, not a flat 0, where no turns are counted',
      title: 'Failing turns per minute',
      input: [http('200', undefined, '0+2x60')],
      samples: [],
    },
    {
      name: 'failed turns per minute: 0.1 failed/s is 6',
      title: 'Failing turns per minute',
      input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
      samples: [{ labels: '{}', value: 6 }],
    },
    {
      name: 'heap used shows only the live instance after a restart, not its predecessor',
      title: 'Heap used',
      input: [
        series(
          seriesName('v8js.memory.heap.used'),
          {
            [labelName('service.instance.id')]: 'before-restart',
            v8js_heap_space_name: 'old_space',
          },
          '5000x30 _x30',
        ),
        series(
          seriesName('v8js.memory.heap.used'),
          {
            [labelName('service.instance.id')]: 'after-restart',
            v8js_heap_space_name: 'old_space',
          },
          '_x12 3000x48',
        ),
      ],
      samples: [{ labels: `{${labelName('service.instance.id')}="after-restart"}`, value: 3000 }],
    },
    {
      name: 'active sessions count only the live instance after a restart',
      title: 'Active sessions',
      input: [sessions('before-restart', '3x30 _x30'), sessions('after-restart', '_x12 1x48')],
      samples: [{ labels: `{${labelName(Attr.AgentName)}="echo"}`, value: 1 }],
    },
    // Service levels. Burn rates over their own window (Sloth's 1 h and 6 h error ratios): 99
    // good turns a minute for 3 hours, 1 failure a minute in the last hour.
    ...[
      [0, '1h', 60 / 6_000 / 0.005],
      [1, '6h', 60 / 17_880 / 0.005],
    ].map(([query, window, value]) => ({
      name: `Turn success: burn rate #${query} over ${window} counts ${value}`,
      title: 'Turn success: burn rate',
      query: Number(query),
      evalTime: '180m',
      interval: '1m',
      input: [turns('ok', '0+99x180'), turns('error', '0x120 1+1x59')],
      samples: [
        { labels: sloLabels('turn-success', `, sloth_window="${window}"`), value: Number(value) },
      ],
    })),
    {
      // Sloth's period ratio is the mean of its 5-minute ratios: 1% all along spends twice the
      // 0.5% budget.
      name: 'turn success: 1% of turns failing all along leaves -100% of the budget',
      title: 'Turn success: error budget left',
      evalTime: '180m',
      interval: '1m',
      input: [turns('ok', '0+99x180'), turns('error', '0+1x180')],
      rounded: true,
      samples: [
        { labels: sloLabels('turn-success', ', sloth_window="30d"'), value: 1 - 0.01 / 0.005 },
      ],
    },
    {
      name: 'error budget left is 100%, not "no data", before any turn failed',
      title: 'Turn success: error budget left',
      input: [turns('ok', '0+10x60')],
      samples: [{ labels: budgetLeft('turn-success'), value: 1 }],
    },
    {
      name: 'first speech: 10% of turns slow to speak spend twice the budget; failed turns do not count',
      title: 'First speech within 1.5 s: error budget left',
      input: [
        firstSpeech('ok', '1.5', '0+9x60'),
        speechCount('ok', '0+10x60'),
        firstSpeech('error', '1.5', '0x60'),
        speechCount('error', '0+10x60'),
      ],
      rounded: true,
      samples: [
        { labels: sloLabels('first-speech', ', sloth_window="30d"'), value: 1 - 0.1 / 0.05 },
      ],
    },
    {
      name: "canary turns that failed is 0, not no data, while the canary's turns succeed",
      title: 'Canary turns that failed',
      input: [canaryTurns('ok', '0+4x60'), turns('error', '0+5x60')],
      samples: [{ labels: SLO_LABELS, value: 0 }],
    },
    {
      name: "canary panels count only the canary's turns: 2 failed of its own in 5 minutes",
      title: 'Canary turns that failed',
      input: [
        canaryTurns('ok', '0+4x60'),
        canaryTurns('error', '0x40 1x10 2x10'),
        turns('error', '0+5x60'),
      ],
      samples: [{ labels: SLO_LABELS, value: 2 }],
    },
  ]

  for (const {
    name,
    title,
    query = 0,
    evalTime = '9m',
    interval,
    rounded,
    input,
    samples,
  } of cases) {
    it(name, async () => {
      const result = await promtoolTest(dir, name, KIT_RULE_FILES, {
        ...(interval ? { interval } : {}),
        input_series: input,
        promql_expr_test: [
          {
            expr: rounded ? `round((${panel(title, query)}) * 1e6) / 1e6` : panel(title, query),
            eval_time: evalTime,
            exp_samples: samples,
          },
        ],
      })
      assert.ok(result.ok, `${panel(title, query)}\n${result.output}`)
    })
  }
})
