import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ModelMessage } from 'ai'
import { ConversationStore } from './store.ts'

const user = (text: string): ModelMessage => ({ role: 'user', content: text })

describe('ConversationStore', () => {
  it('returns turns in order and keeps only the last maxTurns', () => {
    const store = new ConversationStore({ maxTurns: 2 })
    for (const text of ['a', 'b', 'c']) store.appendTurn('c1', [user(text)])
    assert.deepEqual(store.history('c1'), [user('b'), user('c')])
    assert.deepEqual(store.history('other'), [])
  })

  it('evicts the least recently active conversation past maxConversations', () => {
    const store = new ConversationStore({ maxConversations: 2 })
    store.appendTurn('a', [user('1')])
    store.appendTurn('b', [user('1')])
    store.appendTurn('a', [user('2')])
    store.appendTurn('c', [user('1')])
    assert.equal(store.size, 2)
    assert.deepEqual(store.history('b'), [])
    assert.equal(store.history('a').length, 2)
  })

  it('keeps a conversation within its byte budget, forgetting its oldest turns first', () => {
    const store = new ConversationStore({ maxBytesPerConversation: 3000 })
    // 30 turns of ~900 bytes each: only the last three fit.
    for (let i = 0; i < 30; i++) store.appendTurn('c1', [user(`${i}:${'x'.repeat(880)}`)])
    const kept = store.history('c1').map((m) => String(m.content).split(':')[0])
    assert.deepEqual(kept, ['27', '28', '29'])
    assert.ok(store.bytes <= 3000, `${store.bytes} bytes`)
    // A single turn over the budget is not remembered; the earlier turns stay.
    store.appendTurn('c1', [user('y'.repeat(5000))])
    assert.equal(store.history('c1').length, 3)
  })

  it('keeps all conversations within the total byte budget, evicting the least recent', () => {
    const store = new ConversationStore({ maxBytesPerConversation: 2000, maxTotalBytes: 5000 })
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) store.appendTurn(id, [user('z'.repeat(950))])
    assert.ok(store.bytes <= 5000, `${store.bytes} bytes`)
    assert.deepEqual(store.history('a'), [])
    assert.equal(store.history('f').length, 1)
    store.drop('f')
    assert.ok(store.bytes < 5000 - 900)
  })

  it('expires idle conversations', () => {
    let now = 0
    const store = new ConversationStore({ idleTtlMs: 1000 }, () => now)
    store.appendTurn('a', [user('1')])
    now = 500
    store.appendTurn('b', [user('1')])
    now = 1200
    assert.deepEqual(store.history('a'), [])
    assert.equal(store.history('b').length, 1)
    now = 1600
    assert.equal(store.size, 0)
  })

  it('drops a conversation', () => {
    const store = new ConversationStore()
    store.appendTurn('a', [user('1')])
    assert.equal(store.drop('a'), true)
    assert.deepEqual(store.history('a'), [])
  })
})
