import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SentenceChunker } from './sentences.ts'

function chunkAll(deltas: string[]): string[] {
  const chunker = new SentenceChunker()
  return [...deltas.flatMap((delta) => chunker.push(delta)), ...chunker.flush()]
}

describe('SentenceChunker', () => {
  it('emits each sentence once it is complete, across deltas', () => {
    const chunker = new SentenceChunker()
    assert.deepEqual(chunker.push('Hello th'), [])
    assert.deepEqual(chunker.push('ere! How are'), ['Hello there! '])
    assert.deepEqual(chunker.push(' you? Fine'), ['How are you? '])
    assert.deepEqual(chunker.flush(), ['Fine'])
    assert.deepEqual(chunker.flush(), [])
  })

  it('keeps decimals and closing quotes inside the sentence', () => {
    assert.deepEqual(chunkAll(['It costs 3.50 today. He said "yes." ', 'Then left.']), [
      'It costs 3.50 today. ',
      'He said "yes." ',
      'Then left.',
    ])
  })

  it('cuts a long unpunctuated run after a space', () => {
    const text = 'word '.repeat(100)
    const chunks = chunkAll([text])
    assert.ok(chunks.length >= 2)
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 240)
      assert.ok(chunk.endsWith(' '), 'no word is split')
    }
    assert.equal(chunks.join(''), text)
  })

  it('reads naturally to a client that joins the chunks as they are', () => {
    const text = 'Sure. You asked: Hello there. Happy to help.'
    for (const deltas of [[text], text.split(''), text.split(' ').map((w, i) => (i ? ` ${w}` : w))])
      assert.equal(chunkAll(deltas).join(''), text)
    assert.deepEqual(chunkAll([text]), ['Sure. ', 'You asked: Hello there. ', 'Happy to help.'])
  })

  it('loses no text', () => {
    const text = 'One. Two! Three? Four… five'
    assert.equal(chunkAll(text.split('')).join(''), text)
  })
})
