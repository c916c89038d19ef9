import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SessionTracker } from './sessions.ts'

describe('SessionTracker', () => {
  it('counts open sessions per agent, 0 for an agent without any', () => {
    const tracker = new SessionTracker()
    tracker.track('bakery')
    tracker.track('echo')
    tracker.seen('s1', 'bakery')
    tracker.seen('s2', 'bakery')
    tracker.ended('s1')
    assert.deepEqual(
      [...tracker.counts()],
      [
        ['bakery', 1],
        ['echo', 0],
      ],
    )
  })

  it('tells the turns it saw of a session and their spend when it ends, nothing for one it never saw', () => {
    const tracker = new SessionTracker()
    for (let i = 0; i < 3; i++) tracker.seen('s1', 'bakery')
    tracker.addSpend('s1', 0.25)
    tracker.addSpend('elsewhere', 1)
    tracker.seen('s1', 'bakery')
    assert.deepEqual(tracker.ended('s1'), { turns: 4, spendUsd: 0.25 })
    assert.equal(tracker.ended('s1'), undefined, 'ended once')
    assert.equal(tracker.ended('elsewhere'), undefined)
  })

  it('reports 0, not nothing, for an agent whose sessions all ended, without track()', () => {
    // A user's app records sessions without calling track(): an idle agent still shows 0.
    const tracker = new SessionTracker()
    tracker.seen('s1', 'weather')
    tracker.ended('s1')
    assert.deepEqual([...tracker.counts()], [['weather', 0]])
  })

  it('is bounded by count: 100k starts without an end keep only the newest', () => {
    const tracker = new SessionTracker()
    tracker.track('echo', { maxSessions: 1000 })
    for (let i = 0; i < 100_000; i++) tracker.seen(`s${i}`, 'echo')
    assert.equal(tracker.size, 1000)
    assert.equal(tracker.counts().get('echo'), 1000)
  })

  it('forgets idle sessions without anyone reading the gauge', () => {
    let now = 0
    const tracker = new SessionTracker(() => now)
    tracker.track('echo', { idleTtlMs: 1000 })
    tracker.seen('old', 'echo')
    now = 600
    tracker.seen('recent', 'echo')
    now = 1500
    tracker.prune()
    assert.equal(tracker.size, 1)
    now = 3000
    tracker.prune()
    assert.equal(tracker.size, 0)
  })

  it('prunes on its own timer', async () => {
    let now = 0
    const tracker = new SessionTracker(() => now)
    tracker.track('echo', { idleTtlMs: 20 })
    tracker.seen('s', 'echo')
    now = 100
    await new Promise((resolve) => setTimeout(resolve, 80))
    assert.equal(tracker.size, 0)
  })
})
