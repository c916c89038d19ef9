import type { LanguageModelV4 } from '@ai-sdk/provider'
import type { ModelMessage } from 'ai'
import type { Logger } from '../logging/logger.ts'
import type { TurnEvent } from '../protocol/events.ts'

/** What an agent gets for one turn: the caller's words, the past, a model and a voice. */
export type AgentTurn = {
  event: TurnEvent
  /** The caller's words (empty for `session.start` without text). */
  text: string
  /** Earlier turns of this conversation, oldest first. */
  history: readonly ModelMessage[]
  model: LanguageModelV4
  /** Speaks a complete utterance now, as sentence-sized `response.tts` chunks. */
  speak(text: string): void
  /** Streams model text: each sentence is spoken as soon as it is complete. */
  speakDelta(delta: string): void
  /** Sent to the browser client as `response.data`. */
  sendData(content: unknown): void
  /** Runs one tool call; the place where tool calls are logged, traced and counted. */
  runTool<T>(call: ToolCall, execute: () => Promise<T>): Promise<T>
  signal: AbortSignal
  logger: Logger
  /** Passed to the model as AI SDK providerOptions (the token-burst drill uses it). */
  providerOptions?: Record<string, Record<string, number | string | boolean>>
}

export type ToolCall = { name: string; callId: string; input: unknown }

export type Agent = {
  name: string
  description: string
  /** Spoken on `session.start`. */
  welcome: string
  /** Answers a `message`; returns the messages to remember for this turn. */
  respond(turn: AgentTurn): Promise<ModelMessage[]>
  /** Answers a `data` event (the JSON goes back to the client as `response.data`). */
  onData?(data: Record<string, unknown>): unknown
}

export type AgentOptions = {
  /** Pause between the slow agent's three parts. */
  slowDelayMs: number
}
