import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { limitBody } from './body-limit.ts'

function app() {
  const hono = new Hono()
  hono.post('/', limitBody({ maxBytes: 10 }), async (c) => c.text(await c.req.text()))
  hono.onError((error, c) =>
    error instanceof HTTPException ? c.text(error.message, error.status) : c.text('boom', 500),
  )
  return hono
}

const post = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
  app().request('/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit)

/** A chunked body (no Content-Length), and whether anything pulled from it. */
function chunked(text: string) {
  const pulled = { value: false }
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled.value = true
        controller.enqueue(new TextEncoder().encode(text))
        controller.close()
      },
    },
    { highWaterMark: 0 }, // pulled only when someone reads
  )
  return { body, pulled }
}

describe('limitBody', () => {
  it('passes a body within the limit to the handler, whole', async () => {
    const res = await post('0123456789')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '0123456789')
  })

  it('answers 413 from the Content-Length alone, without reading the body', async () => {
    const { body, pulled } = chunked('x'.repeat(11))
    const res = await post(body, { 'content-length': '11' })
    assert.equal(res.status, 413)
    assert.match(await res.text(), /body exceeds 10 bytes/)
    assert.equal(pulled.value, false)
  })

  it('counts a chunked body as it streams: 413 over the limit, passed through within it', async () => {
    const res = await post(chunked('x'.repeat(11)).body)
    assert.equal(res.status, 413)
    const ok = await post(chunked('short').body)
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'short')
  })
})
