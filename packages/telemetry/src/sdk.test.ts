import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defaultInstrumentations } from './sdk.ts'

const names = async (env: Record<string, string>) =>
  (await defaultInstrumentations(env)).map((i) =>
    i.instrumentationName.replace(/^@opentelemetry\/instrumentation-/, ''),
  )

describe('defaultInstrumentations', () => {
  it('traces database, cache and outbound calls by default, without per-operation noise', async () => {
    const found = await names({})
    for (const name of ['http', 'undici', 'pg', 'mysql2', 'redis', 'ioredis', 'mongodb'])
      assert.ok(found.includes(name), `${name} in ${found}`)
    for (const name of ['runtime-node', 'host-metrics']) assert.ok(found.includes(name), name)
    for (const name of ['fs', 'net', 'dns', 'winston']) assert.ok(!found.includes(name), name)
  })

  it('OTEL_NODE_ENABLED_INSTRUMENTATIONS replaces the set, net and dns included if named', async () => {
    const found = await names({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, pg,net' })
    assert.deepEqual(found.sort(), ['http', 'net', 'pg'])
  })

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS removes from the default set', async () => {
    const found = await names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,host-metrics' })
    assert.ok(!found.includes('pg'))
    assert.ok(!found.includes('host-metrics'))
    assert.ok(found.includes('http'))
  })

  it('reads the given environment, and leaves the process environment as it was', async () => {
    process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'dns'
    try {
      assert.ok((await names({})).includes('pg'))
      assert.equal(process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS, 'dns')
    } finally {
      delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS
    }
  })
})
