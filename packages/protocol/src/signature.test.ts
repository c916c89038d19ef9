import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signPayload, verifySignature } from './signature.ts'

const secret = 'whsec_test'
const body = Buffer.from('{"type":"message","text":"héllo"}')
const now = 1_764_715_092

describe('verifySignature', () => {
  it('accepts a signature made over the exact raw bytes', () => {
    const header = signPayload(secret, body, now)
    assert.deepEqual(verifySignature({ header, rawBody: body, secret, nowSeconds: now }), {
      ok: true,
    })
  })

  it('accepts a timestamp exactly at the tolerance edge and rejects one past it', () => {
    const header = signPayload(secret, body, now - 300)
    assert.equal(verifySignature({ header, rawBody: body, secret, nowSeconds: now }).ok, true)
    const late = verifySignature({ header, rawBody: body, secret, nowSeconds: now + 1 })
    assert.deepEqual(late, { ok: false, reason: 'stale' })
  })

  it('rejects future timestamps beyond the tolerance', () => {
    const header = signPayload(secret, body, now + 301)
    const check = verifySignature({ header, rawBody: body, secret, nowSeconds: now })
    assert.deepEqual(check, { ok: false, reason: 'stale' })
  })

  it('names why a header fails', () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'missing'],
      ['', 'missing'],
      ['v1=abc', 'malformed'],
      [`t=${now},v1=zz`, 'malformed'],
      [`t=${now},v1=${'0'.repeat(64)}`, 'mismatch'],
    ]
    for (const [header, reason] of cases) {
      assert.deepEqual(verifySignature({ header, rawBody: body, secret, nowSeconds: now }), {
        ok: false,
        reason,
      })
    }
  })

  it('rejects a body changed by one byte and a different secret', () => {
    const header = signPayload(secret, body, now)
    const tampered = Buffer.from(body)
    tampered[tampered.length - 2] = 0x21
    assert.equal(verifySignature({ header, rawBody: tampered, secret, nowSeconds: now }).ok, false)
    assert.equal(
      verifySignature({ header, rawBody: body, secret: 'other', nowSeconds: now }).ok,
      false,
    )
  })

  it('takes components in any order, ignores unknown ones, and tries every v1', () => {
    const v1 = signPayload(secret, body, now).split(',v1=')[1] ?? ''
    const wrong = '0'.repeat(64)
    for (const header of [
      `v1=${v1},t=${now}`,
      `t=${now},v1=${v1},v0=deadbeef`,
      `v0=old, t=${now}, v1=${v1}`,
      `t=${now},v1=${wrong},v1=${v1}`,
      ` t=${now} ,v1=${v1.toUpperCase()} `,
    ])
      assert.deepEqual(
        verifySignature({ header, rawBody: body, secret, nowSeconds: now }),
        { ok: true },
        header,
      )
    for (const [header, reason] of [
      [`t=${now},t=${now},v1=${v1}`, 'malformed'],
      [`t=${now},v0=${v1}`, 'malformed'],
      [`t=-1,v1=${v1}`, 'malformed'],
      [`t=${now},v1=${wrong},v2=${v1}`, 'mismatch'],
    ] as const)
      assert.deepEqual(
        verifySignature({ header, rawBody: body, secret, nowSeconds: now }),
        { ok: false, reason },
        header,
      )
  })
})
