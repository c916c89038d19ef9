/**
 * The telemetry contract: every span, attribute, metric and log field the agent emits.
 * Code, dashboards, alerts, docs/telemetry.md and the end-to-end expectations all take
 * their names from here; tests fail when emitted data and this file disagree.
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions'
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_MODALITY,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from './semconv.ts'

/**
 * How often metrics are exported when OTEL_METRIC_EXPORT_INTERVAL is unset (the SDK's own
 * default is 60 s). The dashboards assume it: Grafana's `$__rate_interval` is built from the
 * Prometheus datasource's timeInterval, which must equal it, and so must Prometheus' scrape
 * interval and compose's setting (tests/stack/backends.test.ts checks all four). At 60 s with a 10 s
 * timeInterval, rates over 40 s windows find under two samples and panels go empty.
 */
export const METRIC_EXPORT_INTERVAL_MS = 10_000

/** `service.name` when OTEL_SERVICE_NAME does not set one; the stack's queries expect it. */
export const DEFAULT_SERVICE_NAME = 'layercode-agent'
/**
 * A resource attribute that names the service where the SDK fixes `service.name` in code
 * (layercode-create-app's Logfire setup always says `server`): the collector makes it the
 * service.name (collector/config.yaml, transform/service_identity).
 */
export const SERVICE_NAME_OVERRIDE_ATTRIBUTE = 'layercode.service.name'

/** The attribute names the kit records and its dashboards query (OTel semantic conventions where one exists). */
export const Attr = {
  EventType: 'layercode.event.type',
  ConversationId: 'layercode.conversation.id',
  SessionId: 'layercode.session.id',
  TurnId: 'layercode.turn.id',
  Outcome: 'layercode.outcome',
  /** On a turn's webhook span: seconds to its first speech (what the samplers' slow policy reads). */
  TimeToFirstSpeech: 'layercode.turn.time_to_first_speech',
  CostItem: 'layercode.cost.item',
  /** Why a webhook was refused before any handling (a WebhookRejection). */
  RejectionReason: 'layercode.webhook.rejection.reason',
  Synthetic: 'layercode.synthetic',
  /** Which fault an error is (fingerprint.ts): on the span that recorded it, and its counts. */
  ErrorFingerprint: 'layercode.error.fingerprint',
  /** The error's message, its volatile parts replaced (one per fingerprint). */
  ErrorMessage: 'layercode.error.message',
  AgentName: ATTR_GEN_AI_AGENT_NAME,
  Operation: ATTR_GEN_AI_OPERATION_NAME,
  Provider: ATTR_GEN_AI_PROVIDER_NAME,
  RequestModel: ATTR_GEN_AI_REQUEST_MODEL,
  ResponseModel: ATTR_GEN_AI_RESPONSE_MODEL,
  ResponseId: ATTR_GEN_AI_RESPONSE_ID,
  FinishReasons: ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  InputTokens: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  OutputTokens: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  CachedInputTokens: ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  /** Legacy generation: `input` or `output` on gen_ai.client.token.usage. */
  TokenType: ATTR_GEN_AI_TOKEN_TYPE,
  /** Latest generation: text, image, audio or unknown on the token counters. */
  TokenModality: ATTR_GEN_AI_TOKEN_MODALITY,
  /** Latest generation, on a streamed call's span: seconds to its first chunk. */
  TimeToFirstChunk: ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GenAiConversationId: ATTR_GEN_AI_CONVERSATION_ID,
  ToolName: ATTR_GEN_AI_TOOL_NAME,
  ToolCallId: ATTR_GEN_AI_TOOL_CALL_ID,
  ToolType: ATTR_GEN_AI_TOOL_TYPE,
  InputMessages: ATTR_GEN_AI_INPUT_MESSAGES,
  OutputMessages: ATTR_GEN_AI_OUTPUT_MESSAGES,
  ErrorType: ATTR_ERROR_TYPE,
  HttpMethod: ATTR_HTTP_REQUEST_METHOD,
  HttpRoute: ATTR_HTTP_ROUTE,
  HttpStatus: ATTR_HTTP_RESPONSE_STATUS_CODE,
} as const

/** How a turn, tool call or model call ended: `layercode.outcome`. */
export const Outcome = { Ok: 'ok', Error: 'error', Aborted: 'aborted' } as const
/** What a `layercode.cost` increment paid for: a model call's tokens, or LayerCode's speech. */
export const CostItem = {
  Input: 'input',
  CachedInput: 'cached_input',
  Output: 'output',
  Transcription: 'transcription',
  Tts: 'tts',
} as const
/** What a `layercode.cost` increment paid for. */
export type CostItem = (typeof CostItem)[keyof typeof CostItem]
/**
 * Why a webhook's signature was refused: no `layercode-signature` header, one that does not
 * parse, a timestamp outside the tolerance, or an HMAC that does not match the body (a wrong
 * LAYERCODE_WEBHOOK_SECRET rejects every webhook this way).
 */
