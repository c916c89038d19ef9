/**
 * A user's own LayerCode backend, not the kit's agent: Hono, the official LayerCode SDK for
 * the webhook, and the kit's telemetry package. The instrumentation is the lines marked
 * "telemetry" and the `--import @layercode-kit/telemetry/register` of `npm start`; the
 * middleware records the webhook's span, turns, first speech, sessions and a log line per
 * turn by watching the request and its SSE answer.
 */
import { serve } from '@hono/node-server'
import { streamResponse, verifySignature } from '@layercode/node-server-sdk'
import { runTool } from '@layercode-kit/telemetry' // telemetry
import { layercodeTelemetry } from '@layercode-kit/telemetry/hono' // telemetry
import { Hono } from 'hono'

const secret = process.env.LAYERCODE_WEBHOOK_SECRET
if (!secret) throw new Error("set LAYERCODE_WEBHOOK_SECRET (your LayerCode agent's webhook secret)")

// @layercode/node-server-sdk's declarations import without extensions, which `nodenext`
// cannot follow, so its helper's type is spelled out here.
type Helpers = { stream: { tts(text: string): void; end(): void } }
type Webhook = { type?: string; text?: string; session_id?: string; conversation_id?: string }

/** The agent itself: one tool, a sentence back. */
async function answer(text: string): Promise<string> {
  const city = /\bin ([A-Z][a-z]+)/.exec(text)?.[1] ?? 'London'
  // telemetry: the tool's span, its metrics and its share of the wait for first speech
  const forecast = await runTool('lookup_weather', () => (city.length % 2 ? 'sunny' : 'raining'))
  return `It is ${forecast} in ${city}.`
}

const app = new Hono()
app.get('/health', (c) => c.json({ status: 'ok' }))
app.use('/api/agent', layercodeTelemetry({ agent: 'weather' })) // telemetry
app.post('/api/agent', async (c) => {
  const raw = await c.req.text()
  const signature = c.req.header('layercode-signature') ?? ''
  if (!verifySignature({ payload: raw, signature, secret }))
    return c.json({ error: 'bad signature' }, 401)
  let event: Webhook
  try {
    event = JSON.parse(raw) as Webhook
  } catch {
    return c.json({ error: 'body is not JSON' }, 400)
  }
  if (typeof event.session_id !== 'string' || typeof event.conversation_id !== 'string')
    return c.json({ error: 'session_id and conversation_id are required' }, 400)
  if (event.type !== 'session.start' && event.type !== 'message') return c.json({ status: 'ok' })
  return streamResponse(event, async ({ stream }: Helpers) => {
    try {
      stream.tts(
        event.type === 'message'
          ? await answer(event.text ?? '')
          : 'Hello! Ask me about the weather.',
      )
    } catch {
      stream.tts('Sorry, something went wrong.')
    } finally {
      stream.end()
    }
  })
})

const port = Number(process.env.PORT ?? 8100)
const hostname = process.env.HOST ?? '127.0.0.1'
serve({ fetch: app.fetch, port, hostname }, (info) =>
  console.log(`weather agent listening on http://${hostname}:${info.port}`),
)
