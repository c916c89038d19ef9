/**
 * Stands behind the Tempo and Loki stand-ins: a collector (the same binary as the real one)
 * receives exactly what the kit's collector sends and re-exports it here as OTLP/JSON; each
 * request is appended to a file, one JSON line each.  node recorder.ts <port> <file>
 */
import { appendFileSync } from 'node:fs'
import { startOtlpReceiver } from '@layercode-kit/test-support'

const [port, file] = process.argv.slice(2) as [string, string]
// The stand-in's exporter retries nothing: the line is on disk before the answer.
await startOtlpReceiver({
  port: Number(port),
  onRequest: (request) =>
    appendFileSync(file, `${JSON.stringify({ path: request.path, body: request.json ?? {} })}\n`),
})
