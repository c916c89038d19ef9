import {
  Attr,
  CAPTURE_CONTENT_ENV,
  DEFAULT_SERVICE_NAME,
  FINGERPRINT_FRAMES,
  FINGERPRINT_MESSAGE_LENGTH,
  FIRST_SPEECH_PARTS,
  GENAI_CONTENT_ATTRIBUTES,
  GENAI_CONVENTIONS,
  GenAiGeneration,
  GenAiOptIn,
  KIT_METRICS,
  LOG_CONTEXT_FIELDS,
  LOG_SYNTHETIC_FIELD,
  LOG_TRACE_FIELDS,
  MAX_ERROR_FINGERPRINTS,
  type MetricSpec,
  OVERFLOW_FINGERPRINT,
  PROMOTED_RESOURCE_ATTRIBUTES,
  prometheusLabel,
  prometheusSeries,
  RETIRED_SERIES,
  RUNTIME_METRICS,
  SEMCONV_OPT_IN_ENV,
  SERVICE_NAME_OVERRIDE_ATTRIBUTE,
  SPANS,
  type SpanSpec,
  SYNTHETIC_METADATA_KEY,
} from '@layercode-kit/telemetry'

const code = (s: string) => `\`${s}\``
const list = (items: readonly string[]) => (items.length ? items.map(code).join(', ') : '—')
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`

function spanTree(): string[] {
  const specs: readonly SpanSpec[] = SPANS
  const lines: string[] = []
  const walk = (parent: string | undefined, depth: number) => {
    for (const spec of specs.filter((s) => s.parent === parent && s.id !== 'http.client')) {
      lines.push(`${'  '.repeat(depth)}${spec.name}  (${spec.kind})`)
      walk(spec.id, depth + 1)
    }
  }
  walk(undefined, 0)
  return lines
}

const SWITCH_VALUE: Record<GenAiGeneration, string> = {
  legacy: `switch unset, or ${code(GenAiOptIn.Dup)}`,
  latest: `${code(GenAiOptIn.Latest)}, or ${code(GenAiOptIn.Dup)}`,
}

function metricRows(metrics: readonly MetricSpec[]): string[] {
  return metrics.map((m) =>
    row([
      code(m.name),
      m.instrument,
      m.unit ? code(m.unit) : '—',
      prometheusSeries(m).map(code).join('<br>'),
      list(m.attributes.map(prometheusLabel)) +
        (m.optionalAttributes?.length
          ? `; sometimes ${list(m.optionalAttributes.map(prometheusLabel))}`
          : ''),
      m.generation
        ? `${m.description}. *${m.generation === GenAiGeneration.Legacy ? 'Legacy' : 'Latest'} GenAI name (${m.convention}): ${SWITCH_VALUE[m.generation]}.*`
        : m.description,
    ]),
  )
}

/** The GenAI names of both generations, old → new, and which switch value emits each. */
function genAiGenerationSection(): string[] {
  const genAi = (KIT_METRICS as readonly MetricSpec[]).filter((m) => m.generation)
  const legacy = genAi.filter((m) => m.generation === GenAiGeneration.Legacy)
  const newOnly = genAi.filter(
    (m) =>
      m.generation === GenAiGeneration.Latest &&
      !legacy.some((old) => old.counterparts?.includes(m.name)),
  )
  return [
    '### GenAI names: two generations',
    '',
    `The OpenTelemetry GenAI conventions left the core repository (core v1.42.0 deprecated them) for ${code('semantic-conventions-genai')}, which renamed the metrics. Most instrumentations still emit the older names, so the kit emits those by default and the newer ones behind the switch OpenTelemetry's GenAI instrumentations read, ${code(SEMCONV_OPT_IN_ENV)} (the Python integration reads it too):`,
    '',
    row(['Value', 'GenAI names emitted']),
    row(['---', '---']),
    row(['unset (default)', `legacy: ${GENAI_CONVENTIONS.legacy}`]),
    row([code(GenAiOptIn.Latest), `latest: ${GENAI_CONVENTIONS.latest} (Development status)`]),
    row([code(GenAiOptIn.Dup), 'both, while your own dashboards move']),
    '',
    `Every panel, recording rule and alert reads both generations, summed per app (${code('job')}, ${code('instance')}): an app that sends both counts once, by its legacy series. ${code('npm run doctor')} names your own dashboards and rules that read only one.`,
    '',
    row([`Legacy (${SWITCH_VALUE.legacy})`, `Latest (${SWITCH_VALUE.latest})`, 'What changed']),
    row(['---', '---', '---']),
    ...legacy.map((old) =>
      row([
        code(old.name),
        (old.counterparts ?? []).map(code).join('<br>'),
        GENAI_CHANGES[old.name] ?? '',
      ]),
    ),
    ...newOnly.map((m) => row(['—', code(m.name), GENAI_CHANGES[m.name] ?? ''])),
    '',
    `Spans: ${code(Attr.GenAiConversationId)} (LayerCode's conversation id, never made up) is on the ${code('invoke_agent')} and ${code('chat')} spans in both generations; the latest adds ${code(Attr.TimeToFirstChunk)} (seconds) to ${code('chat')}. The kit keeps ${code('layercode.*')} names for what is LayerCode's own: the webhook's event type and ids (${code(Attr.ConversationId)} on the webhook's SERVER span, which TraceQL searches), the turn, its outcome and first speech, ${code('layercode.tool.calls')} (calls by outcome: the conventions count none) and spend.`,
    '',
  ]
}

