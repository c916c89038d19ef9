import type { RequestOptions } from 'node:http'

type Env = Record<string, string | undefined>

/** The three OTLP signals. */
export const OTLP_SIGNALS = ['traces', 'metrics', 'logs'] as const
/** One OTLP signal. */
export type OtlpSignal = (typeof OTLP_SIGNALS)[number]

/** Where one signal is exported, and over which protocol. */
export type OtlpEndpoint = { signal: OtlpSignal; protocol: string; url: URL }

const DEFAULT_BASE = { grpc: 'http://localhost:4317', http: 'http://localhost:4318' } as const

/** The parts of a URL that identify where a request goes: port made explicit, no query. */
export function endpointKey(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname
  return `${host}:${port}${url.pathname.replace(/\/+$/, '')}`
}

/** A comma-separated OTEL_* list (`otlp, console`), blanks dropped. */
export function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** True when OTEL_SDK_DISABLED says so: the SDK never starts. */
export function sdkDisabled(env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'
}

function exporters(env: Env, signal: OtlpSignal): string[] {
  const names = envList(env[`OTEL_${signal.toUpperCase()}_EXPORTER`])
  return names.length ? names : ['otlp']
}

/**
 * Where the SDK's OTLP exporters send each signal, by the rules of the OTLP exporter
 * specification: a signal's own endpoint is used as is, the shared one gets `/v1/<signal>`
 * appended for HTTP, and the defaults are localhost 4318 (HTTP) or 4317 (gRPC). Signals
 * exported by other means (`console`, `none`) are left out.
 */
export function otlpEndpoints(env: Env): OtlpEndpoint[] {
  return OTLP_SIGNALS.flatMap((signal): OtlpEndpoint[] => {
    if (!exporters(env, signal).includes('otlp')) return []
    const SIGNAL = signal.toUpperCase()
    const protocol =
      env[`OTEL_EXPORTER_OTLP_${SIGNAL}_PROTOCOL`]?.trim() ||
      env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ||
      'http/protobuf'
    const grpc = protocol === 'grpc'
    const own = env[`OTEL_EXPORTER_OTLP_${SIGNAL}_ENDPOINT`]?.trim()
    const shared = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
    let text = own
    if (!text && grpc) text = shared || DEFAULT_BASE.grpc
    if (!text) text = `${(shared || DEFAULT_BASE.http).replace(/\/+$/, '')}/v1/${signal}`
    try {
      return [{ signal, protocol, url: new URL(text) }]
    } catch {
      return [] // the exporter reports a malformed endpoint itself
    }
  })
}

/**
 * A predicate for the HTTP client instrumentations: true for the SDK's own OTLP/HTTP exports,
 * so the app's outbound-request spans and `http.client.request.duration` show only the app's
 * calls, never its telemetry.
 */
export function isOtlpExport(env: Env): (request: RequestOptions) => boolean {
  const keys = new Set(
    otlpEndpoints(env)
      .filter((e) => e.protocol !== 'grpc')
      .map((e) => endpointKey(e.url)),
  )
  return (request) => {
    if (keys.size === 0) return false
    try {
      const host = request.hostname ?? request.host?.replace(/:\d+$/, '') ?? 'localhost'
      const protocol = request.protocol ?? 'http:'
      const port = request.port ? `:${request.port}` : ''
      const url = new URL(`${protocol}//${host}${port}${request.path ?? '/'}`)
      return keys.has(endpointKey(url))
    } catch {
      return false
    }
  }
}