export const WebhookRejection = {
  Missing: 'missing',
  Malformed: 'malformed',
  Stale: 'stale',
  Mismatch: 'mismatch',
} as const
/** Why a webhook was refused (`layercode.rejection.reason`). */
export type WebhookRejection = (typeof WebhookRejection)[keyof typeof WebhookRejection]
/** One of `Outcome`'s values. */
export type Outcome = (typeof Outcome)[keyof typeof Outcome]

/**
 * Faults a `message` can ask the kit's agent for (alert drills, the load generator), in
 * `custom_metadata[FAULT_METADATA_KEY]`, honoured only with AGENT_FAULT_INJECTION on.
 */
export const Fault = {
  Error: 'error',
  Slow: 'slow',
  /** Every tool call of the turn waits first: a slow tool, for the latency budget. */
  SlowTool: 'slow_tool',
  Tokens: 'tokens',
  /** The errors inbox's three kinds: a tool that throws, a model call the provider refuses,
   * a tool whose upstream HTTP API answers an error (LAYERCODE_API_BASE_URL's, in the kit). */
  ToolError: 'tool_error',
  ModelError: 'model_error',
  UpstreamError: 'upstream_error',
} as const
/** A fault the load generator can inject (`Fault`). */
export type FaultKind = (typeof Fault)[keyof typeof Fault]
/** The webhook `custom_metadata` key that asks the reference agent for an injected fault. */
export const FAULT_METADATA_KEY = 'kit_fault'
/**
 * With the `error` fault, the kind of error to throw (letters, digits, `_.-`, up to 64): the
 * error's fingerprint is the kind's own, so a drill can raise a kind never seen before.
 */
export const ERROR_KIND_METADATA_KEY = 'kit_error_kind'
/**
 * The answer to a turn that asked for a fault says what became of it (`injected` or
 * `ignored`), so a load generator counts what happened, not what it asked for.
 */
export const FAULT_HEADER = 'x-kit-fault'

/**
 * Synthetic traffic (the canary, a test's conversations) asks to be told apart with
 * `custom_metadata[SYNTHETIC_METADATA_KEY]` set to `true` (LayerCode passes on what the
 * session was authorized with). Every metric the kit records for it, its webhook span and its
 * log lines then carry `layercode.synthetic=true` (`synthetic` in logs); real traffic carries
 * nothing, so the dashboards and alerts leave synthetic turns out with one matcher.
 */
export const SYNTHETIC_METADATA_KEY = 'kit_synthetic'

/**
 * The GenAI instrumentations' standard switch: with it `true`, model calls' prompts and answers
 * are recorded (and the collector keeps them); off by default.
 */
export const CAPTURE_CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'

/**
 * Distinct error fingerprints one process counts (`layercode.errors`); beyond them every new
 * one counts as OVERFLOW_FINGERPRINT, so a flood of unique faults cannot blow up cardinality.
 */
export const MAX_ERROR_FINGERPRINTS = 100
/** The fingerprint of errors past MAX_ERROR_FINGERPRINTS. */
export const OVERFLOW_FINGERPRINT = 'overflow'

/** `gen_ai.operation.name` values the kit's spans use. */
export const Operation = {
  InvokeAgent: 'invoke_agent',
  Chat: 'chat',
  ExecuteTool: 'execute_tool',
} as const

/**
 * The GenAI names come in two generations (docs/telemetry.md has the table). `legacy`: what
 * most instrumentations emit today (core semantic-conventions up to v1.41, deprecated in
 * v1.42.0; @opentelemetry/instrumentation-openai, Logfire). `latest`: the standalone
 * semantic-conventions-genai v0.1.0 (Development status). The kit emits `legacy` by default
 * and switches with the variable OpenTelemetry's instrumentations read, and its dashboards,
 * rules and alerts read both.
 */
export const GenAiGeneration = { Legacy: 'legacy', Latest: 'latest' } as const
/** One of `GenAiGeneration`'s values. */
export type GenAiGeneration = (typeof GenAiGeneration)[keyof typeof GenAiGeneration]
/** The standard switch (a comma-separated list, as `http/dup` in it moves the HTTP names). */
export const SEMCONV_OPT_IN_ENV = 'OTEL_SEMCONV_STABILITY_OPT_IN'
/** Its GenAI values: the latest names only, or both generations while dashboards move. */
export const GenAiOptIn = {
  Latest: 'gen_ai_latest_experimental',
  Dup: 'gen_ai_latest_experimental/dup',
} as const
/** Where each generation's names are defined. */
export const GENAI_CONVENTIONS = {
  legacy: 'semantic-conventions ≤ v1.41 (core; deprecated in v1.42.0)',
  latest: 'semantic-conventions-genai v0.1.0',
} as const satisfies Record<GenAiGeneration, string>

