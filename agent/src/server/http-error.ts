import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export type ErrorBody = { error: { code: string; message: string } }

/** An expected failure: answered as `{"error": {"code", "message"}}` with its status. */
export function httpError(
  status: ContentfulStatusCode,
  code: string,
  message: string,
): HTTPException {
  return new HTTPException(status, { message, cause: { code } })
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } }
}

export function errorCode(error: HTTPException): string {
  const cause = error.cause as { code?: unknown } | undefined
  return typeof cause?.code === 'string' ? cause.code : 'http_error'
}
