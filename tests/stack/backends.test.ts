import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  GAUGE_FRESHNESS_SECONDS,
  SCRAPE_INTERVAL_S,
  SCRAPED_COMPONENTS,
} from '@layercode-kit/grafana-gen'
import { METRIC_EXPORT_INTERVAL_MS, PROMOTED_RESOURCE_ATTRIBUTES } from '@layercode-kit/telemetry'
import { collector, compose, services } from './configs.ts'
import { readYaml } from './support.ts'

describe('the backends and Grafana, as compose wires them', () => {
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
    assert.equal(
      SCRAPE_INTERVAL_S,
      seconds(prometheus.global.scrape_interval),
      'what queries assume',
    )
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
