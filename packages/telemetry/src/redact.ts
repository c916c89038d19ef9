/** What a masked secret becomes. */
export const REDACTED = '[REDACTED]'

/**
 * Keys whose values are never logged, whatever their content: credentials, not every key
 * that mentions a token (gen_ai.usage.input_tokens and gen_ai.token.type must survive).
 * collector/config.yaml drops resource and span-event attributes with the same pattern (a
 * test keeps them equal); for spans, logs and data points it uses COLLECTOR_SECRET_KEY_PATTERN.
 */
export const DEFAULT_SECRET_KEY_PATTERN =
  /authorization|cookie|signature|secret|passw(?:or)?d|api[-_.]?key|credential|session[-_.]?key|(?:^|[-_.])(?:access|refresh|auth|bearer|session|csrf|id|api)?[-_.]?token$|^token$/i

/**
 * The credential key names the collector drops from every span, log record and data point:
 * whole keys (`api_key`, `password`), or HTTP header attributes
 * (`http.request.header.authorization`). Anchored at both ends so that Go's regexp tries one
 * start position: DEFAULT_SECRET_KEY_PATTERN, unanchored and case-insensitive, cost ~3.4 µs
 * per key there, two thirds of the collector's CPU; this costs ~0.4 µs. Keys that merely
 * contain a credential word (`db_password`) are left to the app's own redaction (the kit's
 * is DEFAULT_SECRET_KEY_PATTERN) and to the value patterns below.
 */
export const COLLECTOR_SECRET_KEY_NAMES = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'layercode-signature',
  'x-api-key',
  'api[-_.]?key',
  'apikey',
  'x-auth-token',
  '(?:access|refresh|id|auth|bearer|session|csrf|api)[-_.]?token',
  'token',
  'session[-_.]?key',
  'secret',
  'client[-_.]?secret',
  'password',
  'passwd',
  'credentials?',
] as const

/**
 * COLLECTOR_SECRET_KEY_NAMES factored by their first letters, so that at every character of
 * a key one branch at most can go on: Go's regexp then tries no branch twice. It matches
 * what the list matches (redact.test.ts holds them equal), at ~150 ns a key where the list
 * as written cost ~720 (Go, 16 contract keys).
 */
const COLLECTOR_SECRET_KEY_ALTERNATION = [
  'a(?:uth(?:orization|[-_.]?token)|ccess[-_.]?token|pi[-_.]?(?:key|token))',
  'p(?:roxy-authorization|assw(?:ord|d))',
  'c(?:ookie|srf[-_.]?token|lient[-_.]?secret|redentials?)',
  'se(?:t-cookie|ssion[-_.]?(?:key|token)|cret)',
  'layercode-signature',
  'x-a(?:pi-key|uth-token)',
  'refresh[-_.]?token',
  'id[-_.]?token',
  'bearer[-_.]?token',
  'token',
].join('|')

/**
 * COLLECTOR_SECRET_KEY_NAMES as the Go (RE2) pattern collector/config.yaml uses (`[.]`, not
 * a backslash, inside the OTTL string).
 */
export const COLLECTOR_SECRET_KEY_PATTERN = `(?i)^(?:http[.](?:request|response)[.]header[.])?(?:${COLLECTOR_SECRET_KEY_ALTERNATION})$`

/**
 * Credential-shaped values, masked whatever their key: a bearer token, OpenAI-style and
 * webhook-secret-style keys. The collector's redaction/mask_values blocks the same shapes
 * (a test keeps them equal); it is the second line, this is the first.
 */
export const CREDENTIAL_VALUE_PATTERNS: readonly RegExp[] = [
  /bearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g,
  /whsec_[A-Za-z0-9_]{8,}/g,
]

// One pass over a string for every shape (the list above stays separate for the collector test).
const CREDENTIAL_VALUES = new RegExp(
  CREDENTIAL_VALUE_PATTERNS.map((pattern) => pattern.source).join('|'),
  'gi',
)

// Short values would mask ordinary words; real secrets are long.
const MIN_SECRET_LENGTH = 8