/** What the inference operations of the conventions are called (not tools, agents, embeddings). */
export const INFERENCE_OPERATIONS = ['chat', 'text_completion', 'generate_content'] as const
/** `gen_ai.token.modality` values: the kit's chat models read and write text. */
export const TokenModality = {
  Text: 'text',
  Image: 'image',
  Audio: 'audio',
  Unknown: 'unknown',
} as const

// ---------------------------------------------------------------------------- spans

/** A span kind, as the contract writes it. */
export type SpanKindName = 'SERVER' | 'CLIENT' | 'INTERNAL'

/** One span of the contract: its name, kind, attributes and parent. */
export type SpanSpec = {
  id: string
  /** The name, with `{attribute}` placeholders. */
  name: string
  kind: SpanKindName
  /** The span id of the parent in the agent's trace, if any. */
  parent?: string
  /** Who creates it: the kit, or an instrumentation library. */
  source: string
  description: string
  /** Always present. */
  attributes: readonly string[]
  /** Present when they apply (a turn event, a failure, content capture on...). */
  optionalAttributes?: readonly string[]
}

/** Every span the kit records, as rendered in docs/telemetry.md. */
export const SPANS = [
  {
    id: 'http.server',
    name: 'POST {http.route}',
    kind: 'SERVER',
    source: 'kit',
    description:
      "One per request, named by route (the kit's `serverSpans()` Hono middleware). A verified webhook's span: it carries the webhook's ids and, for session.start and message, lasts until the SSE stream ended, with the turn's outcome and, when it spoke, its time to first speech in seconds (the sampling tier keeps every turn slower than the first-speech objective by it). Every query value in `url.full` is REDACTED; a 4xx leaves the status unset (an upload the client abandoned is 499).",
    attributes: [Attr.HttpMethod, Attr.HttpRoute, Attr.HttpStatus, 'url.full'],
    optionalAttributes: [
      Attr.EventType,
      Attr.Synthetic,
      Attr.ConversationId,
      Attr.SessionId,
      Attr.AgentName,
      Attr.TurnId,
      Attr.Outcome,
      Attr.TimeToFirstSpeech,
      Attr.ErrorType,
      Attr.ErrorFingerprint,
    ],
  },
  {
    id: 'invoke_agent',
    name: 'invoke_agent {gen_ai.agent.name}',
    kind: 'INTERNAL',
    parent: 'http.server',
    source: 'kit',
    description: "The agent's work for one turn (GenAI semantic conventions).",
    attributes: [Attr.Operation, Attr.AgentName, Attr.GenAiConversationId],
    optionalAttributes: [Attr.ErrorType, Attr.ErrorFingerprint],
  },
  {
    id: 'chat',
    name: 'chat {gen_ai.request.model}',
    kind: 'CLIENT',
    parent: 'invoke_agent',
    source: 'kit',
    description:
      "One model call (a tool round trip makes two), with token usage (of the input tokens, those the provider read from its prompt cache when it reports them) and, inside a LayerCode turn, its conversation's id (LayerCode's, never made up). The latest generation adds the seconds to the first chunk.",
    attributes: [
      Attr.Operation,
      Attr.Provider,
      Attr.AgentName,
      Attr.RequestModel,
      Attr.ResponseModel,
      Attr.InputTokens,
      Attr.OutputTokens,
      Attr.FinishReasons,
    ],
    optionalAttributes: [
      Attr.GenAiConversationId,
      Attr.ResponseId,
      Attr.CachedInputTokens,
      Attr.TimeToFirstChunk,
      Attr.ErrorType,
      Attr.ErrorFingerprint,
      Attr.InputMessages,
      Attr.OutputMessages,
    ],
  },
  {
    id: 'execute_tool',
    name: 'execute_tool {gen_ai.tool.name}',
    kind: 'INTERNAL',
    parent: 'invoke_agent',
    source: 'kit',
    description: 'One tool call.',
    attributes: [Attr.Operation, Attr.ToolName, Attr.ToolCallId, Attr.ToolType],
    optionalAttributes: [Attr.ErrorType, Attr.ErrorFingerprint],
  },
  {
    id: 'http.client',
    name: '{http.request.method}',
    kind: 'CLIENT',
    source: '@opentelemetry/instrumentation-undici',
    description:
      'Outbound HTTP (the model API under chat, LayerCode under POST /api/authorize), with W3C trace context propagated.',
    attributes: [Attr.HttpMethod, 'url.full', 'server.address'],
    optionalAttributes: [Attr.HttpStatus, Attr.ErrorType],
  },
] as const satisfies readonly SpanSpec[]

