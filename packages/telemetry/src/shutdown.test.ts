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
    onShutdown(async () => ({ ok: true }))
    assert.deepEqual(await runShutdownHooks(1000), { done: true, problems: [] })
    assert.deepEqual(await runShutdownHooks(1000), { done: true, problems: [] }, 'not run twice')
    assert.equal(runs, 1)
  })

  it('reports a hook that failed, said false or why, or outlived the timeout', async () => {
    onShutdown(async () => false)
    assert.equal((await runShutdownHooks(1000)).done, false)
    onShutdown(async () => {
      throw new Error('flush failed')
    })
    assert.deepEqual(await runShutdownHooks(1000), { done: false, problems: ['flush failed'] })
    onShutdown(async () => ({ ok: false, problem: 'the collector was unreachable' }))
    onShutdown(async () => undefined)
    assert.deepEqual(await runShutdownHooks(1000), {
      done: false,
      problems: ['the collector was unreachable'],
    })
    onShutdown(() => new Promise(() => {}))
    const started = Date.now()
    const late = await runShutdownHooks(50)
    assert.equal(late.done, false)
    assert.match(late.problems[0] ?? '', /still running after 50 ms/)
    assert.ok(Date.now() - started < 1000)
  })
})
