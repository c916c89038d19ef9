import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import type { LanguageModelV4 } from '@ai-sdk/provider'
import { SIGNATURE_HEADER, signPayload, takeSseEvents } from '@layercode-kit/protocol'
import { FAULT_METADATA_KEY } from '@layercode-kit/telemetry'
import { readJsonLines } from '@layercode-kit/test-support'
import { createAgent } from '../agents/registry.ts'
import { ConversationStore } from '../history/store.ts'
import { createLogger } from '../logging/logger.ts'
import { OfflineLanguageModel } from '../model/offline.ts'
import { FALLBACK_SPEECH } from '../turn/run-turn.ts'
import { type AppOptions, createApp } from './app.ts'
import { Lifecycle } from './lifecycle.ts'

const secret = 'whsec_app_test_secret'

function makeApp(overrides: Partial<AppOptions> = {}) {
  const lines: Array<Record<string, unknown>> = []
  const stdout = new PassThrough()
  readJsonLines(stdout, (line) => lines.push(line))
  const options: AppOptions = {
    agent: createAgent('starter', { slowDelayMs: 0 }),
    model: new OfflineLanguageModel({ chunkDelayMs: 0 }),
    store: new ConversationStore(),
    logger: createLogger({ level: 'debug', stdout }),
    lifecycle: new Lifecycle(),
    webhookSecret: secret,
    faultInjection: false,
    slowDelayMs: 0,
    agentRoute: '/api/agent',
    authorizeRoute: '/api/authorize',
    bodyLimitBytes: 1024 * 1024,
    authorize: { apiKey: undefined, baseUrl: 'http://127.0.0.1:9' },
    ...overrides,
  }
  return { app: createApp(options), options, logs: () => lines }
}

function signed(body: unknown): RequestInit {
  const raw = JSON.stringify(body)
  return {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(secret, raw) },
  }
}

const message = {
  type: 'message',
  session_id: 's',
  conversation_id: 'c',
  turn_id: 't1',
  text: 'hello',
}

/** A model whose stream starts speaking and then fails, like a provider dropping mid-answer. */
function failingModel(): LanguageModelV4 {
  const model = new OfflineLanguageModel({ chunkDelayMs: 0 })
  return {
    ...model,
    specificationVersion: 'v4',
    provider: 'failing',
    modelId: 'failing-1',
    supportedUrls: {},
    doGenerate: (options) => model.doGenerate(options),
    async doStream() {
      return {
        stream: new ReadableStream({
          async start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] })
            controller.enqueue({ type: 'text-start', id: '0' })
            controller.enqueue({ type: 'text-delta', id: '0', delta: 'Half a sentence. And then' })
            // error() discards chunks still queued, so let the reader take them first.
            await new Promise((resolve) => setTimeout(resolve, 10))
            controller.error(new Error('upstream reset: sk-should-not-leak-to-client'))
          },
        }),
      }
    },
  }
}

describe('createApp', () => {
  it('answers /ready with 503 while draining', async () => {
    const { app, options } = makeApp()
    assert.equal((await app.request('/ready')).status, 200)
    options.lifecycle.draining = true
    const res = await app.request('/ready')
    assert.equal(res.status, 503)
    assert.deepEqual(await res.json(), { status: 'draining' })
    assert.equal((await app.request('/health')).status, 200, 'liveness is unaffected')
  })

  it('answers 500 with a clear message when the webhook secret is unset', async () => {
    const { app } = makeApp({ webhookSecret: undefined })
    const res = await app.request('/api/agent', signed(message))
    assert.equal(res.status, 500)
    assert.deepEqual(await res.json(), {
      error: {
        code: 'secret_missing',
        message: 'LAYERCODE_WEBHOOK_SECRET is not set on the server',
      },
    })
  })

  it('ends the stream cleanly when the model fails mid-answer, without leaking the error text', async () => {
    const { app, logs } = makeApp({ model: failingModel() })
    const res = await app.request('/api/agent', signed(message))
    const { events, rest } = takeSseEvents(await res.text())
    assert.equal(rest, '')
    assert.deepEqual(
      events.map((e) => (e as { type: string }).type),
      ['response.tts', 'response.tts', 'response.data', 'response.tts', 'response.end'],
    )
    assert.deepEqual(
      events.slice(0, 2).map((e) => (e as { content: string }).content),
      ['Half a sentence. ', 'And then'],
      'what was already said is flushed before the error',
    )
    assert.deepEqual((events[2] as { content: unknown }).content, {
      error: { code: 'agent_failed', message: 'The agent failed to answer this turn.' },
    })
    // "And then" did not end with a space: the apology brings its own, so the transcript reads.
    assert.equal((events[3] as { content: string }).content, ` ${FALLBACK_SPEECH}`)
    assert.doesNotMatch(JSON.stringify(events), /sk-should-not-leak/)
    const failure = logs().find((l) => l.message === 'turn failed')
    assert.match(String(failure?.['error.message']), /upstream reset/)
    assert.equal(failure?.turn_id, 't1')
  })

  it('ignores fault metadata unless fault injection is on', async () => {
    const { app } = makeApp()
    const res = await app.request(
      '/api/agent',
      signed({ ...message, custom_metadata: { [FAULT_METADATA_KEY]: 'error' } }),
    )
    assert.doesNotMatch(await res.text(), /"error"/)
  })
})