/**
 * Every secret value this process knows (webhook secret, API keys), wherever it came from:
 * the environment at SDK start, the configuration once `.env` is loaded. Logs and spans
 * both mask them.
 */
const knownSecrets = new Set<string>()

/** Adds values (API keys, tokens) that every redactor masks from now on. */
export function rememberSecrets(values: Iterable<string | undefined>): void {
  for (const value of values)
    if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value)
}

/** Values of environment variables whose name says they hold a credential (`*_API_KEY`, `*_SECRET`...). */
export function secretsInEnv(
  env: Record<string, string | undefined>,
  keyPattern = DEFAULT_SECRET_KEY_PATTERN,
): string[] {
  return Object.entries(env).flatMap(([key, value]) =>
    value && keyPattern.test(key) ? [value] : [],
  )
}

/** Options of `createRedactor`. */
export type RedactorOptions = {
  /** Values of secrets to mask wherever they appear, besides the remembered ones. */
  secrets?: ReadonlyArray<string | undefined>
  keyPattern?: RegExp
}

/** Masks secrets in strings and attribute values. */
export type Redactor = {
  /** A redacted deep copy of plain data; a key matching the pattern has its value masked. */
  <T>(value: T): T
  /** The value stored under `key`, redacted: masked whole when the key names a credential. */
  field(key: string, value: unknown): unknown
  /** A string with every known secret and credential-shaped value masked. */
  text(value: string): string
}

const MAX_DEPTH = 8
/** Keys whose verdict a redactor remembers; beyond them (generated keys) it tests each time. */
const MAX_REMEMBERED_KEYS = 4096

/** Builds the redactor logs and spans share. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const keyPattern = options.keyPattern ?? DEFAULT_SECRET_KEY_PATTERN
  rememberSecrets(options.secrets ?? [])

  function text(value: string): string {
    let out = value
    for (const secret of knownSecrets)
      if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    return out.replace(CREDENTIAL_VALUES, REDACTED)
  }

  function walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return text(value)
    if (value === null || typeof value !== 'object') return value
    if (depth >= MAX_DEPTH) return '[Truncated]'
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1))
    if (value instanceof Date) return value
    if (value instanceof Error) return walk(errorObject(value), depth)
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = field(key, item, depth + 1)
    return out
  }

  // An app uses few keys, again and again: the pattern runs once per key (up to a bound).
  const verdicts = new Map<string, boolean>()
  function isSecretKey(key: string): boolean {
    let verdict = verdicts.get(key)
    if (verdict === undefined) {
      verdict = keyPattern.test(key)
      if (verdicts.size < MAX_REMEMBERED_KEYS) verdicts.set(key, verdict)
    }
    return verdict
  }

  function field(key: string, value: unknown, depth = 0): unknown {
    return isSecretKey(key) ? REDACTED : walk(value, depth)
  }

  const redact = (<T>(value: T) => walk(value, 0) as T) as Redactor
  redact.field = (key, value) => field(key, value)
  redact.text = text
  return redact
}

// An Error's message and stack are not enumerable: without this they would vanish, or be
// logged elsewhere unmasked.
function errorObject(error: Error): Record<string, unknown> {
  return { ...error, name: error.name, message: error.message, stack: error.stack }
}

/**
 * Attributes that carry what was said (prompts, completions, system instructions, tool call
 * arguments and results), as GenAI instrumentations name them: the semantic conventions' and
 * pydantic-ai's (Logfire). The kit's agent records them only with CAPTURE_CONTENT_ENV on; the
 * collector drops them from every span, span event and log record unless that same switch is
 * on in its environment (collector/config.yaml, transform/genai_content; a test keeps it equal).
 */
export const GENAI_CONTENT_ATTRIBUTES = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.prompt',
  'gen_ai.completion',
  'pydantic_ai.all_messages',
  'final_result',
  'tool_arguments',
  'tool_response',
] as const

/** GENAI_CONTENT_ATTRIBUTES as one anchored Go (RE2) pattern for the collector. */
export const GENAI_CONTENT_KEY_PATTERN = `^(?:${GENAI_CONTENT_ATTRIBUTES.map((key) => key.replaceAll('.', '[.]')).join('|')})$`