/**
 * The contract's spec for a span name: `{placeholders}` in the contract's names (`invoke_agent
 * {agent}`) match any non-empty text. Optionally also by span kind.
 */
export function spanSpecFor(name: string, kind?: SpanKindName): SpanSpec | undefined {
  return (SPANS as readonly SpanSpec[]).find((spec) => {
    const escaped = spec.name.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '.+')
    return (kind === undefined || spec.kind === kind) && new RegExp(`^${escaped}$`).test(name)
  })
}

// --------------------------------------------------------------------------- metrics

/** The OpenTelemetry instrument behind a metric. */
export type InstrumentKind = 'histogram' | 'counter' | 'updowncounter' | 'gauge'

/** One metric of the contract: name, instrument, unit, attributes, who records it. */
export type MetricSpec = {
  name: string
  instrument: InstrumentKind
  unit: string
  description: string
  /** Attributes on every data point (resource attributes come on top). */
  attributes: readonly string[]
  /** Attributes on some data points only (e.g. error.type on failures). */
  optionalAttributes?: readonly string[]
  source: string
  /** Histogram bucket boundaries, when the kit sets them. */
  buckets?: readonly number[]
  /** GenAI names: the generation that has it (emitted as OTEL_SEMCONV_STABILITY_OPT_IN says). */
  generation?: GenAiGeneration
  /** Where the name is defined, for the GenAI names. */
  convention?: string
  /** The other generation's names for the same measurement. */
  counterparts?: readonly string[]
}

/** Voice latency: tens of milliseconds to tens of seconds, in seconds. */
export const LATENCY_BUCKETS_S = [
  0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60,
] as const
/** The GenAI semantic conventions' advice for token counts. */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
] as const

/** A call's length and its speech totals: a second to an hour and more, in seconds. */
export const SESSION_BUCKETS_S = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] as const
/** Turns in one session. */
export const TURN_COUNT_BUCKETS = [1, 2, 3, 5, 10, 20, 50, 100, 200] as const
/** A session's spend, in US dollars: a tenth of a cent to tens of dollars. */
export const COST_BUCKETS_USD = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50,
] as const

const agentEvent = [Attr.AgentName, Attr.EventType] as const

/** The parts of time to first speech (first-speech.ts measures them), as metric name suffixes. */
export const FIRST_SPEECH_PARTS = [
  [
    'queue',
    "waiting for the conversation's previous turn to finish (turns of one conversation run in order)",
  ],
  [
    'model',
    'inside model calls, until the text spoken first began (the whole of earlier calls, e.g. one that asked for a tool)',
  ],
  ['tools', 'inside tool calls before the first speech'],
  [
    'sentence',
    'from the first text the model streamed until the first whole sentence was ready to speak (the kit speaks sentence by sentence)',
  ],
] as const
const genAi = [Attr.Operation, Attr.Provider, Attr.RequestModel, Attr.AgentName] as const

/** A GenAI metric of one generation, and its names in the other. */
const legacy = (counterparts: readonly string[]) => ({
  generation: GenAiGeneration.Legacy,
  convention: GENAI_CONVENTIONS.legacy,
  counterparts,
})
const latest = (counterparts: readonly string[]) => ({
  generation: GenAiGeneration.Latest,
  convention: GENAI_CONVENTIONS.latest,
  counterparts,
})

/** One part's histogram: the name keeps its literal type, so KitMetricName lists it. */
const firstSpeechPart = <P extends string>(part: P, what: string) => ({
  name: `layercode.turn.first_speech.${part}` as const,
  instrument: 'histogram' as const,
  unit: 's',
  description: `Part of a turn's time to first speech: ${what}. Recorded for every turn that spoke; the parts add up to layercode.turn.time_to_first_speech less the agent's own work (history, prompts, injected delays)`,
  attributes: agentEvent,
  optionalAttributes: [Attr.RequestModel],
  source: 'kit',
  buckets: LATENCY_BUCKETS_S,
})

