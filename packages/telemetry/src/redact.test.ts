import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  COLLECTOR_SECRET_KEY_NAMES,
  COLLECTOR_SECRET_KEY_PATTERN,
  createRedactor,
  REDACTED,
  secretsInEnv,
} from './redact.ts'

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

describe('createRedactor fields', () => {
  it('masks a top-level field by its key, as nested ones are', () => {
    const redact = createRedactor({ keyPattern: /^x-internal-|api_key|authorization|secret/i })
    assert.equal(redact.field('api_key', 'k1'), REDACTED)
    assert.equal(redact.field('authorization', 'Bearer x'), REDACTED)
    assert.equal(redact.field('client_secret', 'x'), REDACTED)
    assert.equal(redact.field('X-Internal-Id', '7'), REDACTED)
    assert.equal(redact.field('note', 'fine'), 'fine')
  })

  it('masks credential-shaped values whatever their key, and an Error message and stack', () => {
    const redact = createRedactor()
    assert.equal(
      redact.text('Incorrect API key provided: sk-proj-abcdefghijklmnop1234.'),
      `Incorrect API key provided: ${REDACTED}.`,
    )
    assert.equal(redact.text('got Bearer abc.def-123 back'), `got ${REDACTED} back`)
    assert.equal(redact.text('whsec_0123456789ab'), REDACTED)
    assert.equal(redact.text('gen_ai.usage.input_tokens'), 'gen_ai.usage.input_tokens')
    const error = new Error('bad key sk-proj-abcdefghijklmnop1234')
    const out = redact({ error }) as { error: { message: string; stack: string } }
    assert.equal(out.error.message, `bad key ${REDACTED}`)
    assert.ok(!out.error.stack.includes('sk-proj'))
  })

  it('takes secret values from credential-named environment variables', () => {
    assert.deepEqual(
      secretsInEnv({ SMTP_PASSWORD: 'p', OPENAI_API_KEY: 'k', HOME: '/root', EMPTY_TOKEN: '' }),
      ['p', 'k'],
    )
  })
})

describe('the collector credential-key pattern', () => {
  it('matches exactly what COLLECTOR_SECRET_KEY_NAMES matches, in any case, bare or as a header', () => {
    const listed = new RegExp(
      `^(?:http[.](?:request|response)[.]header[.])?(?:${COLLECTOR_SECRET_KEY_NAMES.join('|')})$`,
      'i',
    )
    // The shipped pattern less its leading (?i): the flag, in JavaScript.
    assert.ok(COLLECTOR_SECRET_KEY_PATTERN.startsWith('(?i)'))
    const factored = new RegExp(COLLECTOR_SECRET_KEY_PATTERN.slice(4), 'i')
    const words = [
      // Every name the list spells out literally, then the stems the others are made of.
      ...COLLECTOR_SECRET_KEY_NAMES.filter((name) => /^[a-z-]+$/.test(name)),
      'credential',
      'credentials',
      'auth',
      'api',
      'gen_ai.usage.input_tokens',
      'http.route',
      'layercode.turn.id',
    ]
    for (const first of ['access', 'refresh', 'id', 'auth', 'bearer', 'session', 'csrf', 'api'])
      for (const sep of ['', '-', '_', '.', ':'])
        for (const last of ['token', 'key', 'secret']) words.push(`${first}${sep}${last}`)
    for (const sep of ['', '-', '_', '.']) words.push(`client${sep}secret`, `apikey${sep}`)
    // Near misses either side of every word: one letter more, one less, another in front.
    const nearMisses = words.flatMap((w) => [w, `${w}s`, w.slice(0, -1), `x${w}`, `${w}x`])
    const cased = nearMisses.flatMap((w) => [w, w.toUpperCase(), w[0]?.toUpperCase() + w.slice(1)])
    const prefixes = ['', 'http.request.header.', 'http.response.header.', 'HTTP.Request.Header.']
    const keys = [...prefixes, 'http.header.'].flatMap((p) => cased.map((w) => p + w))
    let matched = 0
    for (const key of keys) {
      const expected = listed.test(key)
      assert.equal(factored.test(key), expected, key)
      if (expected) matched++
    }
    assert.ok(matched >= 200 && matched < keys.length / 2, `${matched} of ${keys.length} keys`)
  })
})
