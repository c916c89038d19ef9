import type { Instrumentation } from '@opentelemetry/instrumentation'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs'
import type { IMetricReader } from '@opentelemetry/sdk-metrics'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { SpanProcessor } from '@opentelemetry/sdk-trace'
import { allRefusing } from './collector-probe.ts'
import { DEFAULT_SERVICE_NAME, METRIC_EXPORT_INTERVAL_MS } from './contract.ts'
import { warnOnExportErrors } from './export-errors.ts'
import { useGenAiGenerations } from './genai-generation.ts'
import {
  envList,
  isOtlpExport,
  type OtlpSignal,
  otlpEndpoints,
  sdkDisabled,
} from './otlp-endpoints.ts'
import { createRedactor, secretsInEnv } from './redact.ts'
import { secretRedactingSpanProcessor } from './redact-spans.ts'
import { DEFAULT_FLUSH_TIMEOUT_MS } from './sdk-limits.ts'
import { serviceVersion } from './service-version.ts'
import { spanProcessorsFromEnv } from './span-processors.ts'

/** Options of `startTelemetry`; by default everything comes from the `OTEL_*` variables. */
export type TelemetryOptions = {
  env?: Record<string, string | undefined>
  /** Tests pass in-memory processors and readers; otherwise they come from OTEL_* (OTLP by default). */
  spanProcessors?: SpanProcessor[]
  metricReaders?: IMetricReader[]
  logRecordProcessors?: LogRecordProcessor[]
}

/** How a flush ended: `problem` says why data may have been lost. */
export type ShutdownOutcome = { ok: true } | { ok: false; problem: string }

/** A started SDK: flush and shut it down. */
export type Telemetry = {
  /**
   * Flushes and stops all three signals. Gives up after `timeoutMs` (a collector that does not
   * answer), or at once when no collector is listening at any OTLP endpoint (nothing to wait for).
   */
  shutdown(timeoutMs?: number): Promise<ShutdownOutcome>
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

/** Outbound node:http requests, less the SDK's own OTLP exports (they are not the app's calls). */
const httpConfig = (env: Record<string, string | undefined>) => ({
  disableIncomingRequestInstrumentation: true,
  ignoreOutgoingRequestHook: isOtlpExport(env),
})
const HOST_METRICS_CONFIG = { metricGroups: ['process.cpu', 'process.memory'] }

/**
 * Instrumentations that cost on every call for little a voice agent's trace needs: a span per
 * socket (`net`) and per lookup (`dns`); `fs` is off in auto-instrumentations-node already.
 * Winston's log records are the kit's format's (`otelLogFormat()`), which the instrumentation
 * would send a second time.
 */
const QUIET_BY_DEFAULT = ['net', 'dns', 'winston'] as const

/**
 * `@opentelemetry/auto-instrumentations-node`, so database, cache, queue and outbound HTTP
 * calls are traced with no code (pg, mysql, redis, ioredis, mongodb, undici, …), less the
 * per-operation noise (QUIET_BY_DEFAULT), plus process CPU and memory (the host's own come
 * from the collector). Incoming requests are the kit's middleware's, so the HTTP
 * instrumentation traces outbound calls only. OTEL_NODE_ENABLED_INSTRUMENTATIONS and
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS keep their standard meaning: an enabled list replaces
 * the default set, a disabled list removes from it.
 */
function defaultInstrumentationConfig(
  env: Record<string, string | undefined>,
): Record<string, { enabled?: boolean } & Record<string, unknown>> {
  const enabledList = envList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS)
  const disabledList = envList(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS)
  const config: Record<string, { enabled?: boolean } & Record<string, unknown>> = {
    '@opentelemetry/instrumentation-http': httpConfig(env),
    '@opentelemetry/instrumentation-host-metrics': HOST_METRICS_CONFIG,
  }
  if (enabledList.length > 0) return config
  for (const name of QUIET_BY_DEFAULT)
    config[`@opentelemetry/instrumentation-${name}`] = { enabled: false }
  // Off by default in auto-instrumentations-node; on in the kit's set unless disabled.
  if (!disabledList.includes('host-metrics'))
    config['@opentelemetry/instrumentation-host-metrics'] = {
      ...HOST_METRICS_CONFIG,
      enabled: true,
    }
  return config
}