const KIT_METRIC_SPECS = [
  {
    name: 'http.server.request.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      'Duration of HTTP server requests, until the response is complete (for an SSE answer, until its stream ended): the duration of the SERVER span',
    attributes: [Attr.HttpMethod, Attr.HttpRoute, Attr.HttpStatus],
    optionalAttributes: [Attr.ErrorType],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
  },
  {
    name: 'gen_ai.client.token.usage',
    instrument: 'histogram',
    unit: '{token}',
    description: 'Number of input and output tokens used per model call',
    attributes: [...genAi, Attr.ResponseModel, Attr.TokenType],
    source: 'kit',
    buckets: TOKEN_BUCKETS,
    ...legacy([
      'gen_ai.client.inference.usage.input_tokens',
      'gen_ai.client.inference.usage.output_tokens',
    ]),
  },
  {
    name: 'gen_ai.client.operation.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Duration of model calls, from request to the last streamed chunk',
    attributes: genAi,
    optionalAttributes: [Attr.ResponseModel, Attr.ErrorType],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...legacy(['gen_ai.client.inference.duration']),
  },
  {
    name: 'gen_ai.client.operation.time_to_first_chunk',
    instrument: 'histogram',
    unit: 's',
    description:
      'Time from a streaming model call to its first chunk of output (text, reasoning or a tool call): the provider-side part of the wait',
    attributes: genAi,
    optionalAttributes: [Attr.ResponseModel],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...legacy(['gen_ai.client.inference.time_to_first_chunk']),
  },
  ...(['input', 'output'] as const).map((kind) => ({
    name: `gen_ai.client.inference.usage.${kind}_tokens` as const,
    instrument: 'counter' as const,
    unit: '{token}',
    description: `${kind === 'input' ? 'Input (prompt)' : 'Output (completion)'} tokens of model calls, by modality (the kit's chat models: text). The total the token panels, rules and alerts read`,
    attributes: [...genAi, Attr.ResponseModel, Attr.TokenModality],
    source: 'kit',
    ...latest(['gen_ai.client.token.usage']),
  })),
  {
    name: 'gen_ai.client.inference.usage.cache_read.input_tokens',
    instrument: 'counter',
    unit: '{token}',
    description:
      'Of the input tokens, those the provider read from its prompt cache, when it reports them',
    attributes: [...genAi, Attr.ResponseModel, Attr.TokenModality],
    source: 'kit',
    ...latest([]),
  },
  ...(['input', 'output'] as const).map((kind) => ({
    name: `gen_ai.client.inference.operation.${kind}_tokens` as const,
    instrument: 'histogram' as const,
    unit: '{token}',
    description: `${kind === 'input' ? 'Input' : 'Output'} tokens per model call, for percentiles (the conventions read totals from the counters)`,
    attributes: [...genAi, Attr.ResponseModel],
    source: 'kit',
    buckets: TOKEN_BUCKETS,
    ...latest(['gen_ai.client.token.usage']),
  })),
  {
    name: 'gen_ai.client.inference.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Duration of model calls, from request to the last streamed chunk',
    attributes: genAi,
    optionalAttributes: [Attr.ResponseModel, Attr.ErrorType],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...latest(['gen_ai.client.operation.duration']),
  },
  {
    name: 'gen_ai.client.inference.time_to_first_chunk',
    instrument: 'histogram',
    unit: 's',
    description:
      'Time from a streaming model call to its first chunk of output (text, reasoning or a tool call)',
    attributes: genAi,
    optionalAttributes: [Attr.ResponseModel],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...latest(['gen_ai.client.operation.time_to_first_chunk']),
  },
  {
    name: 'gen_ai.invoke_agent.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      "Duration of the agent's work for a turn (the invoke_agent span): history, prompts, model and tool calls, until the answer's last chunk. layercode.turn.duration stays the turn's measure: it runs from the webhook to response.end, queueing behind the conversation's previous turn and streaming included",
    attributes: [Attr.AgentName],
    optionalAttributes: [Attr.ErrorType],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...latest([]),
  },
  {
    name: 'gen_ai.execute_tool.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      'Duration of tool calls, from the call to its result (the execute_tool span), with the outcome the tool panels split by',
    attributes: [Attr.AgentName, Attr.ToolName, Attr.Outcome],
    optionalAttributes: [Attr.ErrorType],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    ...latest(['layercode.tool.duration']),
  },
  {
    name: 'layercode.turn.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      "Duration of a turn (a session.start or message webhook), from the webhook to response.end. Its count is the number of turns: `_count` (classic) or `histogram_count` (native), by outcome. LayerCode's own measure, not gen_ai.invoke_agent.duration: it includes waiting for the conversation's previous turn and the answer's streaming",
    attributes: [...agentEvent, Attr.Outcome],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
  },
  {
    name: 'layercode.turn.time_to_first_speech',
    instrument: 'histogram',
    unit: 's',
    description:
      "Time from the webhook's arrival to the agent's first response.tts chunk: the agent's share of the caller's wait (LayerCode's transcription and speech synthesis come on top). A failed turn's first chunk may be the fallback apology: filter on the outcome",
    attributes: [...agentEvent, Attr.Outcome],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
  },
  ...FIRST_SPEECH_PARTS.map(([part, what]) => firstSpeechPart(part, what)),
  {
    name: 'layercode.tool.calls',
    instrument: 'counter',
    unit: '{call}',
    description: 'Tool calls by tool and outcome',
    attributes: [Attr.AgentName, Attr.ToolName, Attr.Outcome],
    source: 'kit',
  },
  {
    name: 'layercode.errors',
    instrument: 'counter',
    unit: '{error}',
    description: `Errors recorded (a failed span's exception: a turn, a model call, a tool; each thrown error once), by fingerprint, type and normalized message: the errors inbox. At most ${MAX_ERROR_FINGERPRINTS} fingerprints per process; later ones count as \`${OVERFLOW_FINGERPRINT}\``,
    attributes: [Attr.ErrorFingerprint, Attr.ErrorType, Attr.ErrorMessage],
    source: 'kit',
  },
  {
    name: 'layercode.error.conversations',
    instrument: 'counter',
    unit: '{conversation}',
    description:
      'Conversations an error touched: counted the first time a fingerprint occurs in a conversation (the calls affected)',
    attributes: [Attr.ErrorFingerprint, Attr.ErrorType, Attr.ErrorMessage],
    source: 'kit',
  },
  {
    name: 'layercode.error.first_seen',
    instrument: 'gauge',
    unit: 's',
    description:
      'When this process first recorded each kind of error (Unix seconds): the inbox keeps the earliest over processes and restarts (recording rules)',
    attributes: [Attr.ErrorFingerprint, Attr.ErrorType, Attr.ErrorMessage],
    source: 'kit',
  },
  {
    name: 'layercode.error.last_seen',
    instrument: 'gauge',
    unit: 's',
    description: 'When this process last recorded each kind of error (Unix seconds)',
    attributes: [Attr.ErrorFingerprint, Attr.ErrorType, Attr.ErrorMessage],
    source: 'kit',
  },
  {
    name: 'layercode.webhook.rejections',
    instrument: 'counter',
    unit: '{webhook}',
    description:
      'Webhooks refused before any handling because their signature was missing, malformed, stale or did not match the body, by reason (a wrong LAYERCODE_WEBHOOK_SECRET refuses every one; no turn happens)',
    attributes: [Attr.AgentName, Attr.RejectionReason],
    source: 'kit',
  },
  {
    name: 'layercode.tool.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      'Duration of tool calls, from the call to its result (the execute_tool span): the part of a turn its tools take',
    attributes: [Attr.AgentName, Attr.ToolName, Attr.Outcome],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
    generation: GenAiGeneration.Legacy,
    // Not a convention's: the kit's own name while the core conventions had no tool metric.
    convention: "the kit's own (the core conventions had no tool metric)",
    counterparts: ['gen_ai.execute_tool.duration'],
  },
  {
    name: 'layercode.sessions.active',
    instrument: 'gauge',
    unit: '{session}',
    description: 'Sessions started and not yet ended (idle ones expire with the history TTL)',
    attributes: [Attr.AgentName],
    source: 'kit',
  },
  {
    name: 'layercode.sessions.started',
    instrument: 'counter',
    unit: '{session}',
    description: 'session.start webhooks',
    attributes: [Attr.AgentName],
    source: 'kit',
  },
  {
    name: 'layercode.sessions.ended',
    instrument: 'counter',
    unit: '{session}',
    description: 'session.end webhooks',
    attributes: [Attr.AgentName],
    source: 'kit',
  },
  {
    name: 'layercode.session.duration',
    instrument: 'histogram',
    unit: 's',
    description: "A session's length as LayerCode reports it in session.end (`duration`, ms)",
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: SESSION_BUCKETS_S,
  },
  {
    name: 'layercode.session.latency',
    instrument: 'histogram',
    unit: 's',
    description:
      "LayerCode's own latency figure for a session (session.end `latency`). LayerCode does not document its unit; like `duration` it has no unit suffix and is read as milliseconds (the seconds fields say `_seconds`)",
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: LATENCY_BUCKETS_S,
  },
  {
    name: 'layercode.session.transcription.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      "Seconds of the caller's speech LayerCode transcribed in a session (session.end `transcription_duration_seconds`): what speech-to-text is billed on",
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: SESSION_BUCKETS_S,
  },
  {
    name: 'layercode.session.tts.duration',
    instrument: 'histogram',
    unit: 's',
    description:
      'Seconds of speech LayerCode synthesized for the agent in a session (session.end `tts_duration_seconds`): what text-to-speech is billed on',
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: SESSION_BUCKETS_S,
  },
  {
    name: 'layercode.cost',
    instrument: 'counter',
    unit: '{USD}',
    description:
      "Spend in US dollars at the price table's prices (packages/telemetry/prices.json, or LAYERCODE_PRICES_FILE), counted where it is measured: a model call's input, cached input and output tokens when it ends, LayerCode's transcription and speech minutes at session.end. A model without a price counts nothing (the agent logs it once)",
    attributes: [Attr.AgentName, Attr.CostItem],
    optionalAttributes: [Attr.Provider, Attr.RequestModel],
    source: 'kit',
  },
  {
    name: 'layercode.session.cost',
    instrument: 'histogram',
    unit: '{USD}',
    description:
      "A session's spend in US dollars, recorded at session.end: its model calls and LayerCode's speech minutes, as layercode.cost counts them",
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: COST_BUCKETS_USD,
  },
  {
    name: 'layercode.session.turns',
    instrument: 'histogram',
    unit: '{turn}',
    description:
      'Turns the agent ran in a session (its own count of session.start and message webhooks), recorded at session.end',
    attributes: [Attr.AgentName],
    source: 'kit',
    buckets: TURN_COUNT_BUCKETS,
  },
] as const satisfies readonly MetricSpec[]

