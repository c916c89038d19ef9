import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { sendWebhook, sendWebhookOverHttp } from '@layercode-kit/protocol'
import { ids, startTestServer, TEST_SECRET, type TestServer } from '../testing/agent-server.ts'

describe('webhook client, both transports', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ AGENT: 'echo' })
  })
  after(async () => {
    await server.stop()
  })
  const body = () => ({ type: 'message', ...ids('client'), turn_id: 't1', text: 'hello there' })

  it('fetch: the signed turn answered as SSE, events timed, first speech measured', async () => {
    const result = await sendWebhook({ url: server.webhookUrl, secret: TEST_SECRET, body: body() })
    assert.equal(result.status, 200)
    assert.equal(result.events.at(-1)?.event.type, 'response.end')
    assert.ok((result.firstTtsMs ?? -1) >= 0 && result.totalMs >= (result.firstTtsMs ?? 0))
  })

  it('node:http: the same events, through a keep-alive agent', async () => {
    const agent = new Agent({ keepAlive: true })
    try {
      const result = await sendWebhookOverHttp({
        url: server.webhookUrl,
        secret: TEST_SECRET,
        body: body(),
        agent,
      })
      assert.equal(result.status, 200)
      const types = result.events.map((e) => (e as { type: string }).type)
      assert.equal(types.at(-1), 'response.end')
      assert.ok(types.includes('response.tts'))
      assert.ok((result.firstTtsMs ?? -1) >= 0 && result.totalMs >= (result.firstTtsMs ?? 0))
    } finally {
      agent.destroy()
    }
  })

  it('node:http: a wrong secret is a 401, not an exception', async () => {
    const result = await sendWebhookOverHttp({
      url: server.webhookUrl,
      secret: 'wrong',
      body: body(),
    })
    assert.equal(result.status, 401)
    assert.deepEqual(result.events, [])
    assert.equal(result.firstTtsMs, undefined)
  })
})
