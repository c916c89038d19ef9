/** The collector's build and pipelines: its manifest, exporters and queues, the scaled-out tiers. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SAMPLING, SAMPLING_POLICIES, samplingPolicyRows } from '@layercode-kit/collector'
import { COLLECTOR_TIERS } from '@layercode-kit/grafana-gen'
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
})
