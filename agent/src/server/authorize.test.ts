import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { startTestServer, type TestServer } from '../testing/agent-server.ts'
import { AUTHORIZE_PATH } from './authorize.ts'

const API_KEY = 'lc_live_test_api_key_123456'

type Seen = { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }

/** A real HTTP server on loopback standing in for LayerCode's REST API. */
async function startUpstream(
  answer: (seen: Seen) => { status: number; body: unknown; delayMs?: number },
) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const record = { method: req.method, url: req.url, headers: req.headers, body }
      seen.push(record)
      const { status, body: out, delayMs } = answer(record)
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out))
      }, delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const closeServer = (server: Server) => {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(resolve))
}

async function post(agent: TestServer, body: unknown) {
  const res = await fetch(`${agent.url}/api/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('POST /api/authorize', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>
  let agent: TestServer
  before(async () => {
    upstream = await startUpstream((seen) => {
      const body = JSON.parse(seen.body)
      if (body.agent_id === 'forbidden') return { status: 403, body: { error: 'agent not yours' } }
      if (body.agent_id === 'hang') return { status: 200, body: {}, delayMs: 1000 }
      return {
        status: 200,
        body: {
          client_session_key: 'csk_123',
          conversation_id: body.conversation_id ?? 'conv_new',
        },
      }
    })
    agent = await startTestServer({
      LAYERCODE_API_KEY: API_KEY,
      LAYERCODE_API_BASE_URL: upstream.url,
      LAYERCODE_API_TIMEOUT_MS: '200',
    })
  })
  after(async () => {
    await agent.stop()
    await closeServer(upstream.server)
  })

  it('forwards the body with the server key and returns the session key', async () => {
    const res = await post(agent, {
      agent_id: 'ag_1',
      conversation_id: 'conv_7',
      custom_metadata: { plan: 'pro' },
    })
    assert.deepEqual(res, {
      status: 200,
      body: { client_session_key: 'csk_123', conversation_id: 'conv_7' },
    })
    const seen = upstream.seen.at(-1)
    assert.equal(seen?.method, 'POST')
    assert.equal(seen?.url, AUTHORIZE_PATH)
    assert.equal(seen?.headers.authorization, `Bearer ${API_KEY}`)
    assert.deepEqual(JSON.parse(seen?.body ?? ''), {
      agent_id: 'ag_1',
      conversation_id: 'conv_7',
      custom_metadata: { plan: 'pro' },
    })
  })

  it('passes upstream errors through with their status and body', async () => {
    assert.deepEqual(await post(agent, { agent_id: 'forbidden' }), {
      status: 403,
      body: { error: 'agent not yours' },
    })
  })

  it('answers 504 when LayerCode does not answer in time', async () => {
    const res = await post(agent, { agent_id: 'hang' })
    assert.equal(res.status, 504)
    assert.equal((res.body.error as { code: string }).code, 'upstream_timeout')
  })

  it('answers 400 naming the field for a bad body, and for invalid JSON', async () => {
    const missing = await post(agent, { conversation_id: 'c' })
    assert.equal(missing.status, 400)
    assert.match((missing.body.error as { message: string }).message, /^agent_id: /)
    const wrongType = await post(agent, { agent_id: 'a', custom_headers: { x: 1 } })
    assert.equal(wrongType.status, 400)
    assert.match((wrongType.body.error as { message: string }).message, /^custom_headers\.x: /)
    assert.equal((await post(agent, '{nope')).status, 400)
  })

  it('answers 400, not 502, for a body nested thousands of levels deep, and never calls LayerCode', async () => {
    const calls = upstream.seen.length
    const deep = `{"agent_id":"a","config":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`
    const res = await post(agent, deep)
    assert.equal(res.status, 400)
    assert.equal((res.body.error as { code: string }).code, 'too_deep')
    assert.equal(upstream.seen.length, calls)
  })

  it('answers 502 when LayerCode is unreachable', async () => {
    const closed = await startUpstream(() => ({ status: 200, body: {} }))
    await closeServer(closed.server) // a port nothing listens on any more
    const unreachable = await startTestServer({
      LAYERCODE_API_KEY: API_KEY,
      LAYERCODE_API_BASE_URL: closed.url,
    })
    try {
      const res = await post(unreachable, { agent_id: 'ag_1' })
      assert.equal(res.status, 502)
      assert.equal((res.body.error as { code: string }).code, 'upstream_unreachable')
    } finally {
      await unreachable.stop()
    }
  })

  it('answers a clear 500 when LAYERCODE_API_KEY is unset', async () => {
    const keyless = await startTestServer({ LAYERCODE_API_BASE_URL: upstream.url })
    try {
      const before = upstream.seen.length
      const res = await post(keyless, { agent_id: 'ag_1' })
      assert.deepEqual(res, {
        status: 500,
        body: {
          error: { code: 'api_key_missing', message: 'LAYERCODE_API_KEY is not set on the server' },
        },
      })
      assert.equal(upstream.seen.length, before, 'nothing was sent upstream')
    } finally {
      await keyless.stop()
    }
  })

  it('uses LAYERCODE_AGENT_ID when the browser sends no agent_id', async () => {
    const withDefault = await startTestServer({
      LAYERCODE_API_KEY: API_KEY,
      LAYERCODE_API_BASE_URL: upstream.url,
      LAYERCODE_AGENT_ID: 'ag_default',
    })
    try {
      assert.equal((await post(withDefault, {})).status, 200)
      assert.equal(JSON.parse(upstream.seen.at(-1)?.body ?? '').agent_id, 'ag_default')
    } finally {
      await withDefault.stop()
    }
  })
})
