import { createHmac, timingSafeEqual } from 'node:crypto'

/** LayerCode's default tolerance between the signature timestamp and now. */
export const DEFAULT_TOLERANCE_SECONDS = 300
export const SIGNATURE_HEADER = 'layercode-signature'

const HEADER_PATTERN = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/i

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch'
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure }

export type VerifyOptions = {
  header: string | undefined | null
  rawBody: Uint8Array
  secret: string
  toleranceSeconds?: number
  nowSeconds?: number
}

function hmacHex(secret: string, timestamp: number, rawBody: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')
}

/** Signs a body the way LayerCode does: `t=<unix s>,v1=hex(HMAC-SHA256(secret, "<t>.<body>"))`. */
export function signPayload(
  secret: string,
  rawBody: string | Uint8Array,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, bytes)}`
}

/** Verifies over the exact raw bytes, before any JSON parsing, in constant time. */
export function verifySignature(options: VerifyOptions): SignatureCheck {
  const { header, rawBody, secret } = options
  if (!header) return { ok: false, reason: 'missing' }
  const match = HEADER_PATTERN.exec(header.trim())
  if (!match) return { ok: false, reason: 'malformed' }
  const timestamp = Number(match[1])
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'stale' }
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex')
  const given = Buffer.from(String(match[2]), 'hex')
  // Both are 32 bytes (the pattern fixes the length), as timingSafeEqual requires.
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' }
}
