import { connect } from 'node:net'
import { endpointKey, type OtlpEndpoint } from './otlp-endpoints.ts'

/** Connection errors that mean nobody will answer, however long the exporter retries. */
export const UNREACHABLE_CODES = [
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
] as const
const UNREACHABLE = new Set<string>(UNREACHABLE_CODES)

/** An OTLP endpoint nothing listens at. */
export type Unreachable = { url: string; code: string }

function refuses(url: URL, timeoutMs: number): Promise<Unreachable | undefined> {
  return new Promise((resolve) => {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const socket = connect({ host, port })
    const done = (result: Unreachable | undefined) => {
      socket.destroy()
      resolve(result)
    }
    socket.setTimeout(timeoutMs, () => done(undefined))
    socket.once('connect', () => done(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(
        UNREACHABLE.has(error.code ?? '') ? { url: url.origin, code: error.code ?? '' } : undefined,
      ),
    )
  })
}

/**
 * Resolves when every endpoint refuses connections (no collector is running), with the first
 * of them; never resolves when any of them accepts or does not answer within `timeoutMs`, so
 * a flush raced against it waits for a collector that is merely slow.
 */
export function allRefusing(
  endpoints: readonly OtlpEndpoint[],
  timeoutMs = 1000,
): Promise<Unreachable> {
  const distinct = [
    ...new Map(endpoints.map((e) => [endpointKey(new URL(e.url.origin)), e.url])).values(),
  ]
  return new Promise((resolve) => {
    if (distinct.length === 0) return
    void Promise.all(distinct.map((url) => refuses(url, timeoutMs))).then((results) => {
      const [first] = results
      if (first && results.every(Boolean)) resolve(first)
    })
  })
}
