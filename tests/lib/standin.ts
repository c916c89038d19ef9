/**
 * The Tempo and Loki stand-ins, one definition for the native e2e (processes in network
 * namespaces) and the compose suite (tests/containers/standin.ts in a container): the kit's
 * collector binary receives OTLP where Tempo or Loki would, re-exports each request as
 * OTLP/JSON to recorder.ts (one JSON line per request), and front.ts answers on Tempo's or
 * Loki's own port (/metrics, /ready, and Loki's OTLP path).
 */
export type StandIn = 'tempo' | 'loki'

export const RECORDER_PORT = 4999
/** Where a stand-in collector serves its own metrics, behind front.ts on Tempo's/Loki's port. */
export const STAND_IN_METRICS_PORT = 8888
/** The Loki stand-in's OTLP receiver, behind front.ts on loki:3100. */
export const LOKI_STAND_IN_OTLP_PORT = 3101
/** The port Prometheus scrapes and the healthchecks probe: Tempo's and Loki's HTTP port. */
export const FRONT_PORT: Record<StandIn, number> = { tempo: 3200, loki: 3100 }

/** The stand-in collector's config (YAML accepts this JSON as it is). */
export function standInConfig(service: StandIn): Record<string, unknown> {
  const receiver =
    service === 'tempo'
      ? { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } }
      : {
          http: {
            endpoint: `127.0.0.1:${LOKI_STAND_IN_OTLP_PORT}`,
            logs_url_path: '/otlp/v1/logs',
          },
        }
  const signal = service === 'tempo' ? 'traces' : 'logs'
  return {
    receivers: { otlp: { protocols: receiver } },
    exporters: {
      otlp_http: {
        endpoint: `http://127.0.0.1:${RECORDER_PORT}`,
        encoding: 'json',
        compression: 'none',
        sending_queue: { enabled: false },
        retry_on_failure: { enabled: false },
      },
    },
    service: {
      pipelines: { [signal]: { receivers: ['otlp'], exporters: ['otlp_http'] } },
      telemetry: {
        metrics: {
          level: 'basic',
          readers: [
            {
              pull: {
                exporter: {
                  prometheus: { host: '127.0.0.1', port: STAND_IN_METRICS_PORT },
                },
              },
            },
          ],
        },
      },
    },
  }
}

/** The helper processes' arguments (after `node`), given the file the recorder appends to. */
export function standInHelpers(
  service: StandIn,
  recordFile: string,
  script: (name: 'recorder' | 'front') => string,
): Record<'recorder' | 'front', string[]> {
  return {
    recorder: [script('recorder'), String(RECORDER_PORT), recordFile],
    front: [
      script('front'),
      String(FRONT_PORT[service]),
      String(STAND_IN_METRICS_PORT),
      ...(service === 'loki' ? [String(LOKI_STAND_IN_OTLP_PORT)] : []),
    ],
  }
}
