import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { headersForLog, isMaskedHeaderAttribute } from './headers.ts'
import { REDACTED } from './redact.ts'

describe('headersForLog', () => {
  it('keeps the allowlisted values and masks every other header, whatever its name', () => {
    assert.deepEqual(
      headersForLog(
        new Headers({
          'Content-Type': 'application/json',
          'user-agent': 'LayerCode/1.0',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          'x-functions-key': 'k1',
          'x-acme-secret': 'k2',
          'x-tenant': 'bakery',
        }).entries(),
      ),
      {
        'content-type': 'application/json',
        'user-agent': 'LayerCode/1.0',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'x-functions-key': REDACTED,
        'x-acme-secret': REDACTED,
        'x-tenant': REDACTED,
      },
    )
  })
})

describe('isMaskedHeaderAttribute', () => {
  it('names captured headers outside the allowlist, and nothing else', () => {
    assert.equal(isMaskedHeaderAttribute('http.request.header.ocp-apim-subscription-key'), true)
    assert.equal(isMaskedHeaderAttribute('http.response.header.set-cookie'), true)
    assert.equal(isMaskedHeaderAttribute('http.request.header.content-type'), false)
    assert.equal(isMaskedHeaderAttribute('http.request.header.user_agent'), false)
    assert.equal(isMaskedHeaderAttribute('http.request.method'), false)
    assert.equal(isMaskedHeaderAttribute('x-functions-key'), false)
  })
})
