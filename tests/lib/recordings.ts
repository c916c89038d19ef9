/** What a Tempo or Loki stand-in received, read back from the recorder's JSON-lines file. */
import { existsSync, readFileSync } from 'node:fs'
import { attributesOf, type OtlpSignal, otlpItems } from '@layercode-kit/test-support'
import type { LogView, SpanView } from './expectations.ts'

/** Every span or log record in `file` (recorder.ts's output), with its resource and scope. */
export function readRecording(file: string, signal: OtlpSignal): Array<Record<string, unknown>> {
  if (!existsSync(file)) return []
  const requests = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { path: string; body: Record<string, unknown> })
    .map((r) => ({ path: r.path, json: r.body }))
  return otlpItems(requests, signal)
}

/** A recorded span as the expectations read it. */
export const spanView = (item: Record<string, unknown>): SpanView => ({
  name: String(item.name),
  traceId: String(item.traceId ?? ''),
  spanId: String(item.spanId ?? ''),
  parentSpanId: String(item.parentSpanId ?? ''),
  attributes: attributesOf(item),
  resource: attributesOf(item.resource),
})
/** A recorded log record as the expectations read it. */
export const logView = (item: Record<string, unknown>): LogView => ({
  body: String((item.body as { stringValue?: string } | undefined)?.stringValue ?? ''),
  traceId: String(item.traceId ?? ''),
  spanId: String(item.spanId ?? ''),
  attributes: attributesOf(item),
  resource: attributesOf(item.resource),
})
