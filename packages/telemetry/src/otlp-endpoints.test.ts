import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isOtlpExport, otlpEndpoints } from './otlp-endpoints.ts'

const urls = (env: Record<string, string>) =>
  Object.fromEntries(otlpEndpoints(env).map((e) => [e.signal, e.url.href]))

describe('otlpEndpoints', () => {
  it('follows the OTLP exporter rules for each signal', () => {
    assert.deepEqual(urls({}), {
      traces: 'http://localhost:4318/v1/traces',
      metrics: 'http://localhost:4318/v1/metrics',
      logs: 'http://localhost:4318/v1/logs',
    })
    assert.deepEqual(
      urls({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://loki:3100/otlp/v1/logs',
      }),
      {
        traces: 'http://collector:4318/v1/traces',
        metrics: 'http://collector:4318/v1/metrics',
        logs: 'http://loki:3100/otlp/v1/logs',
      },
    )
    assert.deepEqual(urls({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRICS_EXPORTER: 'none' }), {
      traces: 'http://localhost:4317/',
      logs: 'http://localhost:4317/',
    })
    assert.deepEqual(urls({ OTEL_TRACES_EXPORTER: 'console', OTEL_LOGS_EXPORTER: 'none' }), {
      metrics: 'http://localhost:4318/v1/metrics',
    })
    assert.deepEqual(urls({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), {})
  })
})

describe('isOtlpExport', () => {
  it("matches the SDK's export requests, not the app's calls to the same host", () => {
    const exporting = isOtlpExport({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })
    assert.equal(exporting({ hostname: '127.0.0.1', port: 4318, path: '/v1/metrics' }), true)
    assert.equal(exporting({ host: 'localhost:4318', port: '4318', path: '/v1/traces' }), true)
    assert.equal(exporting({ hostname: '127.0.0.1', port: 4318, path: '/ping' }), false)
    assert.equal(exporting({ hostname: '127.0.0.1', port: 4319, path: '/v1/metrics' }), false)
    assert.equal(exporting({ hostname: 'api.openai.com', path: '/v1/chat' }), false)
    const none = isOtlpExport({
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    })
    assert.equal(none({ hostname: 'localhost', port: 4318, path: '/v1/metrics' }), false)
  })
})