/** The kit's instrumentation set for `env` (see above), for an app that starts its own NodeSDK. */
export async function defaultInstrumentations(
  env: Record<string, string | undefined> = process.env,
): Promise<Instrumentation[]> {
  const { getNodeAutoInstrumentations } = await import('@opentelemetry/auto-instrumentations-node')
  // auto-instrumentations-node reads the two lists from the process environment itself.
  const saved = {
    enabled: process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS,
    disabled: process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS,
  }
  setOrDelete('OTEL_NODE_ENABLED_INSTRUMENTATIONS', env.OTEL_NODE_ENABLED_INSTRUMENTATIONS)
  setOrDelete('OTEL_NODE_DISABLED_INSTRUMENTATIONS', env.OTEL_NODE_DISABLED_INSTRUMENTATIONS)
  try {
    return getNodeAutoInstrumentations(defaultInstrumentationConfig(env))
  } finally {
    setOrDelete('OTEL_NODE_ENABLED_INSTRUMENTATIONS', saved.enabled)
    setOrDelete('OTEL_NODE_DISABLED_INSTRUMENTATIONS', saved.disabled)
  }
}

function setOrDelete(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/**
 * Starts the OpenTelemetry Node SDK: traces, metrics and logs, configured by the standard
 * OTEL_* variables. Returns undefined when OTEL_SDK_DISABLED=true.
 */
export async function startTelemetry(
  options: TelemetryOptions = {},
): Promise<Telemetry | undefined> {
  const env = options.env ?? process.env
  if (sdkDisabled(env)) return undefined
  // The GenAI names the kit records follow the switch in the environment the SDK starts with.
  useGenAiGenerations(env)
  // NodeSDK reads the interval from the process environment only.
  if (!process.env.OTEL_METRIC_EXPORT_INTERVAL)
    process.env.OTEL_METRIC_EXPORT_INTERVAL = String(
      env.OTEL_METRIC_EXPORT_INTERVAL || METRIC_EXPORT_INTERVAL_MS,
    )
  const sdk = new NodeSDK({
    resource: kitResource(env),
    instrumentations: await defaultInstrumentations(env),
    spanProcessors: spanProcessors(options, env),
    ...(options.metricReaders ? { metricReaders: options.metricReaders } : {}),
    ...(options.logRecordProcessors ? { logRecordProcessors: options.logRecordProcessors } : {}),
  })
  warnOnExportErrors(otlpEndpoints(env).map((e) => e.url.origin))
  sdk.start()
  // Signals the caller supplied its own processors for (tests) are not probed.
  const own: Record<OtlpSignal, unknown> = {
    traces: options.spanProcessors,
    metrics: options.metricReaders,
    logs: options.logRecordProcessors,
  }
  const probed = otlpEndpoints(env).filter((e) => !own[e.signal])
  let stopping: Promise<ShutdownOutcome> | undefined
  return {
    shutdown(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      stopping ??= Promise.race<ShutdownOutcome>([
        sdk.shutdown().then(
          () => ({ ok: true }),
          (error: unknown) => ({
            ok: false,
            problem: `telemetry flush failed: ${error instanceof Error ? error.message : error}`,
          }),
        ),
        new Promise((resolve) =>
          setTimeout(
            () =>
              resolve({
                ok: false,
                problem: `telemetry flush timed out after ${timeoutMs} ms (the collector did not answer); some data may be lost`,
              }),
            timeoutMs,
          ).unref(),
        ),
        allRefusing(probed).then(({ url, code }) => ({
          ok: false,
          problem: `telemetry not flushed: the collector at ${url} was unreachable (${code}); what was not exported is lost`,
        })),
      ])
      return stopping
    },
  }
}
