import type {
  JSONSchema7,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider'

export const OFFLINE_PROVIDER = 'offline'
export const OFFLINE_MODEL_ID = 'offline-voice-1'

export type OfflineModelOptions = {
  /** Pause before each streamed word; the first word waits four times as long (model "thinking"). */
  chunkDelayMs?: number
}

type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'tool-calls'; calls: Array<{ toolName: string; input: Record<string, unknown> }> }

// Words of a tool's name that say nothing about when to call it.
const GENERIC_TOOL_WORDS = new Set(['list', 'make', 'get', 'set', 'search', 'lookup', 'find'])
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part: { type?: string; text?: string }) =>
      part.type === 'text' ? (part.text ?? '') : '',
    )
    .join('')
}

function userTexts(prompt: LanguageModelV4Prompt): string[] {
  return prompt.filter((m) => m.role === 'user').map((m) => textOf(m.content))
}

function firstNumber(text: string): number | undefined {
  const digits = /\b(\d{1,3})\b(?!:)/.exec(text)
  if (digits) return Number(digits[1])
  const word = NUMBER_WORDS.findIndex((w) => new RegExp(`\\b${w}\\b`, 'i').test(text))
  return word > 0 ? word : undefined
}

function clockTime(text: string): string | undefined {
  const match = /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(\d{1,2}):(\d{2})\b/i.exec(text)
  if (!match) return undefined
  if (match[4]) return `${match[4].padStart(2, '0')}:${match[5]}`
  let hour = Number(match[1]) % 12
  if (match[3]?.toLowerCase() === 'pm') hour += 12
  return `${String(hour).padStart(2, '0')}:${match[2] ?? '00'}`
}

/** Fills a tool's JSON-schema arguments from the user's words, deterministically. */
function fillArguments(schema: JSONSchema7, text: string, key = ''): unknown {
  if (schema.enum) {
    const options = schema.enum.map(String)
    return options.find((o: string) => text.toLowerCase().includes(o.toLowerCase())) ?? options[0]
  }
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [name, sub] of Object.entries(schema.properties ?? {})) {
        if (typeof sub === 'object' && (schema.required?.includes(name) ?? false)) {
          out[name] = fillArguments(sub, text, name)
        }
      }
      return out
    }
    case 'array': {
      const items =
        typeof schema.items === 'object' && !Array.isArray(schema.items) ? schema.items : {}
      return [fillArguments(items, text, key)]
    }
    case 'integer':
    case 'number':
      return firstNumber(text) ?? Math.max(1, Number(schema.minimum ?? 1))
    case 'boolean':
      return true
    default:
      if (/time/i.test(key)) return clockTime(text) ?? '19:00'
      if (/name/i.test(key)) return 'Guest'
      return text.slice(0, 80)
  }
}

function chooseTools(tools: LanguageModelV4FunctionTool[], text: string): Reply | undefined {
  const words = new Set(text.toLowerCase().match(/[a-z]+/g) ?? [])
  const chosen = tools.filter((tool) =>
    tool.name
      .toLowerCase()
      .split(/[_\W]+/)
      .some(
        (w) => w.length >= 4 && !GENERIC_TOOL_WORDS.has(w) && (words.has(w) || words.has(`${w}s`)),
      ),
  )
  if (chosen.length === 0) return undefined
  return {
    kind: 'tool-calls',
    calls: chosen.map((tool) => ({
      toolName: tool.name,
      input: fillArguments(tool.inputSchema, text) as Record<string, unknown>,
    })),
  }
}

function summarizeToolResults(prompt: LanguageModelV4Prompt): string {
  const last = prompt.at(-1)
  if (last?.role !== 'tool') return ''
  return last.content
    .map((part) => {
      if (part.type !== 'tool-result') return ''
      const output = part.output
      const value =
        output.type === 'json' ? output.value : output.type === 'text' ? output.value : null
      const summary = (value as { summary?: unknown } | null)?.summary
      return typeof summary === 'string' ? summary : `The ${part.toolName} tool is done.`
    })
    .filter(Boolean)
    .join(' ')
}

function decide(options: LanguageModelV4CallOptions): Reply {
  const texts = userTexts(options.prompt)
  const current = texts.at(-1) ?? ''
  const afterTools = summarizeToolResults(options.prompt)
  if (afterTools) return { kind: 'text', text: `${afterTools} Anything else I can help with?` }
  const tools = (options.tools ?? []).filter(
    (t): t is LanguageModelV4FunctionTool => t.type === 'function',
  )
  const toolReply = options.toolChoice?.type === 'none' ? undefined : chooseTools(tools, current)
  if (toolReply) return toolReply
  const earlier = texts.length > 1 ? ` Earlier you said "${texts.at(-2)}".` : ''
  return {
    kind: 'text',
    text:
      `You said "${current}".${earlier} I am the offline demo model, so my answers are canned. ` +
      'Set OPENAI_API_KEY to talk to a real model.',
  }
}

