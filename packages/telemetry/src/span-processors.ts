import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace'
import { envList } from './otlp-endpoints.ts'

type Env = Record<string, string | undefined>

function number(env: Env, name: string): number | undefined {
  const n = Number(env[name])
  return env[name] && Number.isFinite(n) && n >= 0 ? n : undefined
}

function otlpExporter(env: Env): SpanExporter {
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ||
    'http/protobuf'
  if (protocol === 'grpc') return new GrpcTraceExporter()
  if (protocol === 'http/json') return new JsonTraceExporter()
  return new ProtobufTraceExporter()
}

/**
 * The span processors NodeSDK would build from OTEL_TRACES_EXPORTER (otlp, console, none),
 * the OTLP protocol variables and OTEL_BSP_*. Built here because NodeSDK offers no way to put
 * a processor (the secret redactor) in front of the ones it builds from the environment.
 */
export function spanProcessorsFromEnv(env: Env): SpanProcessor[] {
  const names = envList(env.OTEL_TRACES_EXPORTER)
  if (names.includes('none')) return []
  return (names.length ? [...new Set(names)] : ['otlp']).flatMap((name): SpanProcessor[] => {
    if (name === 'console')
      return [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })]
    if (name !== 'otlp') {
      process.emitWarning(`OTEL_TRACES_EXPORTER: unsupported exporter "${name}" ignored`)
      return []
    }
    return [
      new BatchSpanProcessor({
        exporter: otlpExporter(env),
        maxQueueSize: number(env, 'OTEL_BSP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: number(env, 'OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: number(env, 'OTEL_BSP_EXPORT_TIMEOUT'),
        maxExportBatchSize: number(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    ]
  })
}
