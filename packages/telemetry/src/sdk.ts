import { logs } from '@opentelemetry/api'
import { logs as legacyLogs } from '@opentelemetry/api-logs'
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs'
import {
  AggregationType,
  createAllowListAttributesProcessor,
  type IMetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { SpanProcessor } from '@opentelemetry/sdk-trace'
import {
  DEFAULT_SERVICE_NAME,
  KIT_METRICS,
  METRIC_EXPORT_INTERVAL_MS,
  type MetricSpec,
} from './contract.ts'
import { warnOnExportErrors } from './export-errors.ts'
import { createRedactor, secretsInEnv } from './redact.ts'
import { secretRedactingSpanProcessor } from './redact-spans.ts'
import { DEFAULT_FLUSH_TIMEOUT_MS } from './sdk-limits.ts'
import { serviceVersion } from './service-version.ts'
import { spanProcessorsFromEnv } from './span-processors.ts'

export type TelemetryOptions = {
  env?: Record<string, string | undefined>
  /** Tests pass in-memory processors and readers; otherwise they come from OTEL_* (OTLP by default). */
  spanProcessors?: SpanProcessor[]
  metricReaders?: IMetricReader[]
  logRecordProcessors?: LogRecordProcessor[]
}

export type Telemetry = {
  /** Flushes and stops all three signals; resolves false if `timeoutMs` passed first. */
  shutdown(timeoutMs?: number): Promise<boolean>
}

/**
 * Defaults the standard variables override (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
 * `service.version` is the running app's own (its package.json), not the kit's.
 */
function kitResource(env: Record<string, string | undefined>) {
  const version = serviceVersion()
  return defaultResource().merge(
    resourceFromAttributes({
      'service.name': DEFAULT_SERVICE_NAME,
      ...(version ? { 'service.version': version } : {}),
      'deployment.environment.name': env.APP_ENV || 'development',
    }),
  )
}

/**
 * The secret redactor first, then the exporting processors (the caller's, or those the
 * OTEL_* variables ask for). No exporting processor, no tracing at all.
 */
function spanProcessors(options: TelemetryOptions, env: Record<string, string | undefined>) {
  const exporting = options.spanProcessors ?? spanProcessorsFromEnv(env)
  if (exporting.length === 0) return []
  const redact = createRedactor({ secrets: secretsInEnv(env) })
  return [secretRedactingSpanProcessor(redact), ...exporting]
}

/**
 * For instruments the kit does not create (@hono/otel's): the contract's buckets, and only
 * the contract's attributes (it also stamps service.name on data points, which would clash
 * with the resource attribute Prometheus promotes to the same label).
 */
function views(): ViewOptions[] {
  const specs: readonly MetricSpec[] = KIT_METRICS
  return specs
    .filter((m) => m.source === '@hono/otel')
    .map((m) => ({
      instrumentName: m.name,
      attributesProcessors: [
        createAllowListAttributesProcessor([...m.attributes, ...(m.optionalAttributes ?? [])]),
      ],
      ...(m.buckets
        ? {
            aggregation: {
              type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
              options: { boundaries: [...m.buckets] },
            },
          }
        : {}),
    }))
}

function instrumentations() {
  return getNodeAutoInstrumentations({
    '@opentelemetry/instrumentation-fs': { enabled: false }, // one span per file read: noise
    '@opentelemetry/instrumentation-dns': { enabled: false },
    '@opentelemetry/instrumentation-net': { enabled: false },
    // @hono/otel makes the route-aware server span; a second, route-less one would only add noise.
    '@opentelemetry/instrumentation-http': { disableIncomingRequestInstrumentation: true },
    // Process CPU and memory; the host's own metrics come from the collector's hostmetrics receiver.
    '@opentelemetry/instrumentation-host-metrics': {
      enabled: true,
      metricGroups: ['process.cpu', 'process.memory'],
    },
  })
}

/**
 * Starts the OpenTelemetry Node SDK: traces, metrics and logs, configured by the standard
 * OTEL_* variables. Returns undefined when OTEL_SDK_DISABLED=true.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry | undefined {
  const env = options.env ?? process.env
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined
  // NodeSDK reads the interval from the process environment only.
  if (!process.env.OTEL_METRIC_EXPORT_INTERVAL)
    process.env.OTEL_METRIC_EXPORT_INTERVAL = String(
      env.OTEL_METRIC_EXPORT_INTERVAL || METRIC_EXPORT_INTERVAL_MS,
    )
  const sdk = new NodeSDK({
    resource: kitResource(env),
    instrumentations: instrumentations(),
    views: views(),
    spanProcessors: spanProcessors(options, env),
    ...(options.metricReaders ? { metricReaders: options.metricReaders } : {}),
    ...(options.logRecordProcessors ? { logRecordProcessors: options.logRecordProcessors } : {}),
  })
  warnOnExportErrors()
  sdk.start()
  // @opentelemetry/winston-transport (0.34, the newest) still writes to the pre-1.10 logs API
  // global, which the SDK no longer sets: without this bridge every winston record would be
  // dropped silently.
  legacyLogs.setGlobalLoggerProvider(
    logs.getLoggerProvider() as unknown as Parameters<typeof legacyLogs.setGlobalLoggerProvider>[0],
  )
  let stopping: Promise<boolean> | undefined
  return {
    shutdown(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      stopping ??= Promise.race([
        sdk.shutdown().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]).finally(() => legacyLogs.disable())
      return stopping
    },
  }
}
