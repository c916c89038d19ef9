/**
 * The GenAI metrics, recorded under the names of each generation the switch asks for
 * (genai-generation.ts): one call per measurement, whichever names it becomes.
 */
import type { Attributes } from '@opentelemetry/api'
import { Attr, GenAiGeneration, TokenModality } from './contract.ts'
import { genAiGenerationsInUse } from './genai-generation.ts'
import { instruments } from './instruments.ts'

const hasLegacy = () => genAiGenerationsInUse().has(GenAiGeneration.Legacy)
const hasLatest = () => genAiGenerationsInUse().has(GenAiGeneration.Latest)

/** Whether the latest names are on (for span attributes that only they define). */
export const latestGenAiNames = hasLatest

/** A finished model call: its GenAI attributes, how long it took, what it used. */
export type InferenceRecord = {
  /** gen_ai.operation.name, provider, request and response model, agent. */
  attributes: Attributes
  durationS: number
  /** error.type of a failed call. */
  errorType?: string | undefined
  input?: number | undefined
  output?: number | undefined
  /** Of the input tokens, those read from the provider's prompt cache. */
  cachedInput?: number | undefined
  /** What the tokens were (the kit's chat models: text). */
  modality?: (typeof TokenModality)[keyof typeof TokenModality]
}

/**
 * Records a model call: legacy `gen_ai.client.operation.duration` and `gen_ai.client.token.usage`
 * (by gen_ai.token.type); latest `gen_ai.client.inference.duration`, the token counters (by
 * gen_ai.token.modality) and the per-call token histograms.
 */
export function recordInference(call: InferenceRecord): void {
  const i = instruments()
  const { attributes, input, output, cachedInput } = call
  const timed = {
    ...attributes,
    ...(call.errorType !== undefined ? { [Attr.ErrorType]: call.errorType } : {}),
  }
  const counted = { ...attributes, [Attr.TokenModality]: call.modality ?? TokenModality.Text }
  if (hasLegacy()) {
    i.operationDuration.record(call.durationS, timed)
    if (input !== undefined)
      i.tokenUsage.record(input, { ...attributes, [Attr.TokenType]: 'input' })
    if (output !== undefined)
      i.tokenUsage.record(output, { ...attributes, [Attr.TokenType]: 'output' })
  }
  if (hasLatest()) {
    i.inferenceDuration.record(call.durationS, timed)
    if (input !== undefined) {
      i.inputTokens.add(input, counted)
      i.inputTokensPerCall.record(input, attributes)
    }
    if (output !== undefined) {
      i.outputTokens.add(output, counted)
      i.outputTokensPerCall.record(output, attributes)
    }
    if (cachedInput !== undefined) i.cacheReadTokens.add(cachedInput, counted)
  }
}

/** A streamed model call's first chunk, `seconds` after the request. */
export function recordFirstChunk(attributes: Attributes, seconds: number): void {
  const i = instruments()
  if (hasLegacy()) i.timeToFirstChunk.record(seconds, attributes)
  if (hasLatest()) i.inferenceFirstChunk.record(seconds, attributes)
}

/** A tool call's duration: legacy `layercode.tool.duration`, latest `gen_ai.execute_tool.duration`. */
export function recordToolDuration(attributes: Attributes, seconds: number, error?: string): void {
  const i = instruments()
  if (hasLegacy()) i.toolDuration.record(seconds, attributes)
  if (hasLatest())
    i.executeToolDuration.record(seconds, {
      ...attributes,
      ...(error !== undefined ? { [Attr.ErrorType]: error } : {}),
    })
}

/** An agent invocation (the invoke_agent span): `gen_ai.invoke_agent.duration`, latest only. */
export function recordAgentInvocation(agent: string, seconds: number, error?: string): void {
  if (!hasLatest()) return
  instruments().invokeAgentDuration.record(seconds, {
    [Attr.AgentName]: agent,
    ...(error !== undefined ? { [Attr.ErrorType]: error } : {}),
  })
}
