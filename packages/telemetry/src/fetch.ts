/**
 * `@layercode-kit/telemetry/fetch`: the kit's webhook telemetry around any fetch handler,
 * `(request: Request) => Promise<Response>`: a Next.js route handler, Bun.serve, Deno.serve,
 * a Cloudflare-style worker, srvx or @hono/node-server. No framework dependency.
 *
 * ```ts
 * export const POST = withLayercodeTelemetry(handler, { agent: 'weather' })
 * ```
 */
import { ServerSpan } from './server-span.ts'
import { type LayercodeTelemetryOptions, webhookObserver } from './webhook-telemetry.ts'

export type { LayercodeTelemetryOptions, TurnLogger } from './webhook-telemetry.ts'
export { TurnFailure } from './webhook-telemetry.ts'

/** Options of `withLayercodeTelemetry`: the middleware's, plus the route. */
export type FetchTelemetryOptions = LayercodeTelemetryOptions & {
  /** `http.route` of the endpoint; default the request's path (give it for a dynamic route). */
  route?: string
}

/**
 * Wraps the handler of a LayerCode webhook endpoint: each request gets a SERVER span (the
 * caller's trace context as parent) lasting until its SSE answer ended, and the turn, session
 * and rejection telemetry the kit's dashboards read. The handler's request and response are
 * the same bytes as without it; its extra arguments (a route context, an env) pass through.
 */
export function withLayercodeTelemetry<Rest extends unknown[]>(
  handler: (request: Request, ...rest: Rest) => Response | Promise<Response>,
  options: FetchTelemetryOptions,
): (request: Request, ...rest: Rest) => Promise<Response> {
  const observer = webhookObserver(options)
  return async function layercodeTelemetryHandler(request, ...rest) {
    const route = () => options.route ?? new URL(request.url).pathname
    return observer.observe(
      request,
      new ServerSpan(request),
      async () => ({ response: await handler(request, ...rest) }),
      { route },
    )
  }
}
