/**
 * The contract's metrics, recorded in one place with the attributes the dashboards group by:
 * a turn (count, duration, time to first speech), a tool call, a session starting and ending
 * (the app's SessionTracker feeds the active-sessions gauge). The kit's agent and any user's agent call these.
 */
import { Attr, type Outcome, type WebhookRejection } from './contract.ts'
import { recordToolDuration } from './genai-metrics.ts'
import { instruments } from './instruments.ts'
import { priceTable, speechCost } from './pricing.ts'
import type { SessionTracker } from './sessions.ts'
import { chargingTo, recordCharges } from './spend.ts'

/** A finished turn, for `recordTurn`. */
export type TurnRecord = {
  agent: string
  /** The webhook event: `message` or `session.start`. */
  eventType: string
  outcome: Outcome
  durationS: number
  /** Until the first spoken chunk; undefined when nothing was said. */
  firstSpeechS?: number | undefined
}

/**
 * Records a finished turn: `layercode.turn.duration` (whose count is the turn count) and, if
 * it spoke, time to first speech.
 */
export function recordTurn(turn: TurnRecord): void {
  const { turnDuration, timeToFirstSpeech } = instruments()
  const attributes = {
    [Attr.AgentName]: turn.agent,
    [Attr.EventType]: turn.eventType,
    [Attr.Outcome]: turn.outcome,
  }
  turnDuration.record(turn.durationS, attributes)
  if (turn.firstSpeechS !== undefined) timeToFirstSpeech.record(turn.firstSpeechS, attributes)
}

/** A finished tool call, for `recordToolCall`. */
export type ToolCallRecord = {
  agent: string
  tool: string
  outcome: Outcome
  /** From the call to its result or error. */
  durationS: number
  /** error.type of a failed call. */
  errorType?: string | undefined
}

/**
 * Records a finished tool call: `layercode.tool.calls` and its duration (`layercode.tool.duration`,
 * or `gen_ai.execute_tool.duration` under the latest GenAI names).
 */
export function recordToolCall(call: ToolCallRecord): void {
  const attributes = {
    [Attr.AgentName]: call.agent,
    [Attr.ToolName]: call.tool,
    [Attr.Outcome]: call.outcome,
  }
  instruments().toolCalls.add(1, attributes)
  recordToolDuration(attributes, call.durationS, call.errorType)
}

/** A webhook refused for its signature, before its body is parsed. */
export function recordWebhookRejection(agent: string, reason: WebhookRejection): void {
  instruments().webhookRejections.add(1, {
    [Attr.AgentName]: agent,
    [Attr.RejectionReason]: reason,
  })
}

/** A session's first webhook (`session.start`): counted once, active until it ends. */
export function recordSessionStart(
  sessions: SessionTracker,
  sessionId: string,
  agent: string,
): void {
  instruments().sessionsStarted.add(1, { [Attr.AgentName]: agent })
  sessions.seen(sessionId, agent)
}

/** Any later webhook of a session: keeps it active (a session may start before this process did). */
export function recordSessionActivity(
  sessions: SessionTracker,
  sessionId: string,
  agent: string,
): void {
  sessions.seen(sessionId, agent)
}

/** What LayerCode reports about a session in session.end (absent fields are not recorded). */
export type SessionFigures = {
  /** `duration`, ms. */
  durationMs?: number | null | undefined
  /** `latency`: its unit is undocumented; read as ms, like `duration` (the contract says so). */
  latencyMs?: number | null | undefined
  transcriptionS?: number | null | undefined
  ttsS?: number | null | undefined
}

const figure = (value: number | null | undefined) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined

/**
 * Records session.end; returns what this process saw of the session (its turns and what they
 * and LayerCode's speech cost), or undefined when its turns ran elsewhere or it expired.
 */
export function recordSessionEnd(
  sessions: SessionTracker,
  sessionId: string,
  agent: string,
  figures: SessionFigures = {},
): { turns: number; spendUsd: number } | undefined {
  const i = instruments()
  const attributes = { [Attr.AgentName]: agent }
  i.sessionsEnded.add(1, attributes)
  const session = sessions.ended(sessionId)
  if (session) i.sessionTurns.record(session.turns, attributes)
  const durationMs = figure(figures.durationMs)
  if (durationMs !== undefined) i.sessionDuration.record(durationMs / 1000, attributes)
  const latencyMs = figure(figures.latencyMs)
  if (latencyMs !== undefined) i.sessionLatency.record(latencyMs / 1000, attributes)
  const transcriptionS = figure(figures.transcriptionS)
  if (transcriptionS !== undefined) i.sessionTranscription.record(transcriptionS, attributes)
  const ttsS = figure(figures.ttsS)
  if (ttsS !== undefined) i.sessionTts.record(ttsS, attributes)
  const speech = recordCharges(speechCost(priceTable(), { transcriptionS, ttsS }), attributes)
  // Only a session whose turns ran here has a whole total.
  if (!session) return undefined
  const spendUsd = session.spendUsd + speech
  i.sessionCost.record(spendUsd, attributes)
  return { turns: session.turns, spendUsd }
}

/**
 * Runs a turn of this session (its `session.start` or `message`) so that what its model calls
 * cost is added to the session's spend, recorded at session.end.
 */
export function chargingSession<T>(sessions: SessionTracker, sessionId: string, turn: () => T): T {
  return chargingTo((usd) => sessions.addSpend(sessionId, usd), turn)
}
