import { type ModelMessage, stepCountIs, streamText, type Tool } from 'ai'
import type { AgentTurn } from './types.ts'

export type ModelReplyOptions = {
  system: string
  tools?: Record<string, Tool>
  /** Model round trips per turn (a tool call and its answer take two). */
  maxSteps?: number
}

/** Streams a model answer to the caller and returns the turn's messages for history. */
export async function streamModelReply(
  turn: AgentTurn,
  options: ModelReplyOptions,
): Promise<ModelMessage[]> {
  const userMessage: ModelMessage = { role: 'user', content: turn.text }
  const result = streamText({
    model: turn.model,
    system: options.system,
    messages: [...turn.history, userMessage],
    tools: options.tools,
    stopWhen: stepCountIs(options.maxSteps ?? 4),
    abortSignal: turn.signal,
    ...(turn.providerOptions ? { providerOptions: turn.providerOptions } : {}),
    maxRetries: 1,
    // Errors arrive as `error` parts below; without this the SDK also prints them.
    onError: () => {},
  })
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') turn.speakDelta(part.text)
    else if (part.type === 'error') throw part.error
    else if (part.type === 'abort') throw turn.signal.reason ?? new Error('model stream aborted')
    else if (part.type === 'tool-error') turn.logger.warn('tool failed', { tool: part.toolName })
  }
  const response = await result.response
  return [userMessage, ...response.messages]
}
