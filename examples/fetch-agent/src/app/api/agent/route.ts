/**
 * The webhook endpoint as a Next.js App Router route handler (`app/api/agent/route.ts`): the
 * same file works in a Next.js app unchanged. The instrumentation is the `withLayercodeTelemetry`
 * wrapper and the tool's `runTool`; the preload (`--import @layercode-kit/telemetry/register`,
 * or `instrumentation.ts` in Next.js) starts the SDK.
 */

import { streamResponse, verifySignature } from '@layercode/node-server-sdk'
import { runTool } from '@layercode-kit/telemetry'
import { withLayercodeTelemetry } from '@layercode-kit/telemetry/fetch'
import { lookupForecast } from '../../../forecasts.ts'

// @layercode/node-server-sdk's declarations import without extensions, which `nodenext`
// cannot follow, so its helper's type is spelled out here.
type Helpers = { stream: { tts(text: string): void; end(): void } }
type Webhook = { type?: string; text?: string; session_id?: string; conversation_id?: string }

const json = (body: unknown, status = 200) => Response.json(body, { status })

async function handle(request: Request): Promise<Response> {
  const secret = process.env.LAYERCODE_WEBHOOK_SECRET ?? ''
  const raw = await request.text()
  const signature = request.headers.get('layercode-signature') ?? ''
  if (!secret || !verifySignature({ payload: raw, signature, secret }))
    return json({ error: 'bad signature' }, 401)
  let event: Webhook
  try {
    event = JSON.parse(raw) as Webhook
  } catch {
    return json({ error: 'body is not JSON' }, 400)
  }
  if (typeof event.session_id !== 'string' || typeof event.conversation_id !== 'string')
    return json({ error: 'session_id and conversation_id are required' }, 400)
  if (event.type !== 'session.start' && event.type !== 'message') return json({ status: 'ok' })
  return streamResponse(event, async ({ stream }: Helpers) => {
    try {
      if (event.type === 'session.start') stream.tts('Hello! Which city?')
      else {
        const city = /\bin ([A-Z][a-z]+)/.exec(event.text ?? '')?.[1] ?? 'London'
        const forecast = await runTool('lookup_forecast', () => lookupForecast(city))
        stream.tts(`It is ${forecast} in ${city}.`)
      }
    } catch {
      stream.tts('Sorry, I could not look that up.')
    } finally {
      stream.end()
    }
  })
}

export const POST = withLayercodeTelemetry(handle, { agent: 'forecast', route: '/api/agent' })
