/** What the collector removes before anything is stored: GenAI content, credentials, personal data. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  Attr,
  CAPTURE_CONTENT_ENV,
  COLLECTOR_SECRET_KEY_NAMES,
  COLLECTOR_SECRET_KEY_PATTERN,
  CREDENTIAL_VALUE_PATTERNS,
  DEFAULT_SECRET_KEY_PATTERN,
  GENAI_CONTENT_ATTRIBUTES,
  GENAI_CONTENT_KEY_PATTERN,
  HEADER_ATTRIBUTE_PATTERN,
  LOG_CONTEXT_FIELDS,
  LOG_TRACE_FIELDS,
  LOGGED_HEADER_ATTRIBUTE_PATTERN,
  METRICS,
  SPANS,
  type SpanSpec,
} from '@layercode-kit/telemetry'
import { collector } from './configs.ts'
import { readYaml } from './support.ts'

describe("the collector's redaction", () => {
  it("drops GenAI message content from spans, span events and logs unless the agent's switch is on", () => {
    type Groups = Array<{ context: string; statements: string[] }>
    const transform = collector.processors['transform/genai_content'] as Record<string, Groups>
    const statement = `delete_matching_keys(attributes, "${GENAI_CONTENT_KEY_PATTERN}") where ConvertCase("\${env:OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT:-false}", "lower") != "true"`
    assert.deepEqual(transform.trace_statements, [
      { context: 'span', statements: [statement] },
      { context: 'spanevent', statements: [statement] },
    ])
    assert.deepEqual(transform.log_statements, [{ context: 'log', statements: [statement] }])
    const pattern = new RegExp(GENAI_CONTENT_KEY_PATTERN)
    for (const key of GENAI_CONTENT_ATTRIBUTES) assert.match(key, pattern)
    for (const kept of ['gen_ai.input.messages.count', 'gen_ai.usage.input_tokens', 'final'])
      assert.doesNotMatch(kept, pattern)
    for (const pipeline of ['traces', 'logs'])
      assert.ok(
        collector.service.pipelines[pipeline]?.processors.includes('transform/genai_content'),
        pipeline,
      )
    // Compose gives the collector the same switch as the agent, off unless .env sets it.
    const raw = readYaml<{ services: Record<string, { environment: Record<string, string> }> }>(
      'docker-compose.yml',
    )
    for (const service of ['agent', 'collector'])
      assert.equal(
        raw.services[service]?.environment[CAPTURE_CONTENT_ENV],
        `\${${CAPTURE_CONTENT_ENV}:-false}`,
        service,
      )
  })

  it('takes service.name from layercode.service.name where an app sets it, in every pipeline, first', () => {
    type Groups = Array<{ context: string; statements: string[] }>
    const transform = collector.processors['transform/service_identity'] as Record<string, Groups>
    const promote = [
      'set(attributes["service.name"], attributes["layercode.service.name"]) where attributes["layercode.service.name"] != nil',
    ]
    for (const signal of ['trace', 'metric', 'log'])
      assert.deepEqual(transform[`${signal}_statements`], [
        { context: 'resource', statements: promote },
      ])
    for (const pipeline of Object.values(collector.service.pipelines))
      assert.equal(pipeline.processors[1], 'transform/service_identity')
  })

  it('drops credential keys: the agent pattern on resources and events, the anchored names on the volume', () => {
    const transform = collector.processors['transform/drop_secrets'] as Record<
      string,
      Array<{ context: string; statements: string[] }>
    >
    const patternsBy = (contexts: string[]) =>
      new Set(
        (
          Object.values(transform).filter(Array.isArray).flat() as Array<{
            context: string
            statements: string[]
          }>
        )
          .filter((group) => contexts.includes(group.context))
          .flatMap((group) =>
            group.statements.map(
              (st: string) => /^delete_matching_keys\(attributes, "(.*)"\)$/.exec(st)?.[1],
            ),
          ),
      )
    assert.deepEqual(
      [...patternsBy(['resource', 'spanevent'])],
      [`(?i)(${DEFAULT_SECRET_KEY_PATTERN.source})`],
      'resources and span events: the agent pattern',
    )
    assert.deepEqual(
      [...patternsBy(['span', 'log', 'datapoint'])],
      [COLLECTOR_SECRET_KEY_PATTERN],
      'spans, logs and data points: the anchored credential names',
    )
    // One group per context: a flat list that mixes contexts validates but skips some of them.
    assert.deepEqual(
      transform.trace_statements?.map((g) => g.context),
      ['resource', 'span', 'spanevent'],
    )
    assert.deepEqual(
      transform.log_statements?.map((g) => g.context),
      ['resource', 'log'],
    )
    assert.deepEqual(
      transform.metric_statements?.map((g) => g.context),
      ['resource', 'datapoint'],
    )
    // The anchored names in JavaScript: RE2 and JS agree on this subset ((?i) as a flag).
    const anchored = new RegExp(COLLECTOR_SECRET_KEY_PATTERN.slice(4), 'i')
    const credentials = [
      'authorization',
      'Authorization',
      'proxy-authorization',
      'set-cookie',
      'refresh_token',
      'id-token',
      'client.secret',
      'passwd',
      'credentials',
      'http.request.header.authorization',
      'cookie',
      'layercode-signature',
      'client_secret',
      'password',
      'api_key',
      'x-api-key',
      'access_token',
      'x-auth-token',
      'api_token',
      'token',
      'session_key',
      'credential',
    ]
    for (const key of credentials) {
      assert.match(key, DEFAULT_SECRET_KEY_PATTERN, key)
      assert.match(key, anchored, `${key} is dropped from spans, logs and data points too`)
      if (!key.startsWith('http.'))
        assert.match(`http.response.header.${key}`, anchored, `${key} as a header attribute`)
    }
    // The collector never drops what the agent would keep: one example per name.
    const examples = [
      ...credentials,
      'api-key',
      'apikey',
      'auth_token',
      'bearer.token',
      'session-token',
      'csrf_token',
      'credential',
      'secret',
    ]
    for (const name of COLLECTOR_SECRET_KEY_NAMES) {
      const matching = examples.filter((key) => new RegExp(`^(?:${name})$`, 'i').test(key))
      assert.ok(matching.length > 0, `an example of ${name}`)
      for (const key of matching) assert.match(key, DEFAULT_SECRET_KEY_PATTERN, key)
    }
    for (const kept of ['db_password_hint', 'gen_ai.usage.input_tokens', 'tokens', 'secretary'])
      assert.doesNotMatch(kept, anchored, kept)
    const contract = [
      ...Object.values(Attr),
      ...(SPANS as readonly SpanSpec[]).flatMap((s) => [
        ...s.attributes,
        ...(s.optionalAttributes ?? []),
      ]),
      ...METRICS.flatMap((m) => [...m.attributes, ...(m.optionalAttributes ?? [])]),
      ...LOG_CONTEXT_FIELDS,
      ...LOG_TRACE_FIELDS,
      'max_tokens',
      'tts_chunks',
    ]
    for (const key of new Set(contract)) {
      assert.doesNotMatch(key, DEFAULT_SECRET_KEY_PATTERN, key)
      assert.doesNotMatch(key, anchored, key)
    }
  })

  it('masks personal data and token-shaped values whatever their key', () => {
    // Go's inline (?i) flag, as a JS flag.
    const values = (
      collector.processors['redaction/mask_values'] as { blocked_values: string[] }
    ).blocked_values.map((v) =>
      v.startsWith('(?i)') ? new RegExp(v.slice(4), 'i') : new RegExp(v),
    )
    const masked = (s: string) => values.some((re) => re.test(s))
    // The agent masks the same credential shapes first (logs and spans); the collector is the second line.
    const blocked = (collector.processors['redaction/mask_values'] as { blocked_values: string[] })
      .blocked_values
    for (const pattern of CREDENTIAL_VALUE_PATTERNS)
      assert.ok(
        blocked.includes(`${pattern.flags.includes('i') ? '(?i)' : ''}${pattern.source}`),
        `collector blocks ${pattern.source}`,
      )
    for (const secret of [
      'caller@example.com',
      '+14155550123',
      'Bearer abc.def',
      'sk-proj-1234567890abcdefgh',
      'whsec_0123456789ab',
    ])
      assert.ok(masked(secret), secret)
    for (const safe of [
      '2026-11-26T18:42:44.501Z',
      'conv_123',
      '/api/agent',
      'offline-voice-1',
      '0.1.0',
    ])
      assert.ok(!masked(safe), safe)
    for (const pipeline of ['traces', 'logs']) {
      assert.ok(collector.service.pipelines[pipeline]?.processors.includes('redaction/mask_values'))
      assert.ok(
        collector.service.pipelines[pipeline]?.processors.includes('transform/drop_secrets'),
      )
    }
  })

  it("masks captured headers by the agent's allowlist, in traces and logs", () => {
    const headers = collector.processors['redaction/headers'] as {
      allow_all_keys: boolean
      blocked_key_patterns: string[]
      ignored_key_patterns: string[]
      summary: string
    }
    assert.equal(headers.allow_all_keys, true, 'no other attribute is touched')
    assert.deepEqual(headers.blocked_key_patterns, [HEADER_ATTRIBUTE_PATTERN])
    assert.deepEqual(headers.ignored_key_patterns, [LOGGED_HEADER_ATTRIBUTE_PATTERN])
    assert.equal(headers.summary, 'silent', 'no redaction.* attributes on every span')
    for (const pipeline of ['traces', 'logs']) {
      const processors = collector.service.pipelines[pipeline]?.processors ?? []
      assert.ok(
        processors.indexOf('redaction/headers') < processors.indexOf('redaction/mask_values'),
        pipeline,
      )
    }
  })
})
