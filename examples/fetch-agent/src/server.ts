/**
 * Serves the route with srvx, a web-standard (fetch handler) server for Node; in Next.js,
 * Bun or Deno the route's `POST` is served as it is.
 */
import { serve } from 'srvx'
import { POST } from './app/api/agent/route.ts'

if (!process.env.LAYERCODE_WEBHOOK_SECRET)
  throw new Error("set LAYERCODE_WEBHOOK_SECRET (your LayerCode agent's webhook secret)")

const port = Number(process.env.PORT ?? 8200)
const hostname = process.env.HOST ?? '127.0.0.1'

serve({
  port,
  hostname,
  fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/health') return Response.json({ status: 'ok' })
    if (pathname === '/api/agent')
      return request.method === 'POST'
        ? POST(request)
        : new Response('method not allowed', { status: 405, headers: { allow: 'POST' } })
    return new Response('not found', { status: 404 })
  },
})
