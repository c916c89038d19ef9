/**
 * One call for a tool's whole telemetry: its `execute_tool` span, `layercode.tool.calls` and
 * duration, and its share of the running turn's wait for first speech.
 */
import { Outcome } from './contract.ts'
import { firstSpeechClock } from './first-speech.ts'
import { recordToolCall } from './recording.ts'
import { errorType, executeToolSpan } from './tracing.ts'
import { currentWebhook } from './webhook-context.ts'

/** Options of `runTool`. */
export type ToolOptions = {
  /** The model's id of this call (`gen_ai.tool.call.id`), when a model asked for it. */
  callId?: string
  /** `gen_ai.agent.name`; by default the agent of the webhook being observed. */
  agent?: string
}

/**
 * Runs a tool and records it: the span (a failure marks it and is rethrown), the tool-call
 * metrics with its outcome, and its time as the turn's tools part of the latency budget.
 */
export async function runTool<T>(
  name: string,
  fn: () => Promise<T> | T,
  options: ToolOptions = {},
): Promise<T> {
  const agent = options.agent ?? currentWebhook()?.agent ?? 'unknown'
  const started = performance.now()
  let outcome: Outcome = Outcome.Error
  let failure: string | undefined
  try {
    const result = await executeToolSpan(name, options.callId, async () => fn())
    outcome = Outcome.Ok
    return result
  } catch (error) {
    failure = errorType(error)
    throw error
  } finally {
    const durationMs = performance.now() - started
    firstSpeechClock()?.toolCallEnded(durationMs)
    recordToolCall({ agent, tool: name, outcome, durationS: durationMs / 1000, errorType: failure })
  }
}
