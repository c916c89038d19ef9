import path from 'node:path'
import type { Writable } from 'node:stream'
import {
  createRedactor,
  errorType,
  identifyError,
  LOG_CONTEXT_KEY,
  otelLogFormat,
  type RedactorOptions,
} from '@layercode-kit/telemetry'
import { context } from '@opentelemetry/api'
import winston from 'winston'
import DailyRotateFile from 'winston-daily-rotate-file'
import { getCallContext } from './context.ts'

export type Logger = winston.Logger
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export type LogFileOptions = {
  /** e.g. `logs/agent.log`: files are `logs/agent-YYYY-MM-DD.log`, with `agent.log` linking to the current one. */
  path: string
  /** winston-daily-rotate-file syntax: `500m`, `1g`. */
  maxSize: string
  /** A count (`10`) or an age (`10d`). */
  maxFiles: string
}

export type LoggerOptions = RedactorOptions & {
  level: LogLevel
  file?: LogFileOptions
  /** Where JSON lines go; stdout unless a test captures them. */
  stdout?: Writable
}

/**
 * Each level method returns before winston does any work when its level is off (winston
 * formats every record, then lets the transports drop it), and captures the call's context
 * at the call: the webhook's ids, filled in so callers never pass them around (explicit
 * fields win), and the OpenTelemetry context for the OTLP record's trace and span ids.
 * winston may run its formats later, when its stream is backed up, in someone else's context.
 */
function atCallSite(logger: winston.Logger): void {
  for (const level of LOG_LEVELS) {
    const log = logger[level].bind(logger) as (message: string, meta?: object) => winston.Logger
    const leveled = (message: string, meta?: object) => {
      if (!logger.isLevelEnabled(level)) return logger
      return log(message, { ...getCallContext(), ...meta, [LOG_CONTEXT_KEY]: context.active() })
    }
    logger[level] = leveled as winston.LeveledLogMethod
  }
}

function rotatingFile(options: LogFileOptions): DailyRotateFile {
  const { dir, name, ext } = path.parse(path.resolve(options.path))
  return new DailyRotateFile({
    dirname: dir,
    filename: `${name}-%DATE%${ext || '.log'}`,
    datePattern: 'YYYY-MM-DD',
    maxSize: options.maxSize,
    maxFiles: options.maxFiles,
    createSymlink: true,
    symlinkName: `${name}${ext || '.log'}`,
    auditFile: path.join(dir, `.${name}-audit.json`),
  })
}

export function createLogger(options: LoggerOptions): Logger {
  const redact = createRedactor(options)
  // Redaction runs last, on the finished record, so nothing added earlier escapes it.
  const redaction = winston.format((info) => {
    for (const key of Object.keys(info)) info[key] = redact.field(key, info[key])
    return info
  })
  const transports: winston.transport[] = [
    new winston.transports.Stream({ stream: options.stdout ?? process.stdout }),
  ]
  if (options.file) transports.push(rotatingFile(options.file))
  const logger = winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      winston.format.timestamp(),
      redaction(),
      otelLogFormat(),
      winston.format.json(),
    ),
    transports,
  })
  atCallSite(logger)
  return logger
}

/**
 * Error fields for a log record (Error's own properties are not enumerable). `error.type` is
 * decided by the same function as the span's, so "Exceptions by type" and the traces agree.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  // The fingerprint groups the line with the error's span and counts (the errors inbox).
  const fingerprint = identifyError(error, errorType(error)).fingerprint
  if (!(error instanceof Error))
    return {
      'error.type': errorType(error),
      'error.message': String(error),
      'error.fingerprint': fingerprint,
    }
  return {
    'error.type': errorType(error),
    'error.fingerprint': fingerprint,
    'error.message': error.message,
    'error.code': (error as { code?: unknown }).code,
    'error.stack': error.stack,
  }
}

/** Flushes file transports before the process exits. */
export async function closeLogger(logger: Logger): Promise<void> {
  const done = new Promise<void>((resolve) => logger.on('finish', () => resolve()))
  logger.end()
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2000).unref())])
}
