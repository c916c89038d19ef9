import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { describe, it } from 'node:test'
import { startTestServer } from '../testing/agent-server.ts'

/** Resolves with what the server wrote before it closed the socket. */
function closedBy(socket: Socket): Promise<string> {
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString()
  })
  socket.on('error', () => {})
  return once(socket, 'close').then(() => received)
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  return socket
}

describe('connection limits', () => {
  it('refuses sockets past AGENT_MAX_CONNECTIONS and serves again once they close', async () => {
    const server = await startTestServer({ AGENT: 'echo', AGENT_MAX_CONNECTIONS: '5' })
    try {
      const sockets = await Promise.all(Array.from({ length: 8 }, () => open(server.port)))
      const closed = sockets.map((s) => closedBy(s))
      await new Promise((r) => setTimeout(r, 300))
      const stillOpen = sockets.filter((s) => !s.destroyed && !s.closed)
      assert.equal(stillOpen.length, 5, 'three sockets past the cap were dropped')
      for (const s of sockets) s.destroy()
      await Promise.all(closed)
      assert.equal((await fetch(`${server.url}/health`)).status, 200)
    } finally {
      await server.stop()
    }
  })

  it('drops a client that never finishes its headers, and one that never finishes its body', async () => {
    const server = await startTestServer({
      AGENT: 'echo',
      AGENT_HEADERS_TIMEOUT_MS: '300',
      AGENT_REQUEST_TIMEOUT_MS: '600',
    })
    try {
      const slowHeaders = await open(server.port)
      slowHeaders.write('POST /api/agent HTTP/1.1\r\nHost: x\r\n')
      const slowBody = await open(server.port)
      slowBody.write('POST /api/agent HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{')
      const [headersAnswer, bodyAnswer] = await Promise.all([
        closedBy(slowHeaders),
        closedBy(slowBody),
      ])
      assert.match(headersAnswer, /^HTTP\/1\.1 408/)
      assert.match(bodyAnswer, /^HTTP\/1\.1 408/)
      assert.ok(!server.logs().some((l) => l.message === 'unhandled error'))
    } finally {
      await server.stop()
    }
  })
})
