import type { Handler } from 'hono'
import { z } from 'zod'
import { errorFields, type Logger } from '../logging/logger.ts'
import { parseJson } from '../protocol/json.ts'
import { httpError } from './http-error.ts'
import { readBody } from './read-body.ts'

export const AUTHORIZE_PATH = '/v1/agents/web/authorize_session'

export type AuthorizeOptions = {
  apiKey: string | undefined
  /** LayerCode's API origin; tests point it at a local server. */
  baseUrl: string
  /** Used when the browser does not send `agent_id`. */
  defaultAgentId?: string | undefined
  timeoutMs?: number
  logger: Logger
}

const requestSchema = z.looseObject({
  agent_id: z.string().min(1).optional(),
  conversation_id: z.string().nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  custom_metadata: z.record(z.string(), z.unknown()).nullish(),
  custom_headers: z.record(z.string(), z.string()).nullish(),
})

/**
 * Lets a browser client start a session without holding the API key: forwards its body to
 * LayerCode's authorize-session endpoint with the server's key and passes the answer back.
 */
export function authorizeHandler(options: AuthorizeOptions): Handler {
  const url = new URL(AUTHORIZE_PATH, options.baseUrl)
  return async function authorizeSession(c) {
    if (!options.apiKey)
      throw httpError(500, 'api_key_missing', 'LAYERCODE_API_KEY is not set on the server')
    const json = parseJson(new TextDecoder().decode(await readBody(c)))
    if (!json.ok) throw httpError(400, json.code, json.message)
    const body = json.value
    const parsed = requestSchema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw httpError(
        400,
        'invalid_request',
        `${issue?.path.join('.') || '(body)'}: ${issue?.message}`,
      )
    }
    const agentId = parsed.data.agent_id ?? options.defaultAgentId
    if (!agentId)
      throw httpError(400, 'invalid_request', 'agent_id: required (or set LAYERCODE_AGENT_ID)')
    const forwarded = JSON.stringify({ ...parsed.data, agent_id: agentId })
    let upstream: Response
    try {
      upstream = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: forwarded,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      })
    } catch (error) {
      // Only the call itself fails here: a timeout, or a network error (fetch's TypeError).
      if ((error as Error).name === 'TimeoutError') {
        options.logger.warn('authorize upstream timed out', errorFields(error))
        throw httpError(504, 'upstream_timeout', 'LayerCode did not answer in time')
      }
      if (!(error instanceof TypeError)) throw error
      options.logger.warn('authorize upstream failed', errorFields(error))
      throw httpError(502, 'upstream_unreachable', 'LayerCode could not be reached')
    }
    const text = await upstream.text()
    if (!upstream.ok)
      options.logger.warn('authorize rejected upstream', { status: upstream.status })
    // Pass the upstream answer through as it came, status included.
    return new Response(text, {
      status: upstream.status,
      headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' },
    })
  }
}
