import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { signPayload } from '@layercode-kit/protocol'
import { Attr } from '@layercode-kit/telemetry'
import { captureTelemetry } from '@layercode-kit/telemetry/testing'
import { SpanStatusCode } from '@opentelemetry/api'

// The SDK first, then the app's modules, as the CLI starts them.
const captured = await captureTelemetry({ ...process.env, APP_ENV: 'test' })
const { startTestServer, TEST_SECRET } = await import('../testing/agent-server.ts')

type Upload = {
  name: string
  /** What the client writes; the socket is closed after it unless `wait` is set. */
  bytes: (path: string) => string
  path: string
  /** The status the client must read, or null: it hung up before any answer. */
  client: number | null
  /** The status recorded in the request log, the SERVER span and the request metric. */
  recorded: number
}

/** Each case's own trace (its traceparent), so its SERVER span is found by its trace id. */
const traceId = (i: number) => String(i + 1).padStart(32, '0') // all zeros is invalid

const chunkedHead = (path: string, extra = '') =>
  `POST ${path}?case=CASE HTTP/1.1\r\nHost: a\r\nX-Request-Id: case-CASE\r\nTraceparent: 00-0000000000000000000000000000000CASE-00f067aa0ba902b7-01\r\nContent-Type: application/json\r\n${extra}Transfer-Encoding: chunked\r\n\r\n`

const signed = (body: string) =>
  `layercode-signature: ${signPayload(TEST_SECRET, body, Math.floor(Date.now() / 1000))}\r\n`

const UPLOADS: Upload[] = [
  ...['/api/authorize', '/api/agent'].map((path) => ({
    name: `a chunked upload aborted mid-body on ${path}`,
    path,
    bytes: (p: string) => `${chunkedHead(p)}5\r\n{"age\r\n`,
    client: null,
    recorded: 499,
  })),
  {
    name: 'a signed chunked webhook aborted mid-body',
    path: '/api/agent',
    bytes: (p) => `${chunkedHead(p, signed('{"type":"message"}'))}5\r\n{"typ\r\n`,
    client: null,
    recorded: 499,
  },
  {
    name: 'a bad chunk size',
    path: '/api/agent',
    bytes: (p) => `${chunkedHead(p)}zz\r\n{}\r\n0\r\n\r\n`,
    client: 400,
    recorded: 400,
  },
  {
    name: 'an unsupported transfer coding',
    path: '/api/authorize',
    bytes: (p) =>
      `POST ${p}?case=CASE HTTP/1.1\r\nHost: a\r\nX-Request-Id: case-CASE\r\nTraceparent: 00-0000000000000000000000000000000CASE-00f067aa0ba902b7-01\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{"agent_id":"a"}`,
    client: 400,
    recorded: 400,
  },
  {
    name: 'a Content-Length shorter than the body',
    path: '/api/agent',
    bytes: (p) =>
      `POST ${p}?case=CASE HTTP/1.1\r\nHost: a\r\nX-Request-Id: case-CASE\r\nTraceparent: 00-0000000000000000000000000000000CASE-00f067aa0ba902b7-01\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"type":"message","turn_id":"t"}`,
    client: 400,
    recorded: 400,
  },
  {
    name: 'two Host headers',
    path: '/api/agent',
    bytes: (p) =>
      `POST ${p}?case=CASE HTTP/1.1\r\nHost: a\r\nX-Request-Id: case-CASE\r\nTraceparent: 00-0000000000000000000000000000000CASE-00f067aa0ba902b7-01\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    client: 400,
    recorded: 400,
  },
]

/** Writes the bytes, closes the writing side (an abort: the whole socket), returns what came back. */
async function send(port: number, bytes: string, abort: boolean): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString()
  })
  socket.on('error', () => {})
  socket.write(bytes)
  if (abort) {
    await sleep(100) // the server has the headers and the first chunk
    socket.destroy()
  } else {
    await Promise.race([once(socket, 'close'), sleep(3000)])
    socket.destroy()
  }
  return received
}

describe('uploads that fail in transit', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>
  const answers = new Map<string, string>()
  before(async () => {
    server = await startTestServer({ AGENT: 'echo', LOG_LEVEL: 'debug', LAYERCODE_API_KEY: 'k' })
    for (const [i, upload] of UPLOADS.entries())
      answers.set(
        upload.name,
        await send(
          server.port,
          upload
            .bytes(upload.path)
            .replaceAll('0000000000000000000000000000000CASE', traceId(i))
            .replaceAll('CASE', String(i)),
          upload.client === null,
        ),
      )
    await sleep(300)
    await captured.flush()
  })
  after(() => server.stop())

  for (const [i, upload] of UPLOADS.entries())
    it(`${upload.name}: the client got ${upload.client ?? 'no answer'}, and the log, span and metric say ${upload.recorded}`, async () => {
      const answer = answers.get(upload.name) ?? ''
      if (upload.client === null) assert.equal(answer, '')
      else assert.match(answer, new RegExp(`^HTTP/1\\.1 ${upload.client} `), answer)
      const line = server
        .logs()
        .find(
          (l) =>
            l.message === 'request' &&
            (l.headers as Record<string, string> | undefined)?.['x-request-id'] === `case-${i}`,
        )
      assert.equal(line?.['http.response.status_code'], upload.recorded, 'the request log line')
      const span = captured.spans
        .getFinishedSpans()
        .find((s) => s.spanContext().traceId === traceId(i))
      assert.ok(span, 'the SERVER span, in the trace the client sent')
      assert.equal(span.attributes[Attr.HttpStatus], upload.recorded)
      assert.equal(span.status.code, SpanStatusCode.UNSET, 'a client fault leaves the status unset')
      const statuses = (await captured.collectMetrics()).scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === 'http.server.request.duration')
        .flatMap((m) => m.dataPoints.map((p) => p.attributes))
        .filter((a) => a[Attr.HttpRoute] === upload.path)
        .map((a) => Number(a[Attr.HttpStatus]))
      assert.ok(statuses.includes(upload.recorded), `metric statuses ${statuses}`)
    })

  it('none of them is a server error anywhere', async () => {
    assert.ok(!server.logs().some((l) => l.level === 'error'), 'no error log line')
    assert.ok(!server.logs().some((l) => Number(l['http.response.status_code']) >= 500))
    assert.ok(
      !captured.spans.getFinishedSpans().some((s) => s.status.code === SpanStatusCode.ERROR),
      'no ERROR span',
    )
    const statuses = (await captured.collectMetrics()).scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === 'http.server.request.duration')
      .flatMap((m) => m.dataPoints.map((p) => Number(p.attributes[Attr.HttpStatus])))
    assert.ok(!statuses.some((s) => s >= 500), `statuses ${statuses}`)
    assert.equal((await fetch(`${server.url}/health`)).status, 200, 'the agent still serves')
  })
})