/** What each GenAI metric's move means for a reader. */
const GENAI_CHANGES: Record<string, string> = {
  'gen_ai.client.token.usage': `One histogram split by ${code(Attr.TokenType)} becomes a counter per kind with ${code(Attr.TokenModality)} (the kit's chat models: ${code('text')}); the kit's readings give the counters ${code(prometheusLabel(Attr.TokenType))} from their names`,
  'gen_ai.client.operation.duration': `Inference calls only; the legacy name stays for other operations (the kit reads it for ${code('chat')}, ${code('text_completion')} and ${code('generate_content')} only)`,
  'gen_ai.client.operation.time_to_first_chunk': 'Renamed',
  'layercode.tool.duration':
    "The legacy name is the kit's own (the core conventions had no tool metric); the standard's has the same attributes, plus error.type on failures",
  'gen_ai.client.inference.usage.cache_read.input_tokens': `New: of the input tokens, those read from the prompt cache (legacy: the span attribute ${code(Attr.CachedInputTokens)} only)`,
  'gen_ai.client.inference.operation.input_tokens':
    'New: per-call token histograms for percentiles (totals come from the counters)',
  'gen_ai.client.inference.operation.output_tokens':
    'New: per-call token histograms for percentiles',
  'gen_ai.invoke_agent.duration': `New: the ${code('invoke_agent')} span's duration. ${code('layercode.turn.duration')} stays the turn's measure (webhook to response.end, queueing and streaming included)`,
}

/** How errors are grouped (fingerprint.ts), and where the fingerprint is recorded. */
function errorsSection(): string[] {
  return [
    '## Errors: fingerprints',
    '',
    `Every recorded error carries a fingerprint: which fault it is, the same on every replica, run and release until the fault changes (as Sentry groups events into issues). The Node package (\`packages/telemetry/src/fingerprint.ts\`) and the Python integration (\`layercode_otel_kit/fingerprint.py\`) compute it the same way, checked on one table of cases (\`packages/telemetry/fingerprint-cases.json\`):`,
    '',
    '1. **type**: `error.type` (a kit error code or the class name; Python: the exception type as OpenTelemetry records it).',
    `2. **message**, normalized, in this order: URLs → ${code('<url>')}, UUIDs → ${code('<uuid>')}, quoted values ('…', "…", \`…\`) → ${code('<str>')}, every word holding a digit (numbers, ids, hex, versions) → ${code('<n>')}, whitespace runs → one space.`,
    `3. **frames**: the top ${FINGERPRINT_FRAMES} of the app's own code, innermost first, as ${code('module:function')} (module: the path from the app's root without extension; no line numbers), or, with none, of the libraries' (module: the package).`,
    `4. ${code('sha256(type, message, frames joined by newlines)')}, hex, the first 16 characters. An error with its own ${code('fingerprint')} (a string or a list, as Sentry's) is grouped by it instead.`,
    '',
    `The fingerprint is the span attribute ${code(Attr.ErrorFingerprint)} on the span that recorded the error, the log field ${code('error.fingerprint')} (Loki: ${code('error_fingerprint')}) on the agent's error lines, and the label ${code(prometheusLabel(Attr.ErrorFingerprint))} of ${code('layercode.errors')} (each thrown error once) and ${code('layercode.error.conversations')} (once per conversation it touched), with ${code(Attr.ErrorType)} and the normalized message (${code(Attr.ErrorMessage)}, at most ${FINGERPRINT_MESSAGE_LENGTH} characters). A process counts at most ${MAX_ERROR_FINGERPRINTS} fingerprints; later ones count as ${code(OVERFLOW_FINGERPRINT)}.`,
    '',
  ]
}

