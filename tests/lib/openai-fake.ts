/**
 * A local OpenAI-compatible Chat Completions endpoint for the Python toolkit's end-to-end run
 * (`node tests/lib/openai-fake.ts <port>`, loopback inside the agent's namespace). It streams
 * like the real API (SSE chunks, tool-call deltas, usage in a last chunk when asked): a user
 * message mentioning the menu gets a `list_menu` tool call first, a message containing FAIL_MARKER
 * a 400 error, everything else a short spoken answer: after SLOW_MS with SLOW_MARKER, and
 * reporting BURST_TOKENS more input tokens with TOKENS_MARKER (the alert drills' faults). Token counts are deterministic (counted
 * characters and words), and every answer's are summed in GET /usage for the test.
 */
import { createServer, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

export const FAIL_MARKER = '[fail]'
export const SLOW_MARKER = '[slow]'
export const TOKENS_MARKER = '[tokens]'
export const MARKERS = [FAIL_MARKER, SLOW_MARKER, TOKENS_MARKER] as const
const SLOW_MS = 2500
const BURST_TOKENS = 150_000
export const MENU_WORD = 'menu'
const ANSWER = 'We bake croissants, baguettes and sourdough every morning. What would you like?'
const CHUNK_DELAY_MS = 15

type Message = { role: string; content?: unknown; tool_calls?: unknown }
type Request = {
  model: string
  messages: Message[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  tools?: Array<{ function: { name: string } }>
}

const usage = { requests: 0, input: 0, output: 0 }
const text = (m: Message) =>
  typeof m.content === 'string'
    ? m.content
    : Array.isArray(m.content)
      ? m.content.map((p: { text?: string }) => p.text ?? '').join('')
      : ''

async function answer(req: Request, res: ServerResponse) {
  const last = req.messages.at(-1)
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')
  if (lastUser && text(lastUser).includes(FAIL_MARKER)) {
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'fake failure', type: 'invalid_request_error' } }))
    return
  }
  const wantsMenu =
    last?.role === 'user' &&
    text(last).toLowerCase().includes(MENU_WORD) &&
    req.tools?.some((t) => t.function.name === 'list_menu')
  const asked = lastUser ? text(lastUser) : ''
  const answering = last?.role === 'user' || last?.role === 'tool'
  const prompt =
    Math.ceil(JSON.stringify(req.messages).length / 4) +
    (answering && last?.role === 'user' && asked.includes(TOKENS_MARKER) ? BURST_TOKENS : 0)
  if (last?.role === 'user' && asked.includes(SLOW_MARKER)) await sleep(SLOW_MS)
  const words = ANSWER.split(' ')
  const completion = wantsMenu ? 5 : words.length
  usage.requests += 1
  usage.input += prompt
  usage.output += completion
  const base = {
    id: `chatcmpl-${usage.requests}`,
    object: 'chat.completion.chunk',
    model: req.model,
  }
  const created = Math.floor(Date.now() / 1000)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const send = (body: unknown) => res.write(`data: ${JSON.stringify(body)}\n\n`)
  const choice = (delta: unknown, finish: string | null = null) =>
    send({ ...base, created, choices: [{ index: 0, delta, finish_reason: finish }] })
  choice({ role: 'assistant', content: '' })
  if (wantsMenu) {
    choice({
      tool_calls: [
        {
          index: 0,
          id: `call_${usage.requests}`,
          type: 'function',
          function: { name: 'list_menu', arguments: '{}' },
        },
      ],
    })
    choice({}, 'tool_calls')
  } else {
    for (const [i, word] of words.entries()) {
      await sleep(CHUNK_DELAY_MS)
      choice({ content: i === 0 ? word : ` ${word}` })
    }
    choice({}, 'stop')
  }
  if (req.stream_options?.include_usage)
    send({
      ...base,
      created,
      choices: [],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      },
    })
  res.end('data: [DONE]\n\n')
}

if (import.meta.main) {
  const port = Number(process.argv[2] ?? 4010)
  createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/health') return res.end('ok')
    if (req.method === 'GET' && req.url === '/usage') return res.end(JSON.stringify(usage))
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Request
      if (!body.stream) {
        res.writeHead(400).end('{"error":{"message":"the fake only streams"}}')
        return
      }
      await answer(body, res)
    } catch (error) {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(error))
    }
  }).listen(port, process.argv[3] ?? '127.0.0.1')
}
