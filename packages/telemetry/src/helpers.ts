/**
 * Helpers for people writing their own agents: custom spans and metrics that land in the
 * same traces and Prometheus as everything else. Without an SDK running they do nothing.
 */
import type { Attributes, MeterProvider, Span } from '@opentelemetry/api'
import { perMeterProvider } from './instruments.ts'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.ts'
import { inSpan } from './tracing.ts'

/**
 * Runs `fn` inside a new span (a child of the current one) and returns its value. A thrown
 * error is recorded on the span (exception event, ERROR status, error.type) and rethrown.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  return inSpan(name, { attributes }, async (span) => fn(span))
}

/** A custom instrument's description and unit. */
export type MetricOptions = {
  description: string
  /** UCUM: `s`, `By`, `1`, or an annotation like `{order}`. Prometheus turns it into a suffix. */
  unit?: string
}

/** A counter whose attributes are typed. */
export type CounterHandle<A extends Attributes> = { add(value?: number, attributes?: A): void }
/** A histogram whose attributes are typed. */
export type HistogramHandle<A extends Attributes> = { record(value: number, attributes?: A): void }
/** A gauge whose attributes are typed. */
export type GaugeHandle<A extends Attributes> = { set(value: number, attributes?: A): void }

const meter = (provider: MeterProvider) => provider.getMeter(SCOPE_NAME, SCOPE_VERSION)

/** A monotonic counter: `orders.add(1, { item: 'croissant' })`. */
export function counter<A extends Attributes = Attributes>(
  name: string,
  options: MetricOptions,
): CounterHandle<A> {
  const get = perMeterProvider((provider) => meter(provider).createCounter(name, options))
  return { add: (value = 1, attributes) => get().add(value, attributes) }
}

/** A distribution, e.g. a latency in seconds; `buckets` sets explicit boundaries. */
export function histogram<A extends Attributes = Attributes>(
  name: string,
  options: MetricOptions & { buckets?: number[] },
): HistogramHandle<A> {
  const { buckets, ...rest } = options
  const get = perMeterProvider((provider) =>
    meter(provider).createHistogram(name, {
      ...rest,
      ...(buckets ? { advice: { explicitBucketBoundaries: buckets } } : {}),
    }),
  )
  return { record: (value, attributes) => get().record(value, attributes) }
}

/** The current value of something, e.g. a queue length. */
export function gauge<A extends Attributes = Attributes>(
  name: string,
  options: MetricOptions,
): GaugeHandle<A> {
  const get = perMeterProvider((provider) => meter(provider).createGauge(name, options))
  return { set: (value, attributes) => get().record(value, attributes) }
}
