/**
 * What the agent panels show for layercode-create-app (the Python toolkit, Logfire exporting
 * OTLP) without the kit's wrapper (integrations/python): the panels that stay empty, and why.
 * The migration guide prints this list; the Python end-to-end run checks it is exactly so.
 */
import {
  CAPTURE_CONTENT_ENV,
  GENAI_CONTENT_ATTRIBUTES,
  METRIC_EXPORT_INTERVAL_MS,
  SERVICE_NAME_OVERRIDE_ATTRIBUTE,
} from '@layercode-kit/telemetry'

const NO_TURN_METRICS =
  'no layercode.turn.duration (its count is the turn count): the toolkit counts no turns, and answers a failed one with HTTP 200'
const NO_TURN_HISTOGRAMS = 'no layercode.turn.* histograms: the toolkit does not time turns'
const NO_SESSION_FIGURES =
  "no layercode.session.* histograms: the toolkit records nothing of session.end's figures"

const NO_COST =
  "no layercode.cost: the toolkit prices nothing (Logfire's operation.cost is not the contract's)"

/** `panel title#query index` -> why it is empty without the wrapper. */
export const PYTHON_WITHOUT_WRAPPER: Readonly<Record<string, string>> = {
  'Turn success rate#0': NO_TURN_METRICS,
  'Turn error rate#0': NO_TURN_METRICS,
  'Error rate#1': NO_TURN_METRICS,
  'Turns by outcome#0': NO_TURN_METRICS,
  'Failing turns per minute#0': NO_TURN_METRICS,
  'Turn duration p95 by agent#0': NO_TURN_HISTOGRAMS,
  'Time to first speech by agent#0': NO_TURN_HISTOGRAMS,
  'Time to first speech by agent#1': NO_TURN_HISTOGRAMS,
  'Active sessions#0': 'no layercode.sessions.active: the toolkit does not count sessions',
  'Tool calls per minute#0':
    'no layercode.tool.calls: pydantic-ai makes execute_tool spans but no tool metric',
  'Tool latency p95 by tool#0':
    'no layercode.tool.duration: pydantic-ai makes execute_tool spans but no tool metric',
  'Speech per minute (LayerCode)#0': NO_SESSION_FIGURES,
  'Speech per minute (LayerCode)#1': NO_SESSION_FIGURES,
  'Sessions: mean length and turns#0': NO_SESSION_FIGURES,
  'Sessions: mean length and turns#1': NO_SESSION_FIGURES,
  "LayerCode's reported latency#0": NO_SESSION_FIGURES,
  'Spend in the last hour#0': NO_COST,
  'Top models by spend#0': NO_COST,
  'Spend per hour by item#0': NO_COST,
  'Spend per call#0': NO_COST,
  'Spend per call#1': NO_COST,
  'Model call latency p95#0':
    'no gen_ai.client.operation.duration: pydantic-ai records token usage and time to first chunk, not the call duration',
}

/**
 * The environment a layercode-create-app process needs to send everything to the kit (the
 * migration guide prints it; the Python end-to-end run starts the toolkit with it).
 */
