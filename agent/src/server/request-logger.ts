import { headersForLog } from '@layercode-kit/telemetry'
import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from '../logging/logger.ts'

export type RequestLoggerOptions = {
  logger: Logger
}

/**
 * Logs method, route, status, duration and headers of every request, at debug level: the
 * SERVER span and http.server.request.duration already carry all but the headers, and a
 * line per request at info cost more CPU than the whole trace. Header values are logged only
 * for the allowlist (LOGGED_HEADERS); every other header shows as present, masked. For
 * streamed answers the duration is the time to the response headers.
 */
export function requestLogger(options: RequestLoggerOptions): MiddlewareHandler {
  const { logger } = options
  return async function requestLoggerMiddleware(c, next) {
    const started = performance.now()
    await next()
    if (!logger.isDebugEnabled()) return
    logger.debug('request', {
      'http.request.method': c.req.method,
      'http.route': routePath(c, -1),
      'http.response.status_code': c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      headers: headersForLog(c.req.raw.headers.entries()),
    })
  }
}
