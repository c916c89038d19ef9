import {
  type AnyValue,
  type Attributes,
  type Context,
  context,
  logs,
  SeverityNumber,
} from '@opentelemetry/api'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.ts'
import { currentWebhook, webhookLogFields } from './webhook-context.ts'

/**
 * Where a log record may carry the OpenTelemetry context of the call that logged it (the
 * key @opentelemetry/instrumentation-winston uses): winston may run formats later than the
 * call when its stream is backed up, and the context active then is someone else's.
 */
export const LOG_CONTEXT_KEY: unique symbol = Symbol.for(
  'opentelemetry.js.contrib.winston.context',
) as never

const SEVERITY: Record<string, SeverityNumber> = {
  error: SeverityNumber.ERROR,
  warn: SeverityNumber.WARN,
  info: SeverityNumber.INFO,
  http: SeverityNumber.DEBUG3,
  verbose: SeverityNumber.DEBUG2,
  debug: SeverityNumber.DEBUG,
  silly: SeverityNumber.TRACE,
}

/** A winston log record (logform's TransformableInfo), as far as this format reads it. */
export type LogInfo = {
  level: string
  message: unknown
  [LOG_CONTEXT_KEY]?: Context
  [key: string]: unknown
}

/** Fields that are the record itself, not attributes of it. */
const NOT_ATTRIBUTES = new Set(['level', 'message', 'timestamp'])

/** A log attribute may be a map or list (AnyValue), but not a class instance (Date, Error). */
function attributeValue(value: unknown): AnyValue {
  if (value === null || typeof value !== 'object')
    return typeof value === 'bigint' ? String(value) : value
  if (Array.isArray(value)) return value.map(attributeValue)
  if (value instanceof Uint8Array) return value
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return String(value)
  const map: Record<string, AnyValue> = {}
  for (const [key, item] of Object.entries(value)) map[key] = attributeValue(item)
  return map
}

/**
 * A winston format that emits each record it sees as an OpenTelemetry log record (body =
 * message, the other fields as attributes, trace and span ids from the call's context, and
 * inside a webhook the kit's middleware observes, its call-context fields) and
 * passes it on unchanged. Place it after the formats that add or redact fields. Cheaper than
 * a transport (no stream per record), and with a level check before winston's formats, a
 * record below the logger's level costs nothing.
 */
export function otelLogFormat(): { transform(info: LogInfo): LogInfo } {
  const logger = logs.getLogger(SCOPE_NAME, SCOPE_VERSION)
  return {
    transform(info) {
      const severityNumber = SEVERITY[info.level] ?? SeverityNumber.UNSPECIFIED
      const callContext = info[LOG_CONTEXT_KEY] ?? context.active()
      // No SDK, or no processor wants this record: no attributes to build.
      if (!logger.enabled({ severityNumber, context: callContext })) return info
      // Inside a webhook the kit's middleware observes, its call context (the record's own
      // fields win).
      const webhook = currentWebhook()
      const attributes: Record<string, AnyValue> = webhook ? webhookLogFields(webhook) : {}
      for (const key of Object.keys(info)) {
        const value = info[key]
        if (value !== undefined && !NOT_ATTRIBUTES.has(key)) attributes[key] = attributeValue(value)
      }
      logger.emit({
        severityNumber,
        severityText: info.level,
        body: typeof info.message === 'string' ? info.message : attributeValue(info.message),
        attributes: attributes as Attributes,
        context: callContext,
      })
      return info
    },
  }
}
