import { trace } from '@opentelemetry/api'
import { withSpan } from './telemetry/helpers.ts'
import { captureTelemetry } from './testing/telemetry.ts'

const captured = await captureTelemetry()
const v = await withSpan('outer', {}, async () => {
  await new Promise((r) => setTimeout(r, 5))
  return withSpan('inner', {}, () => 'x')
})
const ended = Date.now()
await captured.flush()
console.log('after flush', captured.spans.getFinishedSpans().length, Date.now() - ended, 'ms')
await new Promise((r) => setTimeout(r, 300))
console.log('after 300', captured.spans.getFinishedSpans().length)
const res =
  (trace.getTracerProvider() as any)._delegate?._resource ??
  (trace.getTracerProvider() as any)._delegate?.resource
console.log('resource pending', res?.asyncAttributesPending)
await captured.telemetry.shutdown()
