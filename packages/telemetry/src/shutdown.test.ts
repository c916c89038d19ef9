import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { onShutdown, runShutdownHooks } from './shutdown.ts'

describe('runShutdownHooks', () => {
  it('runs every hook once and reports success', async () => {
    let runs = 0
    onShutdown(async () => {
      runs += 1
    })
    onShutdown(async () => true)
    assert.equal(await runShutdownHooks(1000), true)
    assert.equal(await runShutdownHooks(1000), true, 'hooks are not run twice')
    assert.equal(runs, 1)
  })

  it('reports a hook that failed, said false, or outlived the timeout', async () => {
    onShutdown(async () => false)
    assert.equal(await runShutdownHooks(1000), false)
    onShutdown(async () => {
      throw new Error('flush failed')
    })
    assert.equal(await runShutdownHooks(1000), false)
    onShutdown(() => new Promise(() => {}))
    const started = Date.now()
    assert.equal(await runShutdownHooks(50), false)
    assert.ok(Date.now() - started < 1000)
  })
})
