import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type ObservableGauge,
} from '@opentelemetry/api'
import { type KitMetricName, metricSpec } from './contract.ts'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.ts'
import { trafficAttributes } from './synthetic.ts'

type Instruments = {
  requestDuration: Histogram
  tokenUsage: Histogram
  operationDuration: Histogram
  inputTokens: Counter
  outputTokens: Counter
  cacheReadTokens: Counter
  inputTokensPerCall: Histogram
  outputTokensPerCall: Histogram
  inferenceDuration: Histogram
  inferenceFirstChunk: Histogram
  invokeAgentDuration: Histogram
  executeToolDuration: Histogram
  turnDuration: Histogram
  timeToFirstSpeech: Histogram
  toolCalls: Counter
  webhookRejections: Counter
  errors: Counter
  errorConversations: Counter
  errorFirstSeen: ObservableGauge
  errorLastSeen: ObservableGauge
  toolDuration: Histogram
  sessionsStarted: Counter
  sessionsEnded: Counter
  sessionDuration: Histogram
  sessionLatency: Histogram
  sessionTranscription: Histogram
  sessionTts: Histogram
  sessionTurns: Histogram
  cost: Counter
  timeToFirstChunk: Histogram
  firstSpeechQueue: Histogram
  firstSpeechModel: Histogram
  firstSpeechTools: Histogram
  firstSpeechSentence: Histogram
  sessionCost: Histogram
  sessionsActive: ObservableGauge
}

/**
 * Makes `make(provider)` on first use and again whenever the global MeterProvider changes,
 * so instruments bind to the SDK even when created before it started (or in tests, after a restart).
 */
export function perMeterProvider<T>(make: (provider: MeterProvider) => T): () => T {
  let cached: { provider: MeterProvider; value: T } | undefined
  return () => {
    const provider = metrics.getMeterProvider()
    if (cached?.provider !== provider) cached = { provider, value: make(provider) }
    return cached.value
  }
}

function create(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION)
  // Name, unit, description and buckets all come from the contract.
  const options = (name: KitMetricName) => {
    const spec = metricSpec(name)
    return {
      unit: spec.unit,
      description: spec.description,
      ...(spec.buckets ? { advice: { explicitBucketBoundaries: [...spec.buckets] } } : {}),
    }
  }
  // Every record inside a synthetic webhook is tagged (synthetic.ts), wherever it is made.
  const histogram = (name: KitMetricName): Histogram => {
    const instrument = meter.createHistogram(name, options(name))
    return {
      record: (value, attributes, ctx) =>
        instrument.record(value, trafficAttributes(attributes), ctx),
    }
  }
  const counter = (name: KitMetricName): Counter => {
    const instrument = meter.createCounter(name, options(name))
    return {
      add: (value, attributes, ctx) => instrument.add(value, trafficAttributes(attributes), ctx),
    }
  }
  const sessionsActive = meter.createObservableGauge(
    'layercode.sessions.active',
    options('layercode.sessions.active'),
  )
  return {
    requestDuration: histogram('http.server.request.duration'),
    tokenUsage: histogram('gen_ai.client.token.usage'),
    operationDuration: histogram('gen_ai.client.operation.duration'),
    inputTokens: counter('gen_ai.client.inference.usage.input_tokens'),
    outputTokens: counter('gen_ai.client.inference.usage.output_tokens'),
    cacheReadTokens: counter('gen_ai.client.inference.usage.cache_read.input_tokens'),
    inputTokensPerCall: histogram('gen_ai.client.inference.operation.input_tokens'),
    outputTokensPerCall: histogram('gen_ai.client.inference.operation.output_tokens'),
    inferenceDuration: histogram('gen_ai.client.inference.duration'),
    inferenceFirstChunk: histogram('gen_ai.client.inference.time_to_first_chunk'),
    invokeAgentDuration: histogram('gen_ai.invoke_agent.duration'),
    executeToolDuration: histogram('gen_ai.execute_tool.duration'),
    turnDuration: histogram('layercode.turn.duration'),
    timeToFirstSpeech: histogram('layercode.turn.time_to_first_speech'),
    toolCalls: counter('layercode.tool.calls'),
    webhookRejections: counter('layercode.webhook.rejections'),
    errors: counter('layercode.errors'),
    errorConversations: counter('layercode.error.conversations'),
    errorFirstSeen: meter.createObservableGauge(
      'layercode.error.first_seen',
      options('layercode.error.first_seen'),
    ),
    errorLastSeen: meter.createObservableGauge(
      'layercode.error.last_seen',
      options('layercode.error.last_seen'),
    ),
    toolDuration: histogram('layercode.tool.duration'),
    sessionsStarted: counter('layercode.sessions.started'),
    sessionsEnded: counter('layercode.sessions.ended'),
    sessionDuration: histogram('layercode.session.duration'),
    sessionLatency: histogram('layercode.session.latency'),
    sessionTranscription: histogram('layercode.session.transcription.duration'),
    sessionTts: histogram('layercode.session.tts.duration'),
    sessionTurns: histogram('layercode.session.turns'),
    cost: counter('layercode.cost'),
    timeToFirstChunk: histogram('gen_ai.client.operation.time_to_first_chunk'),
    firstSpeechQueue: histogram('layercode.turn.first_speech.queue'),
    firstSpeechModel: histogram('layercode.turn.first_speech.model'),
    firstSpeechTools: histogram('layercode.turn.first_speech.tools'),
    firstSpeechSentence: histogram('layercode.turn.first_speech.sentence'),
    sessionCost: histogram('layercode.session.cost'),
    sessionsActive,
  }
}

/** The kit's instruments on the current global MeterProvider (no-ops until an SDK registers one). */
export const instruments: () => Instruments = perMeterProvider(create)

export type { Attributes }