export function pythonAppEnvironment(options: {
  service: string
  endpoint: string
  environment: string
}): Record<string, string> {
  return {
    // Logfire adds OTLP/HTTP exporters for all three signals when this is set.
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
    // The toolkit hard-codes service.name "server"; the collector promotes this one.
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=layercode,${SERVICE_NAME_OVERRIDE_ATTRIBUTE}=${options.service}`,
    OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
    // The stable HTTP metric (http.server.request.duration, seconds) the panels read.
    OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
    // The toolkit's environment, which Logfire reports as deployment.environment.name.
    APP_ENV: options.environment,
  }
}

const LOGFIRE_VIEWS: ReadonlyArray<[string, string]> = [
  [
    'Live view and trace details',
    'Grafana → Explore → Tempo (search by `resource.service.name`), or the **Traces & errors** dashboard: slowest and failed turns, each opening its trace; the trace links to its logs in Loki',
  ],
  [
    'Log lines (loguru)',
    'Loki, through the wrapper (Logfire sends loguru lines as spans, not log records): the **Logs** dashboard, one conversation or turn at a time, each line with its trace',
  ],
  [
    'Metrics and dashboards',
    '**Agent overview**: requests, HTTP latency and errors, turns by outcome, turn duration, time to first speech, tool calls, tokens per model, model call latency',
  ],
  [
    'LLM token usage and cost',
    "**Tokens per minute by model** and **Tokens in the last hour** (pydantic-ai's `gen_ai.client.token.usage`); its `operation.cost` histogram is stored as `operation_cost` but no panel reads it. The **Spend** dashboard reads the kit's `layercode.cost`, which the wrapper counts from the same price table (its bundled copy of `packages/telemetry/prices.json`, or `LAYERCODE_PRICES_FILE`): model tokens from pydantic-ai's chat spans, LayerCode's speech minutes at session.end",
  ],
  [
    'Alerts',
    "Grafana alert rules (grafana/README.md): error rate over 5 %, turn p95 over 2 s, over 1M tokens an hour, slow first speech, agent down, and the pipeline's own",
  ],
  ['SQL explore', 'PromQL (Prometheus), LogQL (Loki) and TraceQL (Tempo) in Grafana Explore'],
]

/** docs/migrating-from-logfire.md */
export function renderLogfireMigration(): string {
  const env = pythonAppEnvironment({
    service: 'my-bakery',
    endpoint: 'http://localhost:4318',
    environment: 'production',
  })
  return `${[
    '# Migrating from Logfire: layercode-create-app in the kit',
    '',
    '<!-- Generated from packages/grafana-gen/src/python.ts by `npm run docs`. -->',
    '',
    'The Python toolkit [`layercode-create-app`](https://pypi.org/project/layercode-create-app/) (FastAPI,',
    'pydantic-ai, Logfire, loguru) already speaks OpenTelemetry: Logfire exports plain OTLP when',
    '`OTEL_EXPORTER_OTLP_ENDPOINT` is set and `LOGFIRE_TOKEN` is not. Three things make it a',
    "first-class citizen of the kit: the environment below, the kit's Python wrapper",
    '(`integrations/python`), and the collector and dashboards, which already accept what',
    'Logfire sends (exponential histograms are stored as native histograms; every histogram',
    'query reads both kinds). The native end-to-end run (`tests/e2e/python.test.ts`) installs',
    'the toolkit from PyPI, runs it with this environment, with the wrapper and without, and',
    'checks the panels, alerts, traces, logs and privacy described here on the real collector',
    'and Prometheus.',
    '',
    '## 1. Point the toolkit at the kit',
    '',
    "Leave `LOGFIRE_TOKEN` unset (nothing goes to Logfire's service) and set:",
    '',
    '```sh',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    '```',
    '',
    `- \`${SERVICE_NAME_OVERRIDE_ATTRIBUTE}\` names your service: the toolkit calls \`logfire.configure(service_name="server")\` in code, so \`OTEL_SERVICE_NAME\` is ignored; the collector makes this attribute the \`service.name\` of everything the app sends.`,
    `- \`OTEL_METRIC_EXPORT_INTERVAL=${METRIC_EXPORT_INTERVAL_MS}\`: the dashboards assume 10 s, like the Node agent (the SDK's default is 60 s).`,
    '- `OTEL_SEMCONV_STABILITY_OPT_IN=http`: the stable `http.server.request.duration` in seconds, which the HTTP panels read (without it: the old `http.server.duration` in milliseconds, and the HTTP panels stay empty).',
    '- From a container in the compose network the endpoint is `http://collector:4318`.',
    '',
    '## 2. Add the wrapper',
    '',
    '```sh',
    'pip install "./integrations/python[toolkit]"   # the wrapper and layercode-create-app 0.2.0',
    'python -m layercode_otel_kit run --agent bakery --model openai:gpt-5-nano',
    '```',
    '',
    '`python -m layercode_otel_kit` takes exactly the arguments of `layercode-create-app run` and',
    "runs the toolkit's own CLI with the kit's telemetry added (without the `[toolkit]` extra it",
    "stops with `No module named 'layercode_create_app'`). In your own code, after",
    "`create_app(settings, agent)` and the toolkit's `setup_logging`:",
    '',
    '```python',
    'from layercode_otel_kit import forward_loguru, instrument_app',
    '',
    'instrument_app(app, agent="bakery", route=settings.agent_route)',
    'forward_loguru()',
    '```',
    '',
    '**A FastAPI or Starlette backend of your own, without the toolkit or Logfire**: install the',
    '`otlp` extra (the OTLP/HTTP exporter and the ASGI instrumentation) and set up the SDK first,',
    'from the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, ...):',
    '',
    '```sh',
    'pip install "./integrations/python[otlp]"',
    '```',
    '',
    '```python',
    'from layercode_otel_kit import forward_loguru, instrument_app, setup_otel',
    '',
    'setup_otel()                                 # traces, metrics and logs over OTLP/HTTP',
    'instrument_app(app, agent="my-agent")        # turn telemetry, and a SERVER span per request',
    'forward_loguru()                             # if you log with loguru',
    '```',
    '',
    '`instrument_app` refuses to start (a `RuntimeError` naming `setup_otel()`) when no',
    'OpenTelemetry SDK is configured, instead of failing webhooks later; once running, a failure',
    "in the kit's own code is logged (`layercode_otel_kit` logger) and never reaches LayerCode.",
    '',
    'What it adds, with the names of the telemetry contract (`docs/telemetry.md`; the Python',
    'constants in `layercode_otel_kit/contract.py` are generated from it):',
    '',
    '- turns by outcome (the count of `layercode.turn.duration`; a turn the toolkit answers with `response.data {"error": ...}` is `error`, though its HTTP status is 200; a caller who hangs up mid-answer is `aborted`), `layercode.turn.time_to_first_speech` (to the first `response.tts`), `layercode.sessions.started` / `ended` / `active`;',
    "- LayerCode's session.end figures (`layercode.session.duration`, `.transcription.duration`, `.tts.duration`) and `layercode.session.turns`;",
    "- `layercode.tool.calls`, `layercode.tool.duration` and `gen_ai.client.operation.duration`, read from pydantic-ai's `execute_tool` and `chat` spans;",
    "- on the webhook's SERVER span: `layercode.event.type`, the conversation, session and turn ids, `gen_ai.agent.name`, `layercode.outcome`, and on failure `error.type` (the exception pydantic-ai recorded) with status ERROR;",
    "- loguru lines as OTLP log records (to Loki) with the turn's ids, trace and span, plus a `turn completed` / `turn failed` line per turn, as the Node agent writes.",
    '',
    '## 3. Privacy',
    '',
    `The toolkit configures Logfire with \`scrubbing=False\`, and pydantic-ai records prompts, answers, system instructions and tool arguments and results on its spans. The kit's collector drops them (${GENAI_CONTENT_ATTRIBUTES.map((a) => `\`${a}\``).join(', ')}) from every span, span event and log record unless \`${CAPTURE_CONTENT_ENV}=true\` is set for the collector (compose passes the same variable to the agent and the collector).`,
    '',
    '## What each Logfire view becomes',
    '',
    '| in Logfire | in the kit |',
    '|---|---|',
    ...LOGFIRE_VIEWS.map(([from, to]) => `| ${from} | ${to} |`),
    '',
    '## Without the wrapper',
    '',
    'With only the environment of step 1, the app appears under its own name in the service',
    'variable (the variables and the agent-down alert key on `target_info`, which every',
    'OpenTelemetry SDK sends), its traces and HTTP and token panels fill, and these panels show',
    'no data, not a misleading zero:',
    '',
    '| panel | why it is empty |',
    '|---|---|',
    ...Object.entries(PYTHON_WITHOUT_WRAPPER).map(([panel, why]) => {
      const [title, index] = panel.split('#')
      return `| ${title}${index === '0' ? '' : ` (query ${Number(index) + 1})`} | ${why} |`
    }),
    '',
    'Loguru lines stay on stdout (Logfire sends them as spans only with its own handler), so the',
    'Logs dashboard is empty for the app, and the error-rate, latency and first-speech alerts',
    'cannot judge it.',
    '',
    '## Not shown for a Python app',
    '',
    "- The System dashboard's runtime panels (event loop, heap, GC) are Node.js metrics; process CPU and memory need `logfire.instrument_system_metrics()` in your code.",
    "- The kit's fault injection (`kit_fault` in `custom_metadata`, used by `npm run loadgen -- --fail-rate`) is the Node agent's; the toolkit ignores it.",
  ].join('\n')}\n`
}
