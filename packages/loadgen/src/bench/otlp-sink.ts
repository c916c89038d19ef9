/**
 * The benchmark's OTLP/HTTP endpoint, in a process of its own so that receiving telemetry
 * never runs on the event loop that times the requests. Prints `{"url"}` once listening and
 * `{"requests","bytes"}` when told to stop (SIGTERM).
 */
import { startOtlpReceiver } from '@layercode-kit/test-support'

const sink = await startOtlpReceiver()
console.log(JSON.stringify({ url: sink.url }))
process.once('SIGTERM', async () => {
  const bytes = sink.requests.reduce((sum, r) => sum + r.bytes, 0)
  console.log(JSON.stringify({ requests: sink.requests.length, bytes }))
  await sink.close()
})
