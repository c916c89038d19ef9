import { readdirSync } from 'node:fs'
import path from 'node:path'
import { loadCompose, oneShotServices, readYaml, rootPath } from './support.ts'

export const compose = loadCompose()
export const services = compose.services
export const longRunning = Object.keys(services).filter(
  (name) => !oneShotServices(compose).includes(name),
)
export type CollectorConfig = {
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
export const collector = readYaml<CollectorConfig>('collector/config.yaml')

/**
 * What the collector makes of `--config=a --config=b` (confmap's merge): maps merge key by key,
 * a later file's lists and values replace the earlier ones.
 */
export function mergeConfigs(base: unknown, overlay: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isMap(base) || !isMap(overlay)) return overlay
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) merged[key] = mergeConfigs(base[key], value)
  return merged
}
/** The scaled-out tiers: config.yaml with each overlay (collector/gateway.yaml, sampler.yaml). */
export const tiers = {
  gateway: mergeConfigs(collector, readYaml('collector/gateway.yaml')) as CollectorConfig,
  sampler: mergeConfigs(collector, readYaml('collector/sampler.yaml')) as CollectorConfig,
}

/**
 * The vendored schema names its draft by the old http:// id (Ajv knows https://) and keeps
 * draft-04 `id` anchors that Ajv 8 rejects; neither changes what it validates.
 */
export function forAjv(schema: unknown): Record<string, unknown> {
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

export function walk(dir: string): string[] {
  return readdirSync(rootPath(dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name)
    return entry.isDirectory() ? walk(rel) : [rel]
  })
}
export const CONFIG_FILES = [
  'docker-compose.yml',
  // The chart's own YAML (its templates are Go templates, checked by tests/e2e/helm.test.ts).
  'deploy/helm/layercode-otel-kit/Chart.yaml',
  'deploy/helm/layercode-otel-kit/values.yaml',
  ...['collector', 'tempo', 'prometheus', 'loki', 'grafana']
    .flatMap(walk)
    .filter((f) => /\.(ya?ml|json)$/.test(f)),
]

/** Ports each service listens on, read from its own config where it has one. */
export function listeningPorts(): Record<string, Set<number>> {
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
