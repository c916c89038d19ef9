import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { sendWebhook, type WebhookResult } from '@layercode-kit/protocol'
import {
  ERROR_KIND_METADATA_KEY,
  FAULT_HEADER,
  FAULT_METADATA_KEY,
  type FaultKind,
  SYNTHETIC_METADATA_KEY,
} from '@layercode-kit/telemetry'

/** What a message asking for a slow tool says: the bakery answers it with its list_menu tool. */
export const SLOW_TOOL_TEXT = "What's on the menu today?"

/** What callers of a voice bakery (or any agent) tend to say; rotated across conversations. */
export const SCRIPTS: readonly (readonly string[])[] = [
  [
    "What's on the menu today?",
    "I'd like to order two croissants please.",
    'Can I book a table for four at 7pm?',
  ],
  ['Hello, are you open on Sunday?', 'Do you have anything without gluten?', 'Great, thank you.'],
  ["I'd like to order a sourdough loaf.", 'And three cinnamon rolls, please.', "That's all, bye."],
  ['Can I book a table for two at 12:30?', "What's on the menu for lunch?", 'Perfect.'],
]

/**
 * `hangup`: the caller hangs up mid-answer (a barge-in or a dropped call): the message asks
 * for a slow turn and the request is cancelled once the answer's headers arrive, so the agent
 * records the turn as aborted.
 */
export type Fault = FaultKind | 'hangup'

export type TurnKind = 'session.start' | 'message'

export type TurnRecord = {
  kind: TurnKind
  /** The fault the agent says it injected (not merely the one asked for). */
  fault?: Fault
  /** The caller hung up on purpose (a `hangup` fault): not a failure. */
  hungUp?: boolean
  /** A fault was asked for and the agent ignored it (AGENT_FAULT_INJECTION is off). */
  faultIgnored?: boolean
  ok: boolean
  /** Why a turn failed: an HTTP status, a missing `response.end`, an error event, a network error. */
  failure?: string
  totalMs: number
  firstTtsMs?: number
}

export type ConversationOptions = {
  url: string
  secret: string
  script: readonly string[]
  /** Decides, per message, whether to inject a fault. */
  pickFault: () => Fault | undefined
  thinkTimeMs: number
  /** Marks every webhook synthetic (the canary): the agent tags it, the dashboards leave it out. */
  synthetic?: boolean
  /** Injected errors are of this kind (ERROR_KIND_METADATA_KEY): their own fingerprint. */
  errorKind?: string
  signal?: AbortSignal
}

/** What the load generator reported in session.end, as LayerCode would. */
export type ReportedSession = {
  durationMs: number
  transcriptionS: number
  ttsS: number
  latencyMs: number
}

/** The `latency` every scripted session.end reports (LayerCode's own figure; ms, as the kit reads it). */
export const SCRIPTED_LATENCY_MS = 800

export type ConversationRecord = {
  conversationId: string
  turns: TurnRecord[]
  otherFailures: string[]
  /** Set once session.end was answered 200. */
  session?: ReportedSession
}

/** Scripted speech totals (LayerCode measures real audio): 1.5 s per caller message, 2 s of
 *  synthesized speech per turn, so tests know exactly what the agent was told. */
export const sessionSpeech = (messages: number) => ({
  transcriptionS: 1.5 * messages,
  ttsS: 2 * (messages + 1),
})

function judgeTurn(result: WebhookResult, turnId: string): string | undefined {
  if (result.status !== 200) return `http ${result.status}`
  const events = result.events.map((e) => e.event)
  const last = events.at(-1)
  if (last?.type !== 'response.end' || last.turn_id !== turnId) return 'no response.end'
  if (events.some((e) => e.turn_id !== turnId)) return 'wrong turn_id'
  const error = events.find(
    (e) => e.type === 'response.data' && (e.content as { error?: unknown })?.error,
  )
  return error ? 'agent error' : undefined
}

