import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { closeConnections, closedLoop, merge, ratioByRound, type Sample } from './drive.ts'

describe('the benchmark driver', () => {
  // Turn n: n % 3 = 0 answers 500, 1 drops the connection, 2 streams a whole answer.
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk
    })
    req.on('end', () => {
      const n = Number((JSON.parse(body) as { turn_id: string }).turn_id)
      if (n % 3 === 0) res.writeHead(500).end()
      else if (n % 3 === 1) req.socket.destroy()
      else
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .end('data: {"type":"response.tts","content":"hi"}\n\ndata: {"type":"response.end"}\n\n')
    })
  })
  after(() => {
    closeConnections()
    server.close()
  })

  it('counts failed turns by their reason', async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const target = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      secret: 'whsec_test',
      pid: process.pid,
      body: (n: number) => ({ type: 'message', turn_id: String(n) }),
    }
    const sample = merge([await closedLoop(target, 1, 0.2), await closedLoop(target, 1, 0.2)])
    const refused = sample.failures['http 500'] ?? 0
    const dropped = sample.failed - refused
    assert.ok(sample.turns > 0, 'whole answers count as turns')
    assert.ok(refused > 0, JSON.stringify(sample.failures))
    assert.ok(dropped > 0, JSON.stringify(sample.failures))
    // Each of the three outcomes comes round in turn (the counter restarts per loop).
    assert.ok(Math.abs(sample.turns - refused) <= 2, JSON.stringify(sample))
    const reasons = Object.values(sample.failures).reduce((a, b) => a + b, 0)
    assert.equal(reasons, sample.failed)
    const network = Object.keys(sample.failures).filter((reason) => reason !== 'http 500')
    assert.ok(
      network.every((reason) => /^E[A-Z]+$/.test(reason)),
      JSON.stringify(sample.failures),
    )
  })

  it('pairs round i of every mode for a ratio, and the merged samples for the run', () => {
    // Two rounds of `on` and `off`, told apart by their CPU seconds.
    const sample = (cpuSeconds: number): Sample => ({
      turns: 1000,
      seconds: 1,
      latencies: [],
      firstSpeech: [],
      failed: 0,
      failures: {},
      skipped: 0,
      driverLoad: 0.3,
      agentCpuSeconds: cpuSeconds,
    })
    const rounds = (a: number, b: number) => {
      const both = [sample(a), sample(b)]
      return { ...merge(both), rounds: both }
    }
    const ratio = ratioByRound(
      { on: rounds(300, 500), off: rounds(200, 250) },
      (r) => r.on.agentCpuSeconds / r.off.agentCpuSeconds,
    )
    assert.deepEqual(ratio.rounds, [1.5, 2])
    assert.equal(ratio.merged, 800 / 450)
  })
})
