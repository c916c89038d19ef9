import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Context, MiddlewareHandler } from 'hono'
import { errorBody, httpError } from './http-error.ts'

/**
 * Node's HTTP parser errors, per connection. When the parser rejects what follows a request's
 * headers (a bad chunk size, a transfer coding other than chunked, bytes past the
 * Content-Length), Node itself answers 400 on the socket and closes it, while the request's
 * handler only sees its body stop: without this it would record a 499 or a 401 the client
 * never received.
 */
const parserErrors = new WeakMap<Socket, string>()

/** What Node's own answer to a parser error is (node's _http_server socketOnError). */
function statusNodeSent(code: string): 400 | 413 | 431 {
  if (code === 'HPE_HEADER_OVERFLOW') return 431
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413
  return 400
}

/** Remembers each connection's parser error, for `strictFraming()`. */
export function watchParserErrors(server: Server): void {
  server.on('connection', (socket: Socket) => {
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The client closed mid-body (the parser's end-of-stream error): nobody read Node's
      // answer, so the request stays the 499 the body reader made it.
      if (error.code?.startsWith('HPE_') && error.code !== 'HPE_INVALID_EOF_STATE')
        parserErrors.set(socket, error.code)
    })
  })
}

function incoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
}

function hostHeaders(request: IncomingMessage): number {
  let count = 0
  const raw = request.rawHeaders
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'host') count += 1
  return count
}

/**
 * RFC 9112's framing rules where Node is lenient, and the status the client really got where
 * Node answered for us: a request with more than one Host header is refused with 400
 * (Node keeps the first); a request whose connection the parser rejected is recorded with
 * Node's own status (in the request log, the SERVER span and the request metric, which all
 * read the response this middleware leaves). Install it inside `serverSpans()`.
 */
export function strictFraming(): MiddlewareHandler {
  return async function strictFramingMiddleware(c, next) {
    const request = incoming(c)
    if (request && hostHeaders(request) > 1)
      throw httpError(400, 'duplicate_host', 'the request has more than one Host header')
    try {
      await next()
    } finally {
      const code = request && parserErrors.get(request.socket)
      if (code) {
        const status = statusNodeSent(code)
        c.error = undefined
        c.res = c.json(
          errorBody(
            'malformed_request',
            `the connection was closed on a malformed request (${code})`,
          ),
          status,
        )
      }
    }
  }
}
