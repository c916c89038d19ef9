import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STANDIN_IMAGE, UNBUILDABLE } from '../../tools/containers.ts'
import { STANDIN_FILE, STANDIN_SERVICES } from '../integration/plan.ts'
import { FRONT_PORT, standInConfig } from '../lib/standin.ts'
import { loadCompose, readYaml } from '../stack/support.ts'

type Override = {
  services: Record<
    string,
    { image?: string; command?: string[]; profiles?: string[]; ports?: string[] }
  >
}
const override = readYaml<Override>(STANDIN_FILE)
const compose = loadCompose()
const collector = readYaml<{
  exporters: Record<string, { endpoint?: string; logs_endpoint?: string }>
}>('collector/config.yaml')

describe('the stand-in override (tests/containers/docker-compose.standins.yml)', () => {
  it('replaces exactly what cannot be built here, and publishes Prometheus only', () => {
    assert.deepEqual([...UNBUILDABLE].sort(), [...STANDIN_SERVICES].sort())
    assert.deepEqual(Object.keys(override.services).sort(), [
      'grafana',
      'loki',
      'prometheus',
      'tempo',
    ])
    for (const service of ['tempo', 'loki'] as const) {
      assert.equal(override.services[service]?.image, STANDIN_IMAGE, service)
      assert.deepEqual(override.services[service]?.command, [service])
    }
    assert.ok(override.services.grafana?.profiles?.length, 'grafana is not started')
    assert.deepEqual(Object.keys(override.services.prometheus ?? {}), ['ports'])
    assert.match(override.services.prometheus?.ports?.[0] ?? '', /^127\.0\.0\.1:/)
  })

  it("answers on the ports compose's healthchecks probe", () => {
    for (const service of ['tempo', 'loki'] as const) {
      const probe = compose.services[service]?.healthcheck?.test.join(' ') ?? ''
      assert.match(probe, new RegExp(`127\\.0\\.0\\.1:${FRONT_PORT[service]}/ready\\b`), service)
    }
  })

  it("receives where the collector's exporters send", () => {
    const tempo = standInConfig('tempo') as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } }
    }
    const traces = new URL(String(collector.exporters['otlp_http/traces']?.endpoint))
    assert.equal(traces.hostname, 'tempo')
    assert.equal(tempo.receivers.otlp.protocols.http.endpoint, `0.0.0.0:${traces.port}`)
    const logs = new URL(String(collector.exporters['otlp_http/logs']?.logs_endpoint))
    assert.equal(logs.hostname, 'loki')
    assert.equal(Number(logs.port), FRONT_PORT.loki)
    const loki = standInConfig('loki') as {
      receivers: { otlp: { protocols: { http: { logs_url_path: string } } } }
    }
    assert.equal(loki.receivers.otlp.protocols.http.logs_url_path, logs.pathname)
  })
})