/** docs/telemetry.md, rendered from the contract. */
export function renderTelemetryDoc(): string {
  const metricHeader = [
    row([
      'OpenTelemetry name',
      'instrument',
      'unit',
      'Prometheus series',
      'labels',
      'what it measures',
    ]),
    row(['---', '---', '---', '---', '---', '---']),
  ]
  return [
    '# Telemetry contract',
    '',
    '<!-- Generated from packages/telemetry/src/contract.ts by `npm run docs`. Do not edit by hand: a test fails when this file is stale. -->',
    '',
    'Every span, metric and log field the agent emits. Dashboards, alert rules and the end-to-end',
    'expectations take their names from the same contract, so a rename breaks tests, not dashboards.',
    '',
    '## Who records what in your own app',
    '',
    row(['recorded by', 'signals']),
    row(['---', '---']),
    row([
      `the webhook middleware (${code('layercodeTelemetry()')}, ${code('withLayercodeTelemetry()')})`,
      'the webhook SERVER span and `http.server.request.duration`; `layercode.turn.duration` (its count is the turn count), `layercode.turn.time_to_first_speech`; sessions (started, ended, active, `session.end` figures and cost); `layercode.webhook.rejections`; the "turn completed" / "turn failed" log lines; synthetic tagging',
    ]),
    row([
      `the AI SDK model wrapper (${code('instrumentModel()')})`,
      'chat spans, `gen_ai.client.*` token and duration metrics, time to first chunk, `layercode.cost` of model calls, the model and sentence parts of the first-speech budget',
    ]),
    row([
      code('runTool()'),
      'the `execute_tool` span, `layercode.tool.*` metrics, the tools part of the first-speech budget',
    ]),
    row([
      'the preload (`--import @layercode-kit/telemetry/register`)',
      'outbound HTTP, database and cache spans and metrics, runtime and process metrics',
    ]),
    '',
    'A part of the first-speech budget nobody reports is absent on the Turn latency budget dashboard, never guessed.',
    '',
    '## Resource',
    '',
    row(['attribute', 'value']),
    row(['---', '---']),
    row([
      code('service.name'),
      `${code(DEFAULT_SERVICE_NAME)} (override with ${code('OTEL_SERVICE_NAME')})`,
    ]),
    row([code('service.version'), "the agent package's version"]),
    row([
      code('deployment.environment.name'),
      `${code('APP_ENV')} (default ${code('development')})`,
    ]),
    row([code('service.instance.id'), 'a random UUID per process']),
    '',
    `${code('OTEL_RESOURCE_ATTRIBUTES')} adds or overrides any of them. Prometheus promotes ${list([...PROMOTED_RESOURCE_ATTRIBUTES])} to labels`,
    `(${list(PROMOTED_RESOURCE_ATTRIBUTES.map(prometheusLabel))}); Loki indexes logs by ${code('service_name')}.`,
    '',
    '## Traces',
    '',
    'One trace per webhook:',
    '',
    '```',
    ...spanTree(),
    '```',
    '',
    `Outbound HTTP calls (the model API under ${code('chat')}, LayerCode under ${code('POST /api/authorize')}) are CLIENT spans from the undici instrumentation, with W3C trace context injected.`,
    '',
    row(['span', 'kind', 'from', 'attributes', 'when present', 'what it is']),
    row(['---', '---', '---', '---', '---', '---']),
    ...(SPANS as readonly SpanSpec[]).map((s) =>
      row([
        code(s.name),
        s.kind,
        code(s.source),
        list(s.attributes),
        list(s.optionalAttributes ?? []),
        s.description,
      ]),
    ),
    '',
    `In TraceQL, span attributes are ${code('span.<name>')} (e.g. ${code('{ span.layercode.turn.id = "turn_1" }')}) and resource attributes ${code('resource.<name>')}.`,
    `Failures set status ERROR, ${code('error.type')} (a kit error code or the error class) and an ${code('exception')} event with the stack.`,
    `Prompt and completion text are recorded (as ${code('gen_ai.input.messages')} / ${code('gen_ai.output.messages')} on ${code('chat')} spans) only with ${code(`${CAPTURE_CONTENT_ENV}=true`)}; without it the collector also drops them, and ${list(GENAI_CONTENT_ATTRIBUTES.filter((a) => !a.startsWith('gen_ai.input') && !a.startsWith('gen_ai.output')))}, from any app's spans, span events and log records.`,
    `An app whose SDK fixes ${code('service.name')} in code sets the resource attribute ${code(SERVICE_NAME_OVERRIDE_ATTRIBUTE)} instead: the collector makes it the ${code('service.name')}.`,
    '',
    '## Metrics',
    '',
    "Prometheus series are the names under Prometheus 3's default OTLP translation",
    `(${code('UnderscoreEscapingWithSuffixes')}): dots become underscores, the unit becomes a suffix`,
    `(${code('s')} → ${code('_seconds')}, ${code('By')} → ${code('_bytes')}, ${code('1')} on a gauge → ${code('_ratio')}; annotations like ${code('{token}')} add none),`,
    `counters end in ${code('_total')}, and histograms are stored as ${code('_bucket')}, ${code('_sum')} and ${code('_count')}`,
    `(an SDK that sends exponential histograms, like Logfire, makes native histograms under the base name: every dashboard and alert query reads both kinds).`,
    'Latency histograms use voice buckets (10 ms to 60 s). The JavaScript metrics SDK does not record',
    'exemplars yet; latency panels link to traces through the span metrics Tempo generates.',
    '',
    '### The agent',
    '',
    ...metricHeader,
    ...metricRows(KIT_METRICS),
    '',
    `**Synthetic traffic.** A webhook whose ${code('custom_metadata')} has ${code(`${SYNTHETIC_METADATA_KEY}: true`)} (the load generator's ${code('--synthetic')}, compose's canary; set it when you authorize a test session) is handled as any other, but every metric above recorded for it (all but ${code('layercode.sessions.active')}) carries ${code(`${Attr.Synthetic}=true`)} (label ${code(prometheusLabel(Attr.Synthetic))}), as do its webhook span and its log lines (${code(`${LOG_SYNTHETIC_FIELD}: true`)}). Real traffic carries neither, so the dashboards, alerts and SLOs select ${code(`${prometheusLabel(Attr.Synthetic)}!="true"`)}; the Canary dashboard and alert select the rest.`,
    '',
    ...genAiGenerationSection(),
    '### Retired series',
    '',
    'Series earlier versions sent, and what reads the same values now (`npm run doctor` names them',
    'wherever your own dashboards or Grafana rules still query them):',
    '',
    ...RETIRED_SERIES.map(({ series, replacement }) => `- ${code(series)}: ${replacement}.`),
    '',
    '### Runtime and process (instrumentation libraries)',
    '',
    ...metricHeader,
    ...metricRows(RUNTIME_METRICS),
    '',
    ...errorsSection(),
    '## Logs',
    '',
    `Every winston record goes to stdout (JSON) and over OTLP. Records written while a webhook is handled carry ${list(LOG_CONTEXT_FIELDS)}`,
    `(${code('turn_id')} for turn events), and records written inside a span carry ${list(LOG_TRACE_FIELDS)} on stdout and the trace and span ids in the OTLP record itself.`,
    `Other fields: ${code('timestamp')}, ${code('level')} (OTLP severity), ${code('message')} (OTLP body), ${code('error.type')} / ${code('error.message')} / ${code('error.code')} / ${code('error.stack')} on failures, ${code('outcome')} / ${code('duration_ms')} / ${code('first_speech_ms')} on ${code('turn completed')}, with the kit's agent also ${FIRST_SPEECH_PARTS.map(([part]) => code(`first_speech_${part}_ms`)).join(' / ')} (the parts of layercode.turn.time_to_first_speech); on the kit's ${code('session ended')}, LayerCode's ${code('duration_ms')} / ${code('latency')} / ${code('transcription_s')} / ${code('tts_s')} and the agent's ${code('turns')} / ${code('spend_usd')}.`,
    '',
    `In Loki (OTLP ingestion) ${code('service_name')} is the index label; the attributes and ${code('trace_id')} / ${code('span_id')} become structured metadata:`,
    `${code('{service_name="layercode-agent"} | conversation_id="conv_123"')}, ${code('{service_name="layercode-agent"} | trace_id="<id>"')}.`,
    '',
  ].join('\n')
}