/**
 * Observed by the SDK outside any webhook (it cannot tell synthetic sessions apart), or counted
 * before a webhook's body may be read (a rejected signature).
 */
const UNTAGGED = new Set<string>(['layercode.sessions.active', 'layercode.webhook.rejections'])
/**
 * The kit's metrics. Each recorded for synthetic traffic (SYNTHETIC_METADATA_KEY) carries
 * `layercode.synthetic` too, but for the active-sessions gauge and webhook rejections.
 */
export const KIT_METRICS = KIT_METRIC_SPECS.map((spec) =>
  UNTAGGED.has(spec.name)
    ? spec
    : {
        ...spec,
        optionalAttributes: [
          ...('optionalAttributes' in spec ? spec.optionalAttributes : []),
          Attr.Synthetic,
        ],
      },
) satisfies readonly MetricSpec[]

/** The names of the metrics the kit itself records. */
export type KitMetricName = (typeof KIT_METRIC_SPECS)[number]['name']

const runtime = '@opentelemetry/instrumentation-runtime-node'
const host = '@opentelemetry/instrumentation-host-metrics'
const delay = (stat: string, what: string): MetricSpec => ({
  name: `nodejs.eventloop.delay.${stat}`,
  instrument: 'gauge',
  unit: 's',
  description: `Event loop ${what} delay.`,
  attributes: [],
  source: runtime,
})

