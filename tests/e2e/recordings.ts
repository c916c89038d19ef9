/** What a Tempo or Loki stand-in received, read back from the recorder's JSON-lines file. */
import { existsSync, readFileSync } from 'node:fs'
import { type OtlpSignal, otlpItems } from '@layercode-kit/test-support'

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
