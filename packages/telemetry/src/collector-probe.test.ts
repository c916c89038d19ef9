import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { freePort } from '@layercode-kit/test-support'
import { allRefusing } from './collector-probe.ts'
import { otlpEndpoints } from './otlp-endpoints.ts'

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))])

describe('allRefusing', () => {
  it('resolves when nothing listens at any endpoint, and waits while one accepts', async () => {
    const dead = await freePort()
    const endpoints = otlpEndpoints({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}` })
    assert.deepEqual(await within(allRefusing(endpoints), 2000), {
      url: `http://127.0.0.1:${dead}`,
      code: 'ECONNREFUSED',
    })
    const live = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve))
    const { port } = live.address() as { port: number }
    try {
      const mixed = otlpEndpoints({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
      })
      assert.equal(await within(allRefusing(mixed), 500), 'pending', 'traces can still go')
      assert.equal(await within(allRefusing([]), 100), 'pending', 'nothing to probe')
    } finally {
      await new Promise((resolve) => live.close(resolve))
    }
  })
})
