/** Traces reach Tempo with the contract's span tree, and secrets are dropped or masked. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { attributesOf, CREDENTIAL_HEADERS, settle, waitFor } from '@layercode-kit/test-support'
import { spanTreeProblems } from '../../lib/expectations.ts'
import { logView, spanView } from '../../lib/recordings.ts'
import { harness, hex, missing, postOtlp, resource, str, strings } from './scenario.ts'

describe('traces through the collector', { skip: missing }, () => {
  it('(a) traces reach Tempo with the contract span tree and attributes', async () => {
    const { value: problems } = await settle(
      () => spanTreeProblems(harness.recorded('tempo', 'traces').map(spanView)),
      (found) => found.length === 0,
      30_000,
    )
    assert.deepEqual(problems, [], await harness.diagnostics())
  })

  it('(a) sensitive attributes are dropped or masked by the collector', async () => {
    const now = Date.now() * 1e6
    const span = {
      traceId: hex(0xe2e, 32),
      spanId: hex(0xe2e, 16),
      name: 'redaction-probe',
      kind: 1,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 1e6),
      attributes: [
        str('http.request.header.authorization', 'Bearer abc123.secret'),
        str('api_key', 'sk-proj-0123456789abcdefghij'),
        str('layercode-signature', 't=1,v1=deadbeef'),
        str('Authorization', 'Basic dXNlcjpwYXNz-probe'),
        str('password', 'hunter2-probe'),
        str('client_secret', 'client-secret-probe'),
        str('refresh_token', 'refresh-token-probe'),
        str('http.response.header.set-cookie', 'session=cookie-probe'),
        str('user.email', 'caller@example.com'),
        str('app.note', 'call me on +14155550123'),
        str('app.conversation', 'conv_123'),
        str('gen_ai.usage.input_tokens', 42),
        // Captured headers: only the allowlist's values pass (CREDENTIAL_HEADERS, spelt as
        // both Node's and Python's instrumentations spell them).
        ...CREDENTIAL_HEADERS.flatMap((name, i) => [
          strings(`http.request.header.${name}`, `hdr-probe-${i}-dash`),
          strings(`http.request.header.${name.replaceAll('-', '_')}`, `hdr-probe-${i}-underscore`),
        ]),
        strings('http.request.header.content_type', 'application/json'),
        strings('http.request.header.x-request-id', 'req-probe-kept'),
      ],
      // Span events and resources keep the broad pattern: compound keys go too.
      events: [
        {
          name: 'probe-event',
          timeUnixNano: String(now),
          attributes: [str('stripe_api_key', 'event-key-probe'), str('event.note', 'kept')],
        },
      ],
    }
    const probeResource = {
      attributes: [
        str('service.name', 'e2e-redaction'),
        str('deployment.db_password', 'resource-password-probe'),
      ],
    }
    const res = await postOtlp('/v1/traces', {
      resourceSpans: [{ resource: probeResource, scopeSpans: [{ spans: [span] }] }],
    })
    assert.equal(res.status, 200)
    const log = {
      timeUnixNano: String(now),
      body: { stringValue: 'redaction-probe-log' },
      attributes: [
        str('authorization', 'Bearer log.secret.probe'),
        str('access_token', 'log-access-token-probe'),
        str('passwd', 'log-passwd-probe'),
        str('conversation_id', 'conv_123'),
      ],
    }
    const logRes = await postOtlp('/v1/logs', {
      resourceLogs: [{ resource: resource('e2e-redaction'), scopeLogs: [{ logRecords: [log] }] }],
    })
    assert.equal(logRes.status, 200)
    let recorded: Record<string, unknown> | undefined
    let recordedLog: Record<string, unknown> | undefined
    await waitFor('the redaction probe span and log', () => {
      recorded = harness.recorded('tempo', 'traces').find((s) => s.name === 'redaction-probe')
      recordedLog = harness
        .recorded('loki', 'logs')
        .find((l) => logView(l).body === 'redaction-probe-log')
      return recorded !== undefined && recordedLog !== undefined
    })
    const view = spanView(recorded ?? {})
    const attributes = view.attributes
    for (const key of [
      'http.request.header.authorization',
      'api_key',
      'layercode-signature',
      'Authorization',
      'password',
      'client_secret',
      'refresh_token',
      'http.response.header.set-cookie',
    ])
      assert.ok(!(key in attributes), `${key} dropped`)
    assert.ok(!('deployment.db_password' in view.resource), 'resource key dropped')
    const event = (recorded?.events as Array<Record<string, unknown>>)?.[0]
    assert.deepEqual(attributesOf(event), { 'event.note': 'kept' }, 'event key dropped')
    const logAttributes = logView(recordedLog ?? {}).attributes
    assert.deepEqual(logAttributes, { conversation_id: 'conv_123' }, 'log keys dropped')
    const all = JSON.stringify([recorded, recordedLog])
    // Allowlisted headers pass untouched.
    assert.match(
      JSON.stringify(attributes['http.request.header.content_type']),
      /application\/json/,
    )
    assert.match(JSON.stringify(attributes['http.request.header.x-request-id']), /req-probe-kept/)
    for (const secret of [
      ...CREDENTIAL_HEADERS.flatMap((_, i) => [`hdr-probe-${i}-dash`, `hdr-probe-${i}-underscore`]),
      'caller@example.com',
      '+14155550123',
      'abc123.secret',
      'sk-proj',
      'dXNlcjpwYXNz-probe',
      'hunter2-probe',
      'client-secret-probe',
      'refresh-token-probe',
      'cookie-probe',
      'event-key-probe',
      'resource-password-probe',
      'log.secret.probe',
      'log-access-token-probe',
      'log-passwd-probe',
    ])
      assert.ok(!all.includes(secret), `${secret} removed`)
    assert.equal(attributes['app.conversation'], 'conv_123', 'ordinary values pass untouched')
    assert.equal(
      String(attributes['gen_ai.usage.input_tokens']),
      '42',
      'token counts are not credentials',
    )
  })
})
