import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FirstSpeechClock } from './first-speech.ts'

/** A clock driven by hand: `at(ms)` moves time, then the event happens. */
function clockAt(arrived = 0) {
  let now = arrived
  const clock = new FirstSpeechClock(arrived, () => now)
  const at = (ms: number) => {
    now = ms
    return clock
  }
  return { clock, at }
}

describe('FirstSpeechClock', () => {
  it('splits a tool turn: queue, the tool-calling model call, the tool, the answer to its first text, the sentence', () => {
    const { clock, at } = clockAt(1000)
    at(1100).locked()
    at(1110).modelCallStarted()
    at(1300).modelCallEnded() // asked for a tool: the whole call counts
    at(1800).toolCallEnded(490)
    at(1805).modelCallStarted()
    at(1905).modelText('gpt-4o-mini')
    at(1915).modelText('gpt-4o-mini')
    at(1985).spoke()
    at(2500).modelCallEnded()
    at(2600).toolCallEnded(50) // after speech: not part of the wait
    assert.deepEqual(clock.parts(), { queueS: 0.1, modelS: 0.29, toolsS: 0.49, sentenceS: 0.08 })
    assert.equal(clock.model, 'gpt-4o-mini')
  })

  it('keeps a tool run between the first text and the first sentence out of the sentence part', () => {
    const { clock, at } = clockAt(0)
    at(0).locked()
    at(0).modelCallStarted()
    at(100).modelText('m')
    at(150).modelCallEnded()
    at(450).toolCallEnded(300)
    at(460).modelCallStarted()
    at(500).spoke()
    const parts = clock.parts()
    assert.equal(parts?.modelS, 0.1)
    assert.equal(parts?.toolsS, 0.3)
    assert.equal(parts?.sentenceS, 0.1, '500 - 100 - 300 ms')
  })

  it('has no parts for a turn that never spoke, and only a queue for one that spoke without a model', () => {
    const silent = clockAt(0)
    silent.at(5).locked()
    assert.equal(silent.clock.parts(), undefined)
    const welcome = clockAt(0)
    welcome.at(40).locked()
    welcome.at(41).spoke()
    assert.deepEqual(welcome.clock.parts(), { queueS: 0.04, modelS: 0, toolsS: 0, sentenceS: 0 })
    assert.equal(welcome.clock.model, undefined)
  })
})
