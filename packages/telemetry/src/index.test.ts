import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as telemetry from '@layercode-kit/telemetry'

/**
 * The package's public surface, as a user's app imports it: a change here is a change for
 * every app that depends on it, so it is spelled out.
 */
describe('@layercode-kit/telemetry public exports', () => {
  it('has six entry points: the API, the webhook middleware for Hono and for fetch handlers, the AI SDK wrapper, the --import register, the test helpers', async () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { exports: Record<string, unknown> }
    assert.deepEqual(Object.keys(manifest.exports), [
      '.',
      './ai',
      './fetch',
      './hono',
      './register',
      './testing',
      './prices.json',
      './package.json',
    ])
    for (const entry of Object.keys(manifest.exports))
      assert.ok(import.meta.resolve(`@layercode-kit/telemetry${entry.slice(1)}`))
    const testing = await import('@layercode-kit/telemetry/testing')
    assert.equal(typeof testing.captureTelemetry, 'function')
    const hono = await import('@layercode-kit/telemetry/hono')
    assert.deepEqual(Object.keys(hono).sort(), [
      'TurnFailure',
      'layercodeTelemetry',
      'serverSpans',
      'startWebhookSpan',
    ])
    const fetchEntry = await import('@layercode-kit/telemetry/fetch')
    assert.deepEqual(Object.keys(fetchEntry).sort(), ['TurnFailure', 'withLayercodeTelemetry'])
    const ai = await import('@layercode-kit/telemetry/ai')
    assert.deepEqual(Object.keys(ai).sort(), ['instrumentModel', 'providerName'])
  })

  it('only /hono needs hono and only /ai needs ai: the main entry and /fetch import neither', async () => {
    const { spawnSync } = await import('node:child_process')
    // A hook refusing both, as on an app that installed neither (Express, Next.js).
    const refuse = `data:text/javascript,${encodeURIComponent(
      "import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { if (/^(hono|ai|@ai-sdk\\/provider)(\\/|$)/.test(s)) throw new Error('imported ' + s); return next(s, c) } })",
    )}`
    for (const entry of ['', '/fetch', '/register', '/testing']) {
      const run = spawnSync(
        process.execPath,
        ['--import', refuse, '-e', `await import('@layercode-kit/telemetry${entry}')`],
        { encoding: 'utf8', env: { ...process.env, OTEL_SDK_DISABLED: 'true' } },
      )
      assert.equal(run.status, 0, `${entry || '.'}: ${run.stderr}`)
    }
  })

  it('exports the contract, the SDK bootstrap, span and metric helpers, and redaction', () => {
    assert.deepEqual(Object.keys(telemetry).sort(), [
      'Attr',
      'CAPTURE_CONTENT_ENV',
      'COLLECTOR_SECRET_KEY_NAMES',
      'COLLECTOR_SECRET_KEY_PATTERN',
      'COST_BUCKETS_USD',
      'CREDENTIAL_VALUE_PATTERNS',
      'CostItem',
      'DEFAULT_FLUSH_TIMEOUT_MS',
      'DEFAULT_PRICES_FILE',
      'DEFAULT_SECRET_KEY_PATTERN',
      'DEFAULT_SERVICE_NAME',
      'DEFAULT_SESSION_LIMITS',
      'ERROR_KIND_METADATA_KEY',
      'FAULT_HEADER',
      'FAULT_METADATA_KEY',
      'FINGERPRINT_FRAMES',
      'FINGERPRINT_MESSAGE_LENGTH',
      'FIRST_SPEECH_PARTS',
      'Fault',
      'FirstSpeechClock',
      'GENAI_CONTENT_ATTRIBUTES',
      'GENAI_CONTENT_KEY_PATTERN',
      'GENAI_CONVENTIONS',
      'GenAiGeneration',
      'GenAiOptIn',
      'HEADER_ATTRIBUTE_PATTERN',
      'INFERENCE_OPERATIONS',
      'KIT_METRICS',
      'LATENCY_BUCKETS_S',
      'LOGGED_HEADERS',
      'LOGGED_HEADER_ATTRIBUTE_PATTERN',
      'LOG_CONTEXT_FIELDS',
      'LOG_CONTEXT_KEY',
      'LOG_SYNTHETIC_FIELD',
      'LOG_TRACE_FIELDS',
      'MAX_ERROR_FINGERPRINTS',
      'METRICS',
      'METRIC_EXPORT_INTERVAL_MS',
      'OVERFLOW_FINGERPRINT',
      'Operation',
      'Outcome',
      'PRICES_FILE_ENV',
      'PROMOTED_RESOURCE_ATTRIBUTES',
      'PriceTableSchema',
      'REDACTED',
      'REDACTED_QUERY_VALUE',
      'RETIRED_SERIES',
      'RUNTIME_METRICS',
      'SCOPE_NAME',
      'SCOPE_VERSION',
      'SEMCONV_OPT_IN_ENV',
      'SERVICE_NAME_OVERRIDE_ATTRIBUTE',
      'SESSION_BUCKETS_S',
      'SPANS',
      'SYNTHETIC_METADATA_KEY',
      'SessionTracker',
      'TOKEN_BUCKETS',
      'TURN_COUNT_BUCKETS',
      'TURN_EVENTS',
      'TokenModality',
      'WebhookRejection',
      'asSynthetic',
      'chargingSession',
      'chargingTo',
      'countError',
      'counter',
      'createRedactor',
      'currentConversationId',
      'currentWebhook',
      'defaultInstrumentations',
      'errorIdentity',
      'errorType',
      'executeToolSpan',
      'fingerprintOf',
      'fingerprintOfParts',
      'firstSpeechClock',
      'flushOnExit',
      'gauge',
      'genAiGenerations',
      'genAiGenerationsInUse',
      'headersForLog',
      'histogram',
      'identifyError',
      'inSpan',
      'instruments',
      'invokeAgentSpan',
      'isMaskedHeaderAttribute',
      'isSyntheticMetadata',
      'loadPriceTable',
      'metricSpec',
      'metricsEmitted',
      'modelPrice',
      'normalizeMessage',
      'onShutdown',
      'otelLogFormat',
      'parsePriceTable',
      'perMeterProvider',
      'priceTable',
      'prometheusLabel',
      'prometheusName',
      'prometheusSeries',
      'recordCharges',
      'recordFailure',
      'recordFirstChunk',
      'recordFirstSpeechParts',
      'recordInference',
      'recordModelSpend',
      'recordSessionActivity',
      'recordSessionEnd',
      'recordSessionStart',
      'recordToolCall',
      'recordTurn',
      'recordWebhookRejection',
      'redactQueryString',
      'redactUrlQuery',
      'rejectionReason',
      'rememberSecrets',
      'reportExportErrorsTo',
      'runShutdownHooks',
      'runTool',
      'secretRedactingSpanProcessor',
      'secretsInEnv',
      'serviceVersion',
      'setPriceTable',
      'spanProcessorsFromEnv',
      'spanSpecFor',
      'speechCost',
      'stackFrames',
      'startInstrumented',
      'startTelemetry',
      'startTelemetryOnce',
      'timingFirstSpeech',
      'tokenCost',
      'tracer',
      'trafficAttributes',
      'useGenAiGenerations',
      'warnOnExportErrors',
      'withSpan',
    ])
  })
})
