import { DEV_APP_ENV, DEV_WEBHOOK_SECRET } from '@layercode-kit/protocol'
import { DEFAULT_SECRET_KEY_PATTERN } from '@layercode-kit/telemetry'
import { z } from 'zod'
import { AGENT_NAMES, DEFAULT_AGENT } from './agents/registry.ts'
import { AgentError, AgentErrorCode } from './errors.ts'
import { DEFAULT_HISTORY_LIMITS, type HistoryLimits } from './history/store.ts'
import { LOG_LEVELS, type LogLevel } from './logging/logger.ts'

/** Command-line flags; each overrides its environment variable. */
export type CliFlags = {
  agent?: string
  model?: string
  host?: string
  port?: string | number
  agentRoute?: string
  authorizeRoute?: string
  verbose?: boolean
}

export type AgentConfig = {
  agent: string
  modelId: string | undefined
  host: string
  port: number
  agentRoute: string
  authorizeRoute: string
  /** Unset only outside development; see DEV_WEBHOOK_SECRET. */
  webhookSecret: string | undefined
  /** The public development secret is in use: webhooks from LayerCode itself will be refused. */
  devWebhookSecret: boolean
  layercode: {
    apiKey: string | undefined
    baseUrl: string
    agentId: string | undefined
    timeoutMs: number
  }
  openai: { apiKey: string | undefined; baseUrl: string | undefined }
  appEnv: string
  log: {
    level: LogLevel
    file: string | undefined
    maxSize: string
    maxFiles: string
    secretKeyPattern: RegExp
  }
  bodyLimitBytes: number
  slowDelayMs: number
  offlineChunkDelayMs: number
  faultInjection: boolean
  history: HistoryLimits
  shutdownTimeoutMs: number
  server: { maxConnections: number; headersTimeoutMs: number; requestTimeoutMs: number }
}

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v)
const optionalString = z.preprocess(blankToUndefined, z.string().optional())
const int = (fallback: number, min = 0) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).default(fallback))
const route = (fallback: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\/\S*$/, 'must start with /')
      .default(fallback),
  )
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v),
  z.boolean().default(false),
)

const schema = z.object({
  AGENT: z.preprocess(blankToUndefined, z.enum(AGENT_NAMES).default(DEFAULT_AGENT)),
  DEFAULT_MODEL: optionalString,
  HOST: z.preprocess(blankToUndefined, z.string().default('0.0.0.0')),
  PORT: int(8000).pipe(z.number().max(65535)),
  AGENT_ROUTE: route('/api/agent'),
  AUTHORIZE_ROUTE: route('/api/authorize'),
  LAYERCODE_WEBHOOK_SECRET: optionalString,
  LAYERCODE_API_KEY: optionalString,
  LAYERCODE_API_BASE_URL: z.preprocess(
    blankToUndefined,
    z.url().default('https://api.layercode.com'),
  ),
  LAYERCODE_AGENT_ID: optionalString,
  LAYERCODE_API_TIMEOUT_MS: int(10_000, 1),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(blankToUndefined, z.url().optional()),
  APP_ENV: z.preprocess(blankToUndefined, z.string().default(DEV_APP_ENV)),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' && v ? v.toLowerCase() : undefined),
    z.enum(LOG_LEVELS).default('info'),
  ),
  LOG_FILE: optionalString,
  LOG_MAX_SIZE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+[kmg]?$/i)
      .default('500m'),
  ),
  LOG_MAX_FILES: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+d?$/)
      .default('10d'),
  ),
  LOG_REDACT_PATTERN: optionalString,
  AGENT_BODY_LIMIT_BYTES: int(1024 * 1024, 1),
  SLOW_AGENT_DELAY_MS: int(5000),
  OFFLINE_MODEL_DELAY_MS: int(25),
  AGENT_FAULT_INJECTION: bool,
  HISTORY_MAX_TURNS: int(50, 1),
  HISTORY_MAX_CONVERSATIONS: int(10_000, 1),
  HISTORY_IDLE_TTL_SECONDS: int(1800, 1),
  HISTORY_MAX_BYTES_PER_CONVERSATION: int(DEFAULT_HISTORY_LIMITS.maxBytesPerConversation, 1),
  HISTORY_MAX_TOTAL_BYTES: int(DEFAULT_HISTORY_LIMITS.maxTotalBytes, 1),
  SHUTDOWN_TIMEOUT_MS: int(10_000),
  AGENT_MAX_CONNECTIONS: int(1024, 1),
  AGENT_HEADERS_TIMEOUT_MS: int(10_000, 1),
  AGENT_REQUEST_TIMEOUT_MS: int(30_000, 1),
})

