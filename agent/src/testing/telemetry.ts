import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace'
import { startInstrumented } from '../telemetry/instrumented.ts'
import type { Telemetry } from '../telemetry/sdk.ts'

/** A reader the test collects from on demand. */
class OnDemandMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export type CapturedTelemetry = {
  telemetry: Telemetry
  spans: InMemorySpanExporter
  logs: InMemoryLogRecordExporter
  collectMetrics(): Promise<ResourceMetrics>
}

/** The real SDK bootstrap (the same as --import register.ts) with in-memory exporters. */
export async function captureTelemetry(
  env: Record<string, string | undefined> = process.env,
): Promise<CapturedTelemetry> {
  const spans = new InMemorySpanExporter()
  const logs = new InMemoryLogRecordExporter()
  const reader = new OnDemandMetricReader()
  const telemetry = await startInstrumented({
    env,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
    metricReaders: [reader],
  })
  if (!telemetry) throw new Error('telemetry is disabled (OTEL_SDK_DISABLED)')
  return {
    telemetry,
    spans,
    logs,
    async collectMetrics() {
      const { resourceMetrics, errors } = await reader.collect()
      if (errors.length) throw new AggregateError(errors)
      return resourceMetrics
    },
  }
}

/** The chain of span names from the root down to `span`. */
export function ancestry(span: ReadableSpan, all: readonly ReadableSpan[]): string[] {
  const byId = new Map(all.map((s) => [s.spanContext().spanId, s]))
  const chain: string[] = []
  for (let s: ReadableSpan | undefined = span; s; s = byId.get(s.parentSpanContext?.spanId ?? ''))
    chain.unshift(s.name)
  return chain
}
