import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { httpError } from './http-error.ts'

/** nginx's "client closed request": no answer reaches the client, the status is for telemetry. */
export const CLIENT_CLOSED_REQUEST = 499 as ContentfulStatusCode

/**
 * What a body that stopped arriving is: the client hung up mid-upload, the server's request
 * timeout cut a slow one, or Node's parser rejected its framing (strictFraming() then records
 * the 400 Node sent). The client's fault: 499, not an unhandled 500 that would page someone
 * and inflate the 5xx panels.
 */
export function bodyIncomplete(): HTTPException {
  return httpError(
    CLIENT_CLOSED_REQUEST,
    'body_incomplete',
    'the request body did not arrive complete (the client closed the connection or was too slow)',
  )
}

/** The raw body; see bodyIncomplete() for a body that stops arriving. */
export async function readBody(c: Context): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer())
  } catch (error) {
    if (error instanceof HTTPException) throw error // the streamed body limit's 413
    throw bodyIncomplete()
  }
}