// Roughly four characters a token, as for English text with common tokenizers.
const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4))

function usage(options: LanguageModelV4CallOptions, outputChars: number): LanguageModelV4Usage {
  // A token-burst drill (the agent's `tokens` fault) scales the reported usage.
  const scale = Number(options.providerOptions?.offline?.usageMultiplier ?? 1)
  const input = tokens(JSON.stringify(options.prompt).length) * scale
  const output = tokens(outputChars) * scale
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms)
    function done() {
      signal?.removeEventListener('abort', abort)
      resolve()
    }
    function abort() {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
  })
}

/**
 * A language model that needs no network or key: it streams deterministic text word by
 * word, calls the tools whose names the user mentions, and reports token usage, so the
 * whole kit works (and tests stay deterministic) without a model API.
 */
export class OfflineLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4'
  readonly provider = OFFLINE_PROVIDER
  readonly modelId = OFFLINE_MODEL_ID
  readonly supportedUrls = {}
  readonly #chunkDelayMs: number
  #calls = 0

  constructor(options: OfflineModelOptions = {}) {
    this.#chunkDelayMs = options.chunkDelayMs ?? 25
  }

  async doGenerate(options: LanguageModelV4CallOptions) {
    const reply = decide(options)
    const id = `offline-${++this.#calls}`
    const content: LanguageModelV4Content[] =
      reply.kind === 'text'
        ? [{ type: 'text', text: reply.text }]
        : reply.calls.map((call, i) => ({
            type: 'tool-call' as const,
            toolCallId: `${id}-call-${i}`,
            toolName: call.toolName,
            input: JSON.stringify(call.input),
          }))
    return {
      content,
      finishReason:
        reply.kind === 'text'
          ? { unified: 'stop' as const, raw: 'stop' }
          : { unified: 'tool-calls' as const, raw: 'tool_calls' },
      usage: usage(
        options,
        reply.kind === 'text' ? reply.text.length : JSON.stringify(content).length,
      ),
      response: { id, modelId: this.modelId, timestamp: new Date() },
      warnings: [],
    }
  }

  async doStream(options: LanguageModelV4CallOptions) {
    // The agent's `model_error` fault: the provider refuses the call, as a rate limit does.
    if (options.providerOptions?.offline?.refuse)
      throw Object.assign(
        new Error(
          `Rate limit reached for ${OFFLINE_MODEL_ID} in organization org-offline on tokens per min (TPM): Limit 30000, Used 29871, Requested ${412 + this.#calls}.`,
        ),
        { name: 'AI_APICallError', statusCode: 429, isRetryable: false },
      )
    const reply = decide(options)
    const id = `offline-${++this.#calls}`
    const delay = this.#chunkDelayMs
    const signal = options.abortSignal
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      async start(controller) {
        try {
          controller.enqueue({ type: 'stream-start', warnings: [] })
          controller.enqueue({
            type: 'response-metadata',
            id,
            modelId: OFFLINE_MODEL_ID,
            timestamp: new Date(),
          })
          await sleep(delay * 4, signal)
          let outputChars = 0
          if (reply.kind === 'text') {
            controller.enqueue({ type: 'text-start', id: 'text-0' })
            for (const word of reply.text.match(/\S+\s*/g) ?? []) {
              controller.enqueue({ type: 'text-delta', id: 'text-0', delta: word })
              outputChars += word.length
              await sleep(delay, signal)
            }
            controller.enqueue({ type: 'text-end', id: 'text-0' })
          } else {
            reply.calls.forEach((call, i) => {
              const input = JSON.stringify(call.input)
              outputChars += input.length
              controller.enqueue({
                type: 'tool-call',
                toolCallId: `${id}-call-${i}`,
                toolName: call.toolName,
                input,
              })
            })
          }
          controller.enqueue({
            type: 'finish',
            usage: usage(options, outputChars),
            finishReason:
              reply.kind === 'text'
                ? { unified: 'stop', raw: 'stop' }
                : { unified: 'tool-calls', raw: 'tool_calls' },
          })
          controller.close()
        } catch (error) {
          controller.error(error)
        }
      },
    })
    return { stream }
  }
}
