import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRedactor, REDACTED } from './redact.ts'

describe('createRedactor', () => {
  it('masks values under secret-looking keys at any depth', () => {
    const redact = createRedactor()
    const out = redact({
      headers: { Authorization: 'Bearer abc', 'layercode-signature': 't=1,v1=ff', accept: '*/*' },
      nested: [{ api_key: 'k', apiKey: 'k2', note: 'fine' }],
    })
    assert.deepEqual(out, {
      headers: { Authorization: REDACTED, 'layercode-signature': REDACTED, accept: '*/*' },
      nested: [{ api_key: REDACTED, apiKey: REDACTED, note: 'fine' }],
    })
  })

  it('masks known secret values inside any string', () => {
    const redact = createRedactor({ secrets: ['sk-live-1234567890', undefined, 'short'] })
    assert.equal(redact('key is sk-live-1234567890!'), `key is ${REDACTED}!`)
    assert.deepEqual(redact({ msg: ['x sk-live-1234567890'] }), { msg: [`x ${REDACTED}`] })
    assert.equal(redact('short stays'), 'short stays')
  })

  it('honours a custom key pattern and leaves the input untouched', () => {
    const redact = createRedactor({ keyPattern: /^x-internal-/i })
    const input = { 'X-Internal-Id': '7', authorization: 'kept by this pattern' }
    assert.deepEqual(redact(input), {
      'X-Internal-Id': REDACTED,
      authorization: 'kept by this pattern',
    })
    assert.equal(input['X-Internal-Id'], '7')
  })
})
