import { setTimeout as sleep } from 'node:timers/promises'
import type { LanguageModelV4 } from '@ai-sdk/provider'
import {
  Fault,
  type FaultKind,
  FirstSpeechClock,
  invokeAgentSpan,
  Outcome,
  recordFirstSpeechParts,
  recordTurn,
  runTool,
  timingFirstSpeech,
} from '@layercode-kit/telemetry'
import type { ModelMessage } from 'ai'
import type { Agent, AgentTurn, ToolCall } from '../agents/types.ts'
import { AgentError, AgentErrorCode } from '../errors.ts'
import type { ConversationStore } from '../history/store.ts'
import { errorFields, type Logger } from '../logging/logger.ts'
import type { TurnEvent } from '../protocol/events.ts'
import { SentenceChunker } from '../protocol/sentences.ts'
import { injectedErrorKind, injectedFault, TOKEN_BURST_MULTIPLIER } from './faults.ts'
import type { KeyedQueue } from './keyed-queue.ts'

/** Where a turn's answer goes (the SSE stream in the server). Writes are queued, in order. */
export type TurnSink = {
  tts(content: string): void
  data(content: unknown): void
  end(): void
}

export type TurnDeps = {
  agent: Agent
  model: LanguageModelV4
  store: ConversationStore
  /** Turns of one conversation, one after another. */
  turns: KeyedQueue
  logger: Logger
  /** Honour `custom_metadata.kit_fault` (the contract's Fault kinds), for load tests and alert drills. */
  faultInjection: boolean
  slowDelayMs: number
  /** What an `upstream_error` fault's tool calls (LayerCode's API in the kit): a real request. */
  upstreamUrl?: string
}

/** `firstSpeechS`: seconds from the webhook to the turn's first speech, when it spoke. */
export type TurnResult = { outcome: Outcome; error?: unknown; firstSpeechS?: number | undefined }

/**
 * On failure the caller hears this, the client gets `response.data` with `{error: {code, message}}`,
 * and the stream still ends with `response.end`: a failed turn never hangs the caller.
 */
export const FALLBACK_SPEECH = 'Sorry, I ran into a problem. Could you say that again?'

/**
 * A `message` whose text is empty, blank, null or missing (the platform heard nothing it
 * could transcribe) is answered with this, without calling the agent or storing history.
 */
export const NOTHING_HEARD_SPEECH = "Sorry, I didn't catch that, could you say it again?"

async function invokeAgent(
  deps: TurnDeps,
  turn: AgentTurn,
  fault: FaultKind | undefined,
): Promise<ModelMessage[]> {
  if (turn.event.type === 'session.start') {
    turn.speak(deps.agent.welcome)
    return [{ role: 'assistant', content: deps.agent.welcome }]
  }
  if (fault === Fault.Error) {
    const kind = injectedErrorKind(turn.event)
    const error = new AgentError(AgentErrorCode.InjectedFault, 'fault injected on request')
    // A drill's own kind: grouped by it (the fingerprint), not by where it was thrown.
    throw kind ? Object.assign(error, { fingerprint: [AgentErrorCode.InjectedFault, kind] }) : error
  }
  if (fault === Fault.Slow) await sleep(deps.slowDelayMs, undefined, { signal: turn.signal })
  if (fault === Fault.Tokens)
    turn.providerOptions = { offline: { usageMultiplier: TOKEN_BURST_MULTIPLIER } }
  if (fault === Fault.ModelError) turn.providerOptions = { offline: { refuse: 'rate_limit' } }
  if (!turn.text.trim()) {
    turn.speak(NOTHING_HEARD_SPEECH)
    return []
  }
  return deps.agent.respond(turn)
}

/**
 * A tool call of the agent: the kit's runTool (span, tool metrics, the turn's tools part of
 * first speech), with the injected tool faults inside it and the agent's debug lines around.
 */
async function runAgentTool<T>(
  deps: TurnDeps,
  turn: { fault: FaultKind | undefined; signal: AbortSignal },
  call: ToolCall,
  execute: () => Promise<T>,
): Promise<T> {
  const { logger } = deps
  const started = performance.now()
  logger.debug('tool call', { tool: call.name, tool_call_id: call.callId })
  const result = await runTool(
    call.name,
    async () => {
      if (turn.fault === Fault.SlowTool)
        await sleep(deps.slowDelayMs, undefined, { signal: turn.signal })
      if (turn.fault === Fault.ToolError) throw kitchenOffline(call.name)
      if (turn.fault === Fault.UpstreamError) await checkUpstream(deps.upstreamUrl, turn.signal)
      return execute()
    },
    { agent: deps.agent.name, callId: call.callId },
  )
  logger.debug('tool result', {
    tool: call.name,
    tool_call_id: call.callId,
    duration_ms: Math.round(performance.now() - started),
    result_length: JSON.stringify(result ?? null).length,
  })
  return result
}

