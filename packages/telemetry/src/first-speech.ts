/**
 * Where a turn's wait for its first speech went, measured as it happens: waiting for the
 * conversation's previous turn (queue), inside model calls until the text that is spoken
 * first began (model), inside tool calls (tools), and from that text's first chunk until the
 * first whole sentence was ready to speak (sentence). What is left is the agent's own work
 * (history, prompts, injected delays). Model calls report through AsyncLocalStorage, so the
 * model wrapper (`instrumentModel`) needs no handle on the turn.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { Attr } from './contract.ts'
import { instruments } from './instruments.ts'
import { modelsReport } from './model-reporting.ts'

/** In seconds. A part the app does not report is absent (never a made-up 0). */
export type FirstSpeechParts = {
  queueS?: number
  modelS?: number
  toolsS?: number
  sentenceS?: number
}

/**
 * `all`: the app reports every part (it calls `locked()`, `toolCallEnded()`, and its models
 * are wrapped), so a part never reported is 0. `observed`: only the parts something reported
 * during the turn (or, for the model and sentence parts, a wrapped model in the process) are
 * known; the middleware's clocks are so, since it cannot see a queue or a tool by itself.
 */
export type ClockReporting = 'all' | 'observed'

/** Splits a turn's wait for its first speech into parts (queue, model, tools, sentence) for the latency budget. */
export class FirstSpeechClock {
  readonly #now: () => number
  readonly #arrived: number
  #locked: number | undefined
  #spoken: number | undefined
  #callStarted: number | undefined
  #firstText: number | undefined
  #model = 0
  #tools = 0
  #toolsAfterText = 0
  readonly #reporting: ClockReporting
  #toolsReported = false
  #modelReported = false
  /** The model whose text was spoken first. */
  model: string | undefined

  /** `arrived`: when the webhook arrived, on the same clock as `now`. */
  constructor(
    arrived: number,
    now: () => number = () => performance.now(),
    reporting: ClockReporting = 'all',
  ) {
    this.#arrived = arrived
    this.#now = now
    this.#reporting = reporting
  }

  /** The conversation's previous turn is done: this one runs. */
  locked(): void {
    this.#locked ??= this.#now()
  }

  modelCallStarted(): void {
    this.#modelReported = true
    if (this.#spoken === undefined) this.#callStarted = this.#now()
  }

  /** A model call streamed text: the first text of the turn starts the sentence part. */
  modelText(model: string): void {
    if (this.#spoken !== undefined || this.#firstText !== undefined) return
    const now = this.#now()
    if (this.#callStarted !== undefined) this.#model += now - this.#callStarted
    this.#callStarted = undefined
    this.#firstText = now
    this.model = model
  }

  /** A model call ended (its whole time counts when it streamed no text, e.g. a tool call). */
  modelCallEnded(): void {
    if (this.#spoken === undefined && this.#callStarted !== undefined)
      this.#model += this.#now() - this.#callStarted
    this.#callStarted = undefined
  }

  /** A tool call that took `durationMs` just ended. */
  toolCallEnded(durationMs: number): void {
    this.#toolsReported = true
    if (this.#spoken !== undefined) return
    this.#tools += durationMs
    if (this.#firstText !== undefined) this.#toolsAfterText += durationMs
  }

  /** The first response.tts chunk went out. */
  spoke(): void {
    this.#spoken ??= this.#now()
  }

  /** The parts, in seconds; undefined when nothing was said. */
  parts(): FirstSpeechParts | undefined {
    if (this.#spoken === undefined) return undefined
    const s = (ms: number) => Math.max(0, ms) / 1000
    const all = this.#reporting === 'all'
    const models = all || this.#modelReported || modelsReport()
    const parts: FirstSpeechParts = {}
    if (all || this.#locked !== undefined)
      parts.queueS = s((this.#locked ?? this.#arrived) - this.#arrived)
    if (models) parts.modelS = s(this.#model)
    if (all || this.#toolsReported) parts.toolsS = s(this.#tools)
    if (models)
      parts.sentenceS =
        this.#firstText === undefined ? 0 : s(this.#spoken - this.#firstText - this.#toolsAfterText)
    return parts
  }
}

const clocks = new AsyncLocalStorage<FirstSpeechClock>()

/** Runs `fn` (a turn) with model calls inside reporting to `clock`. */
export function timingFirstSpeech<T>(clock: FirstSpeechClock, fn: () => T): T {
  return clocks.run(clock, fn)
}

/** The running turn's clock, if any (for model wrappers). */
export function firstSpeechClock(): FirstSpeechClock | undefined {
  return clocks.getStore()
}

/** Records the parts of a turn that spoke (layercode.turn.first_speech.*). */
export function recordFirstSpeechParts(
  turn: { agent: string; eventType: string },
  clock: FirstSpeechClock,
): FirstSpeechParts | undefined {
  const parts = clock.parts()
  if (!parts) return undefined
  const i = instruments()
  const attributes = {
    [Attr.AgentName]: turn.agent,
    [Attr.EventType]: turn.eventType,
    ...(clock.model ? { [Attr.RequestModel]: clock.model } : {}),
  }
  if (parts.queueS !== undefined) i.firstSpeechQueue.record(parts.queueS, attributes)
  if (parts.modelS !== undefined) i.firstSpeechModel.record(parts.modelS, attributes)
  if (parts.toolsS !== undefined) i.firstSpeechTools.record(parts.toolsS, attributes)
  if (parts.sentenceS !== undefined) i.firstSpeechSentence.record(parts.sentenceS, attributes)
  return parts
}
