import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { KeyedQueue } from './keyed-queue.ts'

describe('KeyedQueue', () => {
  it('runs one key in order, other keys alongside', async () => {
    const queue = new KeyedQueue()
    const log: string[] = []
    const task = (name: string, ms: number) => async () => {
      log.push(`${name} start`)
      await sleep(ms)
      log.push(`${name} end`)
      return name
    }
    const results = await Promise.all([
      queue.run('a', task('a1', 20)),
      queue.run('a', task('a2', 1)),
      queue.run('b', task('b1', 5)),
    ])
    assert.deepEqual(results, ['a1', 'a2', 'b1'])
    assert.deepEqual(log, ['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end'])
  })

  it('goes on after a failed task, and forgets a drained key', async () => {
    const queue = new KeyedQueue()
    const failed = queue.run('x', async () => {
      throw new Error('boom')
    })
    const next = queue.run('x', async () => 'next')
    await assert.rejects(failed, /boom/)
    assert.equal(await next, 'next')
    await sleep(0)
    assert.equal(queue.size, 0)
  })
})
