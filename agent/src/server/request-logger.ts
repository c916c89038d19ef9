import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from '../logging/logger.ts'

export type RequestLoggerOptions = {
  logger: Logger
}

function headersOf(c: Context): Record<string, string> {
  return Object.fromEntries(c.req.raw.headers.entries())
}

/**
 * Logs method, route, status and duration of every request. Headers are logged at debug
 * level only; the logger's redaction masks secret ones (authorization, cookie, signatures).
 * For streamed answers the duration is the time to the response headers.
 */
export function requestLogger(options: RequestLoggerOptions): MiddlewareHandler {
  const { logger } = options
  return async function requestLoggerMiddleware(c, next) {
    const started = performance.now()
    await next()
    if (!logger.isInfoEnabled()) return
    logger.info('request', {
      'http.request.method': c.req.method,
      'http.route': routePath(c, -1),
      'http.response.status_code': c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      ...(logger.isDebugEnabled() ? { headers: headersOf(c) } : {}),
    })
  }
}
