import { z } from 'zod'

/** The webhook event types LayerCode sends (its webhook documentation; summarised in agent/README.md). */
export const EventType = {
  SessionStart: 'session.start',
  Message: 'message',
  Data: 'data',
  SessionUpdate: 'session.update',
  SessionEnd: 'session.end',
} as const
export type EventType = (typeof EventType)[keyof typeof EventType]
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType)

const metadata = z.record(z.string(), z.unknown())
// LayerCode's ids are short; a bound keeps a hostile id out of every map keyed by it.
export const MAX_ID_LENGTH = 256
const id = z.string().min(1).max(MAX_ID_LENGTH)

// Optional fields are nullish: LayerCode sends explicit nulls for absent values.
const base = z.object({
  session_id: id,
  conversation_id: id,
  custom_metadata: metadata.nullish(),
  metadata: metadata.nullish(), // older docs' name for custom_metadata
  from_phone_number: z.string().nullish(),
  to_phone_number: z.string().nullish(),
})

const sessionStart = base.extend({
  type: z.literal(EventType.SessionStart),
  turn_id: id,
  text: z.string().nullish(),
})

const message = base.extend({
  type: z.literal(EventType.Message),
  turn_id: id,
  // Null or missing: the platform heard nothing it could transcribe. Answered, not refused.
  text: z.string().nullish(),
  recording_url: z.string().nullish(),
  recording_status: z.string().nullish(),
  transcript: z.unknown().optional(),
  usage: z.unknown().optional(),
})

const data = base.extend({
  type: z.literal(EventType.Data),
  turn_id: id,
  data: metadata,
})

const sessionUpdate = base.extend({
  type: z.literal(EventType.SessionUpdate),
  recording_status: z.string().nullish(),
  recording_url: z.string().nullish(),
  recording_duration: z.number().nullish(),
  error_message: z.string().nullish(),
})

const transcriptEntry = z.object({
  role: z.string(),
  text: z.string(),
  timestamp: z.union([z.number(), z.string()]).nullish(), // Unix ms, or an ISO string
})

const sessionEnd = base.extend({
  type: z.literal(EventType.SessionEnd),
  agent_id: z.string().nullish(),
  started_at: z.string().nullish(),
  ended_at: z.string().nullish(),
  duration: z.number().nullish(),
  transcription_duration_seconds: z.number().nullish(),
  tts_duration_seconds: z.number().nullish(),
  latency: z.number().nullish(),
  ip_address: z.string().nullish(),
  country_code: z.string().nullish(),
  recording_status: z.string().nullish(),
  transcript: z.array(transcriptEntry).nullish(),
})

export const webhookEventSchema = z.discriminatedUnion('type', [
  sessionStart,
  message,
  data,
  sessionUpdate,
  sessionEnd,
])

export type WebhookEvent = z.infer<typeof webhookEventSchema>
export type SessionStartEvent = z.infer<typeof sessionStart>
export type MessageEvent = z.infer<typeof message>
export type DataEvent = z.infer<typeof data>
/** Events that open a turn and are answered with an SSE stream. */
export type TurnEvent = SessionStartEvent | MessageEvent

export type ParseResult = { ok: true; event: WebhookEvent } | { ok: false; message: string }

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ')
}

/** Validates a parsed JSON body; the message names the offending field. */
export function parseWebhookEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'body must be a JSON object' }
  }
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string') return { ok: false, message: 'type: required string is missing' }
  if (!EVENT_TYPES.includes(type as EventType)) {
    return {
      ok: false,
      message: `type: unknown event type "${type.slice(0, 64)}"; expected one of ${EVENT_TYPES.join(', ')}`,
    }
  }
  const result = webhookEventSchema.safeParse(value)
  return result.success
    ? { ok: true, event: result.data }
    : { ok: false, message: describeIssues(result.error) }
}

/** `custom_metadata`, falling back to the older `metadata` name. */
export function customMetadata(event: WebhookEvent): Record<string, unknown> {
  return event.custom_metadata ?? event.metadata ?? {}
}
