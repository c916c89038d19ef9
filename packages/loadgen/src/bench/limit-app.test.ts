import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent } from 'node:http'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { cleanEnv } from '@layercode-kit/agent/testing'
import { sendWebhookOverHttp } from '@layercode-kit/protocol'
import { startOtlpReceiver } from '@layercode-kit/test-support'
import { recordTurnShape, shapeOf, type TurnShape } from './turn-shape.ts'

const SECRET = 'whsec_limit_test_0123456789'
const TURNS = 10

/** What a shape says, without values that differ from turn to turn. */
const outline = (shape: Pick<TurnShape, 'spans' | 'logs' | 'histograms'>) => ({
  spans: shape.spans.map((s) => [s.name, s.kind, s.parent, Object.keys(s.attributes).sort()]),
  logs: shape.logs.map((l) => [l.body, l.severityNumber, Object.keys(l.attributes).sort()]),
  histograms: shape.histograms
    .map((h) => [h.name, h.unit, h.bounds, h.attributes, h.perTurn])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
})

describe('the limit program (npm run bench)', () => {
  it("records per echo turn exactly the kit's spans, log records and histogram points", async () => {
    const kit = await recordTurnShape(SECRET)
    assert.ok(kit.spans.length >= 2 && kit.logs.length >= 1 && kit.histograms.length >= 5)
    const receiver = await startOtlpReceiver()
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./limit-app.ts', import.meta.url))],
      {
        env: cleanEnv({
          BENCH_TURN_SHAPE: JSON.stringify(kit),
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        }),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const http = new Agent({ keepAlive: true })
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      const { url } = JSON.parse(String((await lines.next()).value)) as { url: string }
      for (let n = 0; n < TURNS; n++) {
        const body = { type: 'message', turn_id: `lim-${n}`, conversation_id: 'c', session_id: 's' }
        const answer = await sendWebhookOverHttp({ url, secret: SECRET, body, agent: http })
        assert.deepEqual(
          answer.events,
          kit.answer.map((e) => ({ ...(e as object), turn_id: `lim-${n}` })),
        )
      }
    } finally {
      http.destroy()
      child.kill('SIGTERM') // flushes
      await once(child, 'exit')
      await receiver.close()
    }
    assert.deepEqual(outline(shapeOf(receiver.requests, TURNS, 'lim-0')), outline(kit))
  })
})