/**
 * What instrumentation libraries emit, as they emit it (host-metrics leaves two units empty).
 * Listed so dashboards may use them and so a library upgrade that renames one fails a test.
 */
export const RUNTIME_METRICS: readonly MetricSpec[] = [
  {
    name: 'http.client.request.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Measures the duration of outbound HTTP requests.',
    attributes: [Attr.HttpMethod, 'server.address', 'server.port'],
    // A request that never connected (error.type set) has no scheme, status or protocol.
    optionalAttributes: ['url.scheme', Attr.HttpStatus, 'network.protocol.version', Attr.ErrorType],
    source: '@opentelemetry/instrumentation-undici',
  },
  ...(
    [
      ['min', 'minimum'],
      ['max', 'maximum'],
      ['mean', 'mean'],
      ['stddev', 'standard deviation'],
      ['p50', '50 percentile'],
      ['p90', '90 percentile'],
      ['p99', '99 percentile'],
    ] as const
  ).map(([stat, what]) => delay(stat, what)),
  {
    name: 'nodejs.eventloop.utilization',
    instrument: 'gauge',
    unit: '1',
    description: 'Event loop utilization',
    attributes: [],
    source: runtime,
  },
  {
    name: 'nodejs.eventloop.time',
    instrument: 'counter',
    unit: 's',
    description: 'Cumulative duration of time the event loop has been in each state.',
    attributes: ['nodejs.eventloop.state'],
    source: runtime,
  },
  {
    name: 'v8js.gc.duration',
    instrument: 'histogram',
    unit: 's',
    description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    attributes: ['v8js.gc.type'],
    source: runtime,
  },
  {
    name: 'v8js.memory.heap.used',
    instrument: 'gauge',
    unit: 'By',
    description: 'Heap Memory size allocated.',
    attributes: ['v8js.heap.space.name'],
    source: runtime,
  },
  {
    name: 'v8js.memory.heap.space.size',
    instrument: 'updowncounter',
    unit: 'By',
    description: 'Total heap memory size pre-allocated for a heap space.',
    attributes: ['v8js.heap.space.name'],
    source: runtime,
  },
  {
    name: 'v8js.memory.heap.space.available_size',
    instrument: 'gauge',
    unit: 'By',
    description: 'Heap space available size.',
    attributes: ['v8js.heap.space.name'],
    source: runtime,
  },
  {
    name: 'v8js.memory.heap.space.physical_size',
    instrument: 'gauge',
    unit: 'By',
    description: 'Committed size of a heap space.',
    attributes: ['v8js.heap.space.name'],
    source: runtime,
  },
  {
    name: 'v8js.resource.active',
    instrument: 'gauge',
    unit: '{resource}',
    description: 'Count of the active resources that are currently keeping the event loop alive.',
    attributes: ['v8js.resource.type'],
    source: runtime,
  },
  {
    name: 'process.cpu.time',
    instrument: 'counter',
    unit: 's',
    description: 'Process Cpu time in seconds',
    attributes: ['cpu.mode'],
    source: host,
  },
  {
    name: 'process.cpu.utilization',
    instrument: 'gauge',
    unit: '',
    description: 'Process Cpu usage time 0-1',
    attributes: ['cpu.mode'],
    source: host,
  },
  {
    name: 'process.memory.usage',
    instrument: 'gauge',
    unit: '',
    description: 'Process Memory usage in bytes',
    attributes: [],
    source: host,
  },
]