/** Every environment variable the agent reads (.env.example documents each; a test checks). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape)

function secretKeyPattern(extra: string | undefined): RegExp {
  if (!extra) return DEFAULT_SECRET_KEY_PATTERN
  try {
    return new RegExp(`${DEFAULT_SECRET_KEY_PATTERN.source}|${extra}`, 'i')
  } catch (error) {
    throw new AgentError(
      AgentErrorCode.ConfigInvalid,
      `LOG_REDACT_PATTERN is not a valid regular expression: ${extra}`,
      {
        cause: error,
      },
    )
  }
}

/** Reads the agent's configuration from the environment, with CLI flags taking precedence. */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: CliFlags = {},
): AgentConfig {
  const merged = {
    ...env,
    AGENT: flags.agent ?? env.AGENT,
    DEFAULT_MODEL: flags.model ?? env.DEFAULT_MODEL,
    HOST: flags.host ?? env.HOST,
    PORT: flags.port ?? env.PORT,
    AGENT_ROUTE: flags.agentRoute ?? env.AGENT_ROUTE,
    AUTHORIZE_ROUTE: flags.authorizeRoute ?? env.AUTHORIZE_ROUTE,
    LOG_LEVEL: flags.verbose ? 'debug' : env.LOG_LEVEL,
  }
  const parsed = schema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AgentError(
      AgentErrorCode.ConfigInvalid,
      `${issue?.path.join('.')}: ${issue?.message}`,
    )
  }
  const e = parsed.data
  const webhookSecret =
    e.LAYERCODE_WEBHOOK_SECRET ?? (e.APP_ENV === DEV_APP_ENV ? DEV_WEBHOOK_SECRET : undefined)
  return {
    agent: e.AGENT,
    modelId: e.DEFAULT_MODEL,
    host: e.HOST,
    port: e.PORT,
    agentRoute: e.AGENT_ROUTE,
    authorizeRoute: e.AUTHORIZE_ROUTE,
    webhookSecret,
    devWebhookSecret: webhookSecret === DEV_WEBHOOK_SECRET,
    layercode: {
      apiKey: e.LAYERCODE_API_KEY,
      baseUrl: e.LAYERCODE_API_BASE_URL,
      agentId: e.LAYERCODE_AGENT_ID,
      timeoutMs: e.LAYERCODE_API_TIMEOUT_MS,
    },
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL },
    appEnv: e.APP_ENV,
    log: {
      level: e.LOG_LEVEL,
      file: e.LOG_FILE,
      maxSize: e.LOG_MAX_SIZE,
      maxFiles: e.LOG_MAX_FILES,
      secretKeyPattern: secretKeyPattern(e.LOG_REDACT_PATTERN),
    },
    bodyLimitBytes: e.AGENT_BODY_LIMIT_BYTES,
    slowDelayMs: e.SLOW_AGENT_DELAY_MS,
    offlineChunkDelayMs: e.OFFLINE_MODEL_DELAY_MS,
    faultInjection: e.AGENT_FAULT_INJECTION,
    history: {
      maxTurns: e.HISTORY_MAX_TURNS,
      maxConversations: e.HISTORY_MAX_CONVERSATIONS,
      idleTtlMs: e.HISTORY_IDLE_TTL_SECONDS * 1000,
      maxBytesPerConversation: e.HISTORY_MAX_BYTES_PER_CONVERSATION,
      maxTotalBytes: e.HISTORY_MAX_TOTAL_BYTES,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    server: {
      maxConnections: e.AGENT_MAX_CONNECTIONS,
      headersTimeoutMs: e.AGENT_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.AGENT_REQUEST_TIMEOUT_MS,
    },
  }
}

/** Every secret value the process knows, for the log redactor. */
export function secretValues(config: AgentConfig): string[] {
  return [config.webhookSecret, config.layercode.apiKey, config.openai.apiKey].filter(
    (v): v is string => !!v,
  )
}
