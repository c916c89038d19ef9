import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SAMPLING, SAMPLING_POLICIES, samplingPolicyRows } from '@layercode-kit/collector'
import { COLLECTOR_TIERS } from '@layercode-kit/grafana-gen'
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
import { type CollectorConfig, collector, services, tiers } from './configs.ts'
import { readText, readYaml } from './support.ts'

describe('the collector', () => {
  const manifest =
    readYaml<Record<string, Array<{ gomod: string }> | { version: string }>>(
      'collector/manifest.yaml',
    )
  const manifestComponents = (kind: string) =>
    ((manifest[kind] as Array<{ gomod: string }>) ?? []).map(
      (c) => c.gomod.split(' ')[0]?.split('/').at(-1) as string,
    )

  it('lists in its manifest exactly the components the config uses, all at the image release', () => {
    const release = (manifest.dist as { version: string }).version
    assert.equal(services.collector?.image, `otel/opentelemetry-collector-contrib:${release}`)
    for (const kind of ['extensions', 'receivers', 'processors', 'exporters']) {
      for (const entry of manifest[kind] as Array<{ gomod: string }>)
        assert.match(entry.gomod, new RegExp(` v${release}$`), entry.gomod)
    }
    // Config names (snake_case) -> module names, as release 0.160.0 documents them.
    const moduleOf: Record<string, string> = {
      health_check: 'healthcheckextension',
      pprof: 'pprofextension',
      zpages: 'zpagesextension',
      file_storage: 'filestorage',
      otlp: 'otlpreceiver',
      host_metrics: 'hostmetricsreceiver',
      memory_limiter: 'memorylimiterprocessor',
      resource_detection: 'resourcedetectionprocessor',
      transform: 'transformprocessor',
      redaction: 'redactionprocessor',
      otlp_http: 'otlphttpexporter',
      tail_sampling: 'tailsamplingprocessor',
      load_balancing: 'loadbalancingexporter',
    }
    // What the three configs' pipelines use (a tier inherits config.yaml's other components).
    const used = (kind: 'receivers' | 'processors' | 'exporters') =>
      [
        ...new Set(
          [collector, tiers.gateway, tiers.sampler]
            .flatMap((c) => Object.values(c.service.pipelines).flatMap((p) => p[kind]))
            .map((id) => moduleOf[id.split('/')[0] as string] ?? `unknown:${id}`),
        ),
      ].sort()
    const extensions = [
      ...new Set(collector.service.extensions.map((id) => moduleOf[id.split('/')[0] as string])),
    ].sort()
    assert.deepEqual(extensions, manifestComponents('extensions').sort())
    assert.deepEqual(used('receivers'), manifestComponents('receivers').sort())
    assert.deepEqual(used('processors'), manifestComponents('processors').sort())
    assert.deepEqual(used('exporters'), manifestComponents('exporters').sort())
  })

  it('names exporters per signal, each with a persistent retrying queue, and memory_limiter first', () => {
    for (const [signal, pipeline] of Object.entries(collector.service.pipelines)) {
      assert.equal(pipeline.processors[0], 'memory_limiter', `${signal}: memory_limiter first`)
      assert.deepEqual(pipeline.exporters, [`otlp_http/${signal}`])
      const exporter = collector.exporters[`otlp_http/${signal}`] as {
        sending_queue: { storage: string }
        retry_on_failure: { max_elapsed_time: string }
      }
      assert.equal(exporter.sending_queue.storage, 'file_storage/queue')
      assert.equal(exporter.retry_on_failure.max_elapsed_time, '0s')
    }
    assert.deepEqual(Object.keys(collector.service.pipelines).sort(), ['logs', 'metrics', 'traces'])
    assert.ok(collector.service.extensions.includes('file_storage/queue'))
  })

  it('gateway tier: the spans of a trace to one sampler, re-routed on failure; metrics and logs as config.yaml sends them', () => {
    const { gateway } = tiers
    assert.deepEqual(gateway.service.pipelines.traces?.exporters, ['load_balancing/traces'])
    assert.deepEqual(
      gateway.service.pipelines.traces?.processors,
      collector.service.pipelines.traces?.processors,
      'redaction included',
    )
    for (const signal of ['metrics', 'logs'])
      assert.deepEqual(gateway.service.pipelines[signal], collector.service.pipelines[signal])
    const lb = gateway.exporters['load_balancing/traces'] as {
      routing_key: string
      protocol: {
        otlp: { sending_queue: { enabled: boolean }; retry_on_failure: { enabled: boolean } }
      }
      resolver: { dns: { hostname: string; port: string } }
      sending_queue: { storage: string }
      retry_on_failure: { enabled: boolean; max_elapsed_time: string }
    }
    assert.equal(lb.routing_key, 'traceID')
    // Failures return to the exporter's own queue, whose retries route on the current ring.
    assert.equal(lb.protocol.otlp.sending_queue.enabled, false)
    assert.equal(lb.protocol.otlp.retry_on_failure.enabled, false)
    assert.equal(lb.sending_queue.storage, 'file_storage/queue')
    assert.equal(lb.retry_on_failure.enabled, true)
    assert.equal(lb.retry_on_failure.max_elapsed_time, '0s')
    assert.equal(
      `:${lb.resolver.dns.port}`,
      /:\d+$/.exec(tiers.sampler.receivers.otlp?.protocols?.grpc?.endpoint ?? '')?.[0],
      "the samplers' OTLP gRPC port",
    )
  })

  it("sampler tier: the generated policies, and config.yaml's Tempo exporter with its queue", () => {
    const { sampler } = tiers
    const traces = sampler.service.pipelines.traces
    assert.deepEqual(traces?.processors, ['memory_limiter', 'tail_sampling'])
    assert.deepEqual(traces?.exporters, ['otlp_http/traces'])
    assert.deepEqual(sampler.exporters['otlp_http/traces'], collector.exporters['otlp_http/traces'])
    assert.deepEqual(
      sampler.service.pipelines.metrics?.receivers,
      ['otlp'],
      'no host metrics twice',
    )
    const tail = sampler.processors.tail_sampling as { policies: Array<{ name: string }> }
    assert.deepEqual(
      tail.policies.map((p) => p.name),
      SAMPLING_POLICIES.map((p) => p.name),
    )
    assert.match(JSON.stringify(tail), new RegExp(`> ${SAMPLING.slowFirstSpeechSeconds}"`))
    assert.match(
      JSON.stringify(tail),
      new RegExp(`env:${SAMPLING.percentageEnv}:-${SAMPLING.defaultPercentage}`),
    )
  })

  it("the README's sampling policy table is the policies', as sampling.ts defines them", () => {
    const table = readText('README.md')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^\| `[a-z-]+` \|/.test(line))
    assert.deepEqual(table, samplingPolicyRows())
  })

  it('names each tier in its own metrics (service_name), as the pipeline dashboard groups them', () => {
    type Telemetry = {
      resource: { attributes: Array<{ name: string; value: string }> }
      metrics: {
        readers: Array<{
          pull: {
            exporter: { prometheus: { with_resource_constant_labels: { included: string[] } } }
          }
        }>
      }
    }
    const tierOf = (c: CollectorConfig) => {
      const telemetry = c.service.telemetry as unknown as Telemetry
      assert.deepEqual(
        telemetry.metrics.readers[0]?.pull.exporter.prometheus.with_resource_constant_labels
          .included,
        ['service.name'],
      )
      return telemetry.resource.attributes.find((a) => a.name === 'service.name')?.value
    }
    assert.equal(tierOf(collector), COLLECTOR_TIERS.single)
    assert.equal(tierOf(tiers.gateway), COLLECTOR_TIERS.gateway)
    assert.equal(tierOf(tiers.sampler), COLLECTOR_TIERS.sampler)
  })

  it('uses no deprecated component alias', () => {
    const text = ['config.yaml', 'gateway.yaml', 'sampler.yaml']
      .map((file) => readText(`collector/${file}`))
      .join('\n')
    for (const old of [
      'loadbalancing',
      'tailsampling',
      'otlphttp',
      'spanmetrics',
      'resourcedetection',
      'memorylimiter',
      'hostmetrics',
      'filestorage',
      'healthcheck:',
    ]) {
      assert.doesNotMatch(text.replace(/^\s*#.*$/gm, ''), new RegExp(`^\\s*${old}`, 'm'), old)
    }
  })

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
