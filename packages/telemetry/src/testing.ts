import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { startInstrumented } from './bootstrap.ts'
import type { Telemetry } from './sdk.ts'

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
  /** Waits for ended spans and emitted logs to reach the exporters (3.x processors export asynchronously). */
  flush(): Promise<void>
}

/** The real SDK bootstrap (the same as --import register.ts) with in-memory exporters. */
export async function captureTelemetry(
  env: Record<string, string | undefined> = process.env,
): Promise<CapturedTelemetry> {
  const spans = new InMemorySpanExporter()
  const logs = new InMemoryLogRecordExporter()
  const reader = new OnDemandMetricReader()
  const spanProcessor = new SimpleSpanProcessor({ exporter: spans })
  const logProcessor = new SimpleLogRecordProcessor({ exporter: logs })
  const telemetry = await startInstrumented({
    env,
    spanProcessors: [spanProcessor],
    logRecordProcessors: [logProcessor],
    metricReaders: [reader],
  })
  if (!telemetry) throw new Error('telemetry is disabled (OTEL_SDK_DISABLED)')
  return {
    telemetry,
    spans,
    logs,
    async flush() {
      await Promise.all([spanProcessor.forceFlush(), logProcessor.forceFlush()])
    },
    async collectMetrics() {
      const { resourceMetrics, errors } = await reader.collect()
      if (errors.length) throw new AggregateError(errors)
      return resourceMetrics
    },
  }
}
