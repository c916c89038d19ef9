import { serverSpans } from '@layercode-kit/telemetry/hono'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { errorFields } from '../logging/logger.ts'
import { type AuthorizeOptions, authorizeHandler } from './authorize.ts'
import { limitBody } from './body-limit.ts'
import { strictFraming } from './framing.ts'
import { errorBody, errorCode } from './http-error.ts'
import type { Lifecycle } from './lifecycle.ts'
import { requestLogger } from './request-logger.ts'
import { type WebhookDeps, webhookHandler } from './webhook.ts'

export type AppOptions = WebhookDeps & {
  lifecycle: Lifecycle
  agentRoute: string
  authorizeRoute: string
  bodyLimitBytes: number
  authorize: Omit<AuthorizeOptions, 'logger'>
}

export function createApp(options: AppOptions): Hono {
  const { logger, lifecycle } = options
  const limit = limitBody({ maxBytes: options.bodyLimitBytes })
  const app = new Hono()
  // Probes first, so they answer before the middleware below: every 10 s from every probe,
  // they would skew the RED panels' latency and 5xx ratio and add thousands of spans a day.
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/ready', (c) =>
    lifecycle.draining
      ? c.json({ status: 'draining' }, 503)
      : c.json({ status: 'ready', agent: options.agent.name }),
  )
  // The SERVER span and http.server.request.duration, both until the answer is complete; a
  // webhook's span is this one (no-ops without an SDK).
  app.use(serverSpans())
  app.use(requestLogger({ logger }))
  app.use(strictFraming())
  app.use(async function refuseWhileDraining(c, next) {
    if (!lifecycle.draining) return next()
    c.header('Connection', 'close')
    c.header('Retry-After', '1')
    return c.json(
      errorBody('draining', 'the agent is shutting down; retry on another instance'),
      503,
    )
  })
  app.post(options.agentRoute, limit, webhookHandler(options))
  app.post(options.authorizeRoute, limit, authorizeHandler({ ...options.authorize, logger }))
  app.notFound((c) =>
    c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404),
  )
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.status >= 500)
        logger.error('request failed', { code: errorCode(error), 'error.message': error.message })
      // A client fault is not a server error: the semantic conventions leave a 4xx SERVER
      // span's status unset, and serverSpans() marks the span failed whenever c.error is set.
      else c.error = undefined
      return c.json(errorBody(errorCode(error), error.message), error.status)
    }
    logger.error('unhandled error', errorFields(error))
    return c.json(errorBody('internal_error', 'internal server error'), 500)
  })
  return app
}
