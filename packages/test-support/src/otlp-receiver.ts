import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export type OtlpRequest = {
  path: string
  contentType: string
  bytes: number
  json?: Record<string, unknown>
  /** The body as received (with `keepBodies`). */
  body?: Buffer
}

export type OtlpReceiverOptions = {
  /** `hang`: accept requests and never answer, like a stuck collector. */
  mode?: 'ok' | 'hang'
  /** Loopback and an ephemeral port unless given. */
  host?: string
  port?: number
  /** Called with every request as it arrives (the e2e recorder appends them to a file). */
  onRequest?: (request: OtlpRequest) => void
  /** Keep every request's raw body (to replay it later). */
  keepBodies?: boolean
}

/**
 * An OTLP/HTTP endpoint that records what it is sent, decoding OTLP/JSON (gzipped or not,
 * told by its magic bytes, whatever the headers say).
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}) {
  const { mode = 'ok', host = '127.0.0.1', port = 0 } = options
  const requests: OtlpRequest[] = []
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const body = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw
      const contentType = req.headers['content-type'] ?? ''
      const request: OtlpRequest = {
        path: req.url ?? '',
        contentType,
        bytes: raw.length,
        ...(contentType.includes('json') ? { json: JSON.parse(body.toString() || '{}') } : {}),
        ...(options.keepBodies ? { body: raw } : {}),
      }
      requests.push(request)
      options.onRequest?.(request)
      if (mode === 'ok')
        res
          .writeHead(200, { 'content-type': contentType })
          .end(contentType.includes('json') ? '{}' : '')
    })
  }
  const server: Server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    requests,
    /** Every decoded item of one signal, flattened out of its resource and scope envelopes. */
    items: (signal: OtlpSignal) => otlpItems(requests, signal),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export type OtlpSignal = 'traces' | 'metrics' | 'logs'

/** The spans, metrics or log records of OTLP/JSON requests, each with its resource and scope. */
export function otlpItems(
  requests: ReadonlyArray<{ path: string; json?: Record<string, unknown> }>,
  signal: OtlpSignal,
): Array<Record<string, unknown>> {
  const [outer, inner, leaf] = {
    traces: ['resourceSpans', 'scopeSpans', 'spans'],
    metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
    logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  }[signal] as [string, string, string]
  return requests
    .filter((r) => r.path.endsWith(`/v1/${signal}`) && r.json)
    .flatMap((r) => (r.json?.[outer] as Array<Record<string, unknown>>) ?? [])
    .flatMap((resource) =>
      ((resource[inner] as Array<Record<string, unknown>>) ?? []).flatMap((scope) =>
        ((scope[leaf] as Array<Record<string, unknown>>) ?? []).map((item) => ({
          ...item,
          resource: resource.resource,
          scope: scope.scope,
        })),
      ),
    )
}

/** OTLP/JSON attributes (`[{key, value: {stringValue}}]`) as a plain object. */
export function attributesOf(item: unknown): Record<string, unknown> {
  const list = ((item as { attributes?: unknown[] })?.attributes ?? []) as Array<{
    key: string
    value: Record<string, unknown>
  }>
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]))
}