/** Every metric the agent emits. */
export const METRICS: readonly MetricSpec[] = [...KIT_METRICS, ...RUNTIME_METRICS]

/**
 * Series earlier releases sent and what reads their values now: `npm run doctor` names them
 * in a user's own dashboards and rules, and docs/telemetry.md lists them.
 */
export const RETIRED_SERIES = [
  {
    series: 'layercode_turns_total',
    replacement:
      '`layercode_turn_duration_seconds_count` (classic histograms) or `histogram_count(layercode_turn_duration_seconds)` (native): the same turns with the same labels',
  },
] as const

// ------------------------------------------------------------------ Prometheus names

// Prometheus 3's default OTLP translation (UnderscoreEscapingWithSuffixes) turns units into
// name suffixes; annotations in braces ({token}) carry no unit and add none.
const UNIT_SUFFIXES: Record<string, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  '%': 'percent',
}

function escapeName(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .join('_')
}

/** The base metric name Prometheus stores (before _bucket/_sum/_count of histograms). */
export function prometheusName(metric: Pick<MetricSpec, 'name' | 'unit' | 'instrument'>): string {
  let name = escapeName(metric.name)
  const unit =
    metric.unit === '1'
      ? metric.instrument === 'gauge'
        ? 'ratio'
        : ''
      : UNIT_SUFFIXES[metric.unit]
  if (unit && !name.endsWith(`_${unit}`)) name += `_${unit}`
  if (metric.instrument === 'counter' && !name.endsWith('_total')) name += '_total'
  return name
}

/** Every series name a metric becomes: histograms split into _bucket, _sum and _count. */
export function prometheusSeries(
  metric: Pick<MetricSpec, 'name' | 'unit' | 'instrument'>,
): string[] {
  const name = prometheusName(metric)
  return metric.instrument === 'histogram'
    ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
    : [name]
}

/** An attribute as a Prometheus label. */
export function prometheusLabel(attribute: string): string {
  return escapeName(attribute)
}

// Resource attributes prometheus/prometheus.yml promotes to labels (keep the two in step).
/** Resource attributes the collector promotes to Prometheus labels. */
export const PROMOTED_RESOURCE_ATTRIBUTES = [
  'host.name',
  'service.name',
  'service.namespace',
  'service.instance.id',
  'service.version',
  'deployment.environment.name',
] as const

/** A metric of the contract (the kit's or an instrumentation library's) by name. */
export function metricSpec(name: KitMetricName | (string & {})): MetricSpec {
  const spec = METRICS.find((m) => m.name === name)
  if (!spec) throw new Error(`not in the telemetry contract: ${name}`)
  return spec
}

// ------------------------------------------------------------------------------ logs

/** Fields of every log record written while a webhook is handled (stdout JSON and OTLP attributes). */
export const LOG_CONTEXT_FIELDS = [
  'conversation_id',
  'session_id',
  'turn_id',
  'event_type',
  'agent',
] as const
/** Trace correlation on every record logged inside a span. */
/** On every record of a synthetic conversation's webhook (true), absent otherwise. */
export const LOG_SYNTHETIC_FIELD = 'synthetic'
/** Trace correlation fields on every log record logged inside a span. */
export const LOG_TRACE_FIELDS = ['trace_id', 'span_id', 'trace_flags'] as const