/** One realistic conversation: start, the script's messages, a data event, end. */
export async function runConversation(options: ConversationOptions): Promise<ConversationRecord> {
  const prefix = options.synthetic ? 'canary' : 'lg'
  const conversationId = `conv_${prefix}_${randomUUID()}`
  const sessionId = `sess_${prefix}_${randomUUID()}`
  const record: ConversationRecord = { conversationId, turns: [], otherFailures: [] }
  const transcript: Array<{ role: string; text: string; timestamp: number }> = []
  const base = { session_id: sessionId, conversation_id: conversationId }
  const post = (body: Record<string, unknown>, hangUp = false) => {
    const metadata = {
      ...(options.synthetic ? { [SYNTHETIC_METADATA_KEY]: true } : {}),
      ...(body.custom_metadata as object | undefined),
    }
    return sendWebhook({
      url: options.url,
      secret: options.secret,
      body: {
        ...base,
        ...body,
        ...(Object.keys(metadata).length > 0 ? { custom_metadata: metadata } : {}),
      },
      signal: options.signal,
      hangUp,
    })
  }
  const started = Date.now()

  const turn = async (kind: TurnKind, text: string | undefined, fault?: Fault) => {
    const turnId = `turn_${randomUUID()}`
    const asked = fault === 'hangup' ? 'slow' : fault
    const errorKind =
      asked === 'error' && options.errorKind ? { [ERROR_KIND_METADATA_KEY]: options.errorKind } : {}
    const metadata = asked ? { custom_metadata: { [FAULT_METADATA_KEY]: asked, ...errorKind } } : {}
    try {
      const result = await post(
        {
          type: kind,
          turn_id: turnId,
          ...(text === undefined ? {} : { text }),
          ...metadata,
        },
        fault === 'hangup',
      )
      const failure = result.hungUp
        ? result.status === 200
          ? undefined
          : `http ${result.status}`
        : judgeTurn(result, turnId)
      const injected = fault && result.headers.get(FAULT_HEADER) === 'injected'
      record.turns.push({
        kind,
        ...(injected ? { fault } : {}),
        ...(fault && !injected ? { faultIgnored: true } : {}),
        ...(result.hungUp ? { hungUp: true } : {}),
        ok: !failure,
        failure,
        totalMs: result.totalMs,
        firstTtsMs: result.firstTtsMs,
      })
      const spoken = result.events
        .filter((e) => e.event.type === 'response.tts')
        .map((e) => e.event.content)
        .join('')
      if (text) transcript.push({ role: 'user', text, timestamp: Date.now() })
      transcript.push({ role: 'assistant', text: spoken, timestamp: Date.now() })
    } catch (error) {
      if (options.signal?.aborted) throw error
      record.turns.push({
        kind,
        fault,
        ok: false,
        failure: `network: ${(error as Error).message}`,
        totalMs: 0,
      })
    }
  }

  // Abortable: stopping the load generator does not wait out a think time.
  const pause = () =>
    sleep(options.thinkTimeMs, undefined, { signal: options.signal }).catch(() => {})
  await turn('session.start', undefined)
  for (const text of options.script) {
    await pause()
    const fault = options.pickFault()
    // The tool faults need a turn that calls tools.
    const tools = fault === 'slow_tool' || fault === 'tool_error' || fault === 'upstream_error'
    await turn('message', tools ? SLOW_TOOL_TEXT : text, fault)
  }
  const session: ReportedSession = {
    durationMs: Date.now() - started,
    latencyMs: SCRIPTED_LATENCY_MS,
    ...sessionSpeech(options.script.length),
  }
  for (const body of [
    { type: 'data', turn_id: `turn_${randomUUID()}`, data: { action: 'cart_viewed' } },
    {
      type: 'session.end',
      agent_id: 'loadgen',
      duration: session.durationMs,
      latency: session.latencyMs,
      transcription_duration_seconds: session.transcriptionS,
      tts_duration_seconds: session.ttsS,
      transcript,
    },
  ]) {
    try {
      const result = await post(body)
      if (result.status !== 200) record.otherFailures.push(`${body.type}: http ${result.status}`)
      else if (body.type === 'session.end') record.session = session
    } catch (error) {
      if (options.signal?.aborted) throw error
      record.otherFailures.push(`${body.type}: ${(error as Error).message}`)
    }
  }
  return record
}
