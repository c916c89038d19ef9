import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as telemetry from '@layercode-kit/telemetry'

/**
 * The package's public surface, as a user's app imports it: a change here is a change for
 * every app that depends on it, so it is spelled out.
 */
describe('@layercode-kit/telemetry public exports', () => {
  it('has four entry points: the API, the Hono middleware, the --import register, and the test helpers', async () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { exports: Record<string, string> }
    assert.deepEqual(Object.keys(manifest.exports), ['.', './hono', './register', './testing'])
    for (const entry of Object.keys(manifest.exports))
      assert.ok(import.meta.resolve(`@layercode-kit/telemetry${entry.slice(1)}`))
    const testing = await import('@layercode-kit/telemetry/testing')
    assert.equal(typeof testing.captureTelemetry, 'function')
    const hono = await import('@layercode-kit/telemetry/hono')
    assert.deepEqual(Object.keys(hono).sort(), ['serverSpans', 'startWebhookSpan'])
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
      'FAULT_HEADER',
      'FAULT_METADATA_KEY',
      'FIRST_SPEECH_PARTS',
      'Fault',
      'FirstSpeechClock',
      'GENAI_CONTENT_ATTRIBUTES',
      'GENAI_CONTENT_KEY_PATTERN',
      'HEADER_ATTRIBUTE_PATTERN',
      'KIT_METRICS',
      'LATENCY_BUCKETS_S',
      'LOGGED_HEADERS',
      'LOGGED_HEADER_ATTRIBUTE_PATTERN',
      'LOG_CONTEXT_FIELDS',
      'LOG_CONTEXT_KEY',
      'LOG_SYNTHETIC_FIELD',
      'LOG_TRACE_FIELDS',
      'METRICS',
      'METRIC_EXPORT_INTERVAL_MS',
      'Operation',
      'Outcome',
      'PRICES_FILE_ENV',
      'PROMOTED_RESOURCE_ATTRIBUTES',
      'PYTHON_CONTRACT_PATH',
      'PYTHON_PRICES_PATH',
      'PriceTableSchema',
      'REDACTED',
      'REDACTED_QUERY_VALUE',
      'RUNTIME_METRICS',
      'SCOPE_NAME',
      'SCOPE_VERSION',
      'SERVICE_NAME_OVERRIDE_ATTRIBUTE',
      'SESSION_BUCKETS_S',
      'SPANS',
      'SYNTHETIC_METADATA_KEY',
      'SessionTracker',
      'TOKEN_BUCKETS',
      'TURN_COUNT_BUCKETS',
      'asSynthetic',
      'chargingSession',
      'chargingTo',
      'counter',
      'createRedactor',
      'errorType',
      'executeToolSpan',
      'firstSpeechClock',
      'flushOnExit',
      'gauge',
      'headersForLog',
      'histogram',
      'inSpan',
      'instrumentModel',
      'instruments',
      'invokeAgentSpan',
      'isMaskedHeaderAttribute',
      'isSyntheticMetadata',
      'loadPriceTable',
      'metricSpec',
      'modelPrice',
      'onShutdown',
      'otelLogFormat',
      'parsePriceTable',
      'perMeterProvider',
      'priceTable',
      'prometheusLabel',
      'prometheusName',
      'prometheusSeries',
      'providerName',
      'recordCharges',
      'recordFailure',
      'recordFirstSpeechParts',
      'recordModelSpend',
      'recordSessionActivity',
      'recordSessionEnd',
      'recordSessionStart',
      'recordToolCall',
      'recordTurn',
      'redactQueryString',
      'redactUrlQuery',
      'rememberSecrets',
      'renderPythonContract',
      'renderTelemetryDoc',
      'reportExportErrorsTo',
      'runShutdownHooks',
      'secretRedactingSpanProcessor',
      'secretsInEnv',
      'serviceVersion',
      'setPriceTable',
      'spanProcessorsFromEnv',
      'spanSpecFor',
      'speechCost',
      'startInstrumented',
      'startTelemetry',
      'startTelemetryOnce',
      'timingFirstSpeech',
      'tokenCost',
      'tracer',
      'trafficAttributes',
      'warnOnExportErrors',
      'withSpan',
    ])
  })
})