/** The error a `tool_error` fault's tool throws. */
function kitchenOffline(tool: string): Error {
  return Object.assign(new Error(`${tool}: the kitchen system is offline`), {
    name: 'KitchenSystemError',
  })
}

/** An `upstream_error` fault: the tool asks its upstream API, which answers an error. */
async function checkUpstream(url: string | undefined, signal: AbortSignal): Promise<void> {
  if (!url) throw Object.assign(new Error('no upstream configured'), { name: 'UpstreamError' })
  const response = await fetch(url, { signal })
  await response.body?.cancel()
  if (!response.ok)
    throw Object.assign(
      new Error(`GET ${url} answered ${response.status} ${response.statusText}`),
      {
        name: 'UpstreamError',
      },
    )
}

/**
 * Runs one `session.start` or `message` turn: waits for the conversation's previous turn,
 * streams the agent's answer, stores the turn's messages only once it completed, and always
 * ends the stream. Never throws.
 */
export async function runTurn(
  deps: TurnDeps,
  event: TurnEvent,
  sink: TurnSink,
  signal: AbortSignal,
): Promise<TurnResult> {
  const { logger, store } = deps
  const conversationId = event.conversation_id
  // From the webhook's arrival: waiting for the conversation's previous turn is part of the
  // caller's wait, so time to first speech and turn duration include it.
  const started = performance.now()
  const clock = new FirstSpeechClock(started)
  const fault = injectedFault(deps, event)
  return deps.turns.run(conversationId, async () => {
    clock.locked()
    const chunker = new SentenceChunker()
    let spokenChars = 0
    let ttsChunks = 0
    let firstSpeechMs: number | undefined
    let lastChunk = ''
    // A whole utterance after earlier speech starts with a space unless the speech ended with
    // one, so the chunks joined as they are still read as sentences.
    const separated = (text: string) =>
      lastChunk && !/\s$/.test(lastChunk) && !/^\s/.test(text) ? ` ${text}` : text
    const say = (chunks: string[]) => {
      for (const chunk of chunks) {
        lastChunk = chunk
        firstSpeechMs ??= performance.now() - started
        clock.spoke()
        ttsChunks += 1
        spokenChars += chunk.length
        sink.tts(chunk)
      }
    }
    const turn: AgentTurn = {
      event,
      text: event.text ?? '',
      history: store.history(conversationId),
      model: deps.model,
      speak: (text) => say([...chunker.push(separated(text)), ...chunker.flush()]),
      speakDelta: (delta) => say(chunker.push(delta)),
      sendData: (content) => sink.data(content),
      runTool: (call, execute) => runAgentTool(deps, { fault, signal }, call, execute),
      signal,
      logger,
    }
    logger.debug('turn received', { text: turn.text, history_messages: turn.history.length })
    let outcome: Outcome = Outcome.Ok
    let failure: unknown
    try {
      const messages = await invokeAgentSpan(deps.agent.name, conversationId, () =>
        timingFirstSpeech(clock, () => invokeAgent(deps, turn, fault)),
      )
      say(chunker.flush())
      store.appendTurn(conversationId, messages)
    } catch (error) {
      say(chunker.flush())
      if (signal.aborted) {
        outcome = Outcome.Aborted
      } else {
        outcome = Outcome.Error
        failure = error
        const code = error instanceof AgentError ? error.code : AgentErrorCode.AgentFailed
        logger.error('turn failed', errorFields(error))
        sink.data({ error: { code, message: 'The agent failed to answer this turn.' } })
        say([separated(FALLBACK_SPEECH)])
      }
    } finally {
      sink.end()
    }
    const durationMs = performance.now() - started
    const firstSpeechS = firstSpeechMs === undefined ? undefined : firstSpeechMs / 1000
    recordTurn({
      agent: deps.agent.name,
      eventType: event.type,
      outcome,
      durationS: durationMs / 1000,
      firstSpeechS,
    })
    // A failed turn's first speech may be the apology: its parts would explain nothing.
    const parts =
      outcome === Outcome.Error
        ? undefined
        : recordFirstSpeechParts({ agent: deps.agent.name, eventType: event.type }, clock)
    const ms = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000))
    logger.info('turn completed', {
      outcome,
      duration_ms: Math.round(durationMs),
      first_speech_ms: firstSpeechMs === undefined ? undefined : Math.round(firstSpeechMs),
      first_speech_queue_ms: ms(parts?.queueS),
      first_speech_model_ms: ms(parts?.modelS),
      first_speech_tools_ms: ms(parts?.toolsS),
      first_speech_sentence_ms: ms(parts?.sentenceS),
      tts_chunks: ttsChunks,
      response_length: spokenChars,
    })
    return { outcome, error: failure, firstSpeechS }
  })
}
