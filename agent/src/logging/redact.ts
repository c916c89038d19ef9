export const REDACTED = '[REDACTED]'

/**
 * Keys whose values are never logged, whatever their content: credentials, not every key
 * that mentions a token (gen_ai.usage.input_tokens and gen_ai.token.type must survive).
 * collector/config.yaml drops attributes with the same pattern (a test keeps them equal).
 */
export const DEFAULT_SECRET_KEY_PATTERN =
  /authorization|cookie|signature|secret|passw(?:or)?d|api[-_.]?key|credential|session[-_.]?key|(?:^|[-_.])(?:access|refresh|auth|bearer|session|csrf|id|api)?[-_.]?token$|^token$/i

export type RedactorOptions = {
  /** Values of known secrets (webhook secret, API keys): masked wherever they appear. */
  secrets?: ReadonlyArray<string | undefined>
  keyPattern?: RegExp
}

export type Redactor = <T>(value: T) => T

const MAX_DEPTH = 8

/** Builds a function that returns a redacted deep copy of plain data. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const keyPattern = options.keyPattern ?? DEFAULT_SECRET_KEY_PATTERN
  // Short values would mask ordinary words; real secrets are long.
  const secrets = (options.secrets ?? []).filter((s): s is string => !!s && s.length >= 8)

  function redactString(text: string): string {
    let out = text
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    return out
  }

  function walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return redactString(value)
    if (value === null || typeof value !== 'object') return value
    if (depth >= MAX_DEPTH) return '[Truncated]'
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1))
    if (value instanceof Date) return value
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      out[key] = keyPattern.test(key) ? REDACTED : walk(item, depth + 1)
    }
    return out
  }

  return <T>(value: T) => walk(value, 0) as T
}
