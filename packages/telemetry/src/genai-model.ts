import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider'
import { type Attributes, context, SpanKind, trace } from '@opentelemetry/api'
import { wrapLanguageModel } from 'ai'
import { Attr, CAPTURE_CONTENT_ENV, Operation } from './contract.ts'
import { firstSpeechClock } from './first-speech.ts'
import { latestGenAiNames, recordFirstChunk, recordInference } from './genai-metrics.ts'
import { modelWrapped } from './model-reporting.ts'
import { recordModelSpend } from './spend.ts'
import { currentConversationId, errorType, recordFailure, tracer } from './tracing.ts'
import { currentWebhook } from './webhook-context.ts'

/** `openai.chat` -> `openai`: the semantic conventions' provider names have no API suffix. */
export function providerName(model: LanguageModelV4): string {
  return model.provider.split('.')[0] ?? model.provider
}

type CallState = {
  responseModel?: string
  responseId?: string
  usage?: LanguageModelV4Usage
  finishReason?: string
  text: string
  toolCalls: Array<{ name: string; arguments: string }>
}

function observe(state: CallState, part: LanguageModelV4StreamPart): void {
  switch (part.type) {
    case 'response-metadata':
      state.responseModel = part.modelId ?? state.responseModel
      state.responseId = part.id ?? state.responseId
      break
    case 'text-delta':
      state.text += part.delta
      break
    case 'tool-call':
      state.toolCalls.push({ name: part.toolName, arguments: part.input })
      break
    case 'finish':
      state.usage = part.usage
      state.finishReason = part.finishReason.unified
      break
  }
}

/** Stream parts that are the model's output (not metadata, not the finish). */
const OUTPUT_PARTS: ReadonlySet<string> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-start',
  'tool-call',
])

/**
 * A `chat {model}` CLIENT span around every model call, active while the request is made
 * (so the HTTP client span is its child), ended when the stream is drained, cancelled or
 * failed; plus the GenAI token and duration metrics of the generations the switch asks for.
 */
function telemetryMiddleware(
  named: string | undefined,
  captureContent: boolean,
): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    async wrapStream({ doStream, params, model }) {
      // Named by the app, else by the webhook the kit's middleware is observing.
      const webhook = currentWebhook()
      const agent = named ?? webhook?.agent ?? UNKNOWN_AGENT
      const conversationId = currentConversationId() ?? webhook?.event.conversationId
      const base: Attributes = {
        [Attr.Operation]: Operation.Chat,
        [Attr.Provider]: providerName(model),
        [Attr.RequestModel]: model.modelId,
        [Attr.AgentName]: agent,
      }
      // LayerCode's conversation id, on the span only (an id per conversation is no metric label).
      const span = tracer().startSpan(`${Operation.Chat} ${model.modelId}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          ...base,
          ...(conversationId ? { [Attr.GenAiConversationId]: conversationId } : {}),
        },
      })
      if (captureContent) span.setAttribute(Attr.InputMessages, JSON.stringify(params.prompt))
      const started = performance.now()
      // The turn this call belongs to, for its time-to-first-speech parts.
      const clock = firstSpeechClock()
      clock?.modelCallStarted()
      const state: CallState = { text: '', toolCalls: [] }
      let firstChunk = false
      /** The first output (text, reasoning, a tool call) is the semconv's first chunk. */
      const chunk = (part: LanguageModelV4StreamPart) => {
        if (!OUTPUT_PARTS.has(part.type)) return
        if (!firstChunk) {
          firstChunk = true
          const seconds = (performance.now() - started) / 1000
          recordFirstChunk(
            { ...base, [Attr.ResponseModel]: state.responseModel ?? model.modelId },
            seconds,
          )
          if (latestGenAiNames()) span.setAttribute(Attr.TimeToFirstChunk, seconds)
        }
        if (part.type === 'text-delta') clock?.modelText(model.modelId)
      }
      let ended = false
      const end = (error?: unknown) => {
        if (ended) return
        ended = true
        clock?.modelCallEnded()
        const responseModel = state.responseModel ?? model.modelId
        const input = state.usage?.inputTokens.total
        const output = state.usage?.outputTokens.total
        const cachedInput = state.usage?.inputTokens.cacheRead
        span.setAttributes({
          [Attr.ResponseModel]: responseModel,
          ...(state.responseId ? { [Attr.ResponseId]: state.responseId } : {}),
          ...(input !== undefined ? { [Attr.InputTokens]: input } : {}),
          ...(output !== undefined ? { [Attr.OutputTokens]: output } : {}),
          ...(cachedInput !== undefined ? { [Attr.CachedInputTokens]: cachedInput } : {}),
          [Attr.FinishReasons]: state.finishReason ? [state.finishReason] : [],
        })
        if (captureContent) {
          span.setAttribute(
            Attr.OutputMessages,
            JSON.stringify([{ role: 'assistant', text: state.text, tool_calls: state.toolCalls }]),
          )
        }
        if (error !== undefined) recordFailure(span, error)
        span.end()
        recordInference({
          attributes: { ...base, [Attr.ResponseModel]: responseModel },
          durationS: (performance.now() - started) / 1000,
          errorType: error !== undefined ? errorType(error) : undefined,
          input,
          output,
          cachedInput,
        })
        if (input !== undefined || output !== undefined)
          recordModelSpend(
            { agent, provider: providerName(model), model: model.modelId },
            { input: input ?? 0, output: output ?? 0, cachedInput },
          )
      }

      let result: Awaited<ReturnType<typeof doStream>>
      try {
        result = await context.with(trace.setSpan(context.active(), span), doStream)
      } catch (error) {
        end(error)
        throw error
      }
      const reader = result.stream.getReader()
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          try {
            const { done, value } = await reader.read()
            if (done) {
              end()
              controller.close()
              return
            }
            observe(state, value)
            chunk(value)
            if (value.type === 'error') end(value.error)
            controller.enqueue(value)
          } catch (error) {
            end(error)
            controller.error(error)
          }
        },
        cancel(reason) {
          end(reason ?? new Error('model stream cancelled'))
          return reader.cancel(reason)
        },
      })
      return { ...result, stream }
    },
  }
}

/** `gen_ai.agent.name` of a model call outside any observed webhook, with no name given. */
const UNKNOWN_AGENT = 'unknown'

/**
 * Wraps an AI SDK model once, so each streamed call through it gets a `chat {model}` CLIENT
 * span, token usage, duration, time to first chunk and cost (`layercode.cost`, charged to the
 * running turn's session), and reports to the turn's first-speech clock. `agent` names the
 * agent; by default the agent of the webhook the kit's middleware is observing.
 */
export function instrumentModel(
  model: LanguageModelV4,
  agent?: string,
  env: Record<string, string | undefined> = process.env,
): LanguageModelV4 {
  modelWrapped()
  const captureContent = env[CAPTURE_CONTENT_ENV]?.toLowerCase() === 'true'
  return wrapLanguageModel({
    model,
    middleware: telemetryMiddleware(agent, captureContent),
  }) as LanguageModelV4
}

export type { LanguageModelV4CallOptions }
