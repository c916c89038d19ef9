import {
  type Attributes,
  context,
  createContextKey,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { Attr, Operation } from './contract.ts'
import { countError } from './errors.ts'
import { recordAgentInvocation } from './genai-metrics.ts'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.ts'
import { currentWebhook } from './webhook-context.ts'

let scoped: { provider: TracerProvider; tracer: Tracer } | undefined

/**
 * The kit's tracer (its instrumentation scope), looked up once per registered provider: the
 * SDK's lookup builds a key string on every call (~5 µs of a turn's spans in the profile).
 */
export function tracer(): Tracer {
  const provider = trace.getTracerProvider()
  if (scoped?.provider !== provider)
    scoped = { provider, tracer: provider.getTracer(SCOPE_NAME, SCOPE_VERSION) }
  return scoped.tracer
}

/** `error.type`: a kit error's code, else the error's class name. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : typeof error
}

/**
 * Marks a span failed the way the semantic conventions ask (exception event, ERROR status,
 * error.type), with the error's fingerprint; the error counts once in the errors inbox.
 */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error))
  const type = errorType(error)
  const identity = countError(
    error,
    type,
    currentConversationId() ?? currentWebhook()?.event.conversationId,
  )
  span.setAttribute(Attr.ErrorType, type)
  span.setAttribute(Attr.ErrorFingerprint, identity.fingerprint)
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  })
}

/** Runs `fn` in a new active span; records a thrown error on it and rethrows; always ends it. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span)
    } catch (error) {
      recordFailure(span, error)
      throw error
    } finally {
      span.end()
    }
  })
}

/** The conversation an `invoke_agent` span is running for, in its context. */
const CONVERSATION = createContextKey('layercode-kit.gen_ai.conversation.id')

/** The conversation id of the agent invocation running here (`invokeAgentSpan`), if any. */
export function currentConversationId(): string | undefined {
  const id = context.active().getValue(CONVERSATION)
  return typeof id === 'string' ? id : undefined
}

/**
 * Runs `fn` inside an `invoke_agent` span for the agent and conversation (LayerCode's id:
 * `gen_ai.conversation.id`, which its model calls carry too), timed as
 * `gen_ai.invoke_agent.duration` under the latest GenAI names.
 */
export async function invokeAgentSpan<T>(
  agent: string,
  conversationId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now()
  let failure: string | undefined
  try {
    // Its model calls and the failure recorded on it name the same conversation.
    return await context.with(context.active().setValue(CONVERSATION, conversationId), () =>
      inSpan(
        `${Operation.InvokeAgent} ${agent}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [Attr.Operation]: Operation.InvokeAgent,
            [Attr.AgentName]: agent,
            [Attr.GenAiConversationId]: conversationId,
          },
        },
        fn,
      ),
    )
  } catch (error) {
    failure = errorType(error)
    throw error
  } finally {
    recordAgentInvocation(agent, (performance.now() - started) / 1000, failure)
  }
}

/** An `execute_tool {tool}` span around `fn`; `callId` is the model's id of the call, if any. */
export function executeToolSpan<T>(
  tool: string,
  callId: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `${Operation.ExecuteTool} ${tool}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [Attr.Operation]: Operation.ExecuteTool,
        [Attr.ToolName]: tool,
        ...(callId ? { [Attr.ToolCallId]: callId } : {}),
        [Attr.ToolType]: 'function',
      },
    },
    fn,
  )
}
