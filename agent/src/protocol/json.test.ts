import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jsonDepth, MAX_JSON_DEPTH, parseJson } from './json.ts'

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

describe('parseJson', () => {
  it('measures nesting, not brackets inside strings', () => {
    assert.equal(jsonDepth('{"a":[1,{"b":"[[[{{{"}]}'), 3)
    assert.equal(jsonDepth('"\\"[[["'), 0)
    assert.equal(jsonDepth(nested(5000)), 5000)
  })

  it('refuses a body deeper than the limit before parsing it', () => {
    const deep = parseJson(nested(5000))
    assert.equal(deep.ok, false)
    assert.match(deep.ok ? '' : deep.message, /nests 5000 levels deep; at most 32/)
    assert.deepEqual(parseJson(nested(MAX_JSON_DEPTH)).ok, true)
  })

  it('says why invalid JSON is invalid', () => {
    const bad = parseJson('{"a":')
    assert.equal(bad.ok, false)
    assert.match(bad.ok ? '' : bad.message, /^body is not valid JSON: /)
  })
})
