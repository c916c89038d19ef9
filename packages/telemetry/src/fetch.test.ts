import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, beforeEach, describe, it } from 'node:test'
import { streamResponse, verifySignature } from '@layercode/node-server-sdk'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { Attr, LOG_SYNTHETIC_FIELD, Outcome } from './contract.ts'
import { withLayercodeTelemetry } from './fetch.ts'
import { captureTelemetry } from './testing.ts'
import { runTool } from './tools.ts'
import { TurnFailure } from './webhook-telemetry.ts'

const captured = await captureTelemetry({ OTEL_METRICS_EXPORTER: 'none' })
after(() => captured.telemetry.shutdown())
beforeEach(() => {
  captured.spans.reset()
  captured.logs.reset()
})

const SECRET = 'whsec_test'
const sign = (body: string, at = Math.floor(Date.now() / 1000)) =>
  `t=${at},v1=${createHmac('sha256', SECRET).update(`${at}.${body}`).digest('hex')}`

type Stream = { tts(text: string): void; data(content: unknown): void; end(): void }
type Turn = (stream: Stream, event: Record<string, unknown>) => Promise<void>

/** A user's webhook handler as LayerCode's docs write it: verify, parse, stream the answer. */
function userHandler(turn: Turn = async (stream) => stream.tts('Hello.')) {
  return async (request: Request): Promise<Response> => {
    const raw = await request.text()
    const signature = request.headers.get('layercode-signature') ?? ''
    if (!verifySignature({ payload: raw, signature, secret: SECRET }))
      return Response.json({ error: 'bad signature' }, { status: 401 })
    const event = JSON.parse(raw) as Record<string, unknown>
    if (event.type === 'session.end') return Response.json({ status: 'ok' })
    return streamResponse(event, async ({ stream }: { stream: Stream }) => {
      await turn(stream, event)
      stream.end()
    })
  }
}

let turnSeq = 0
function webhook(type: string, extra: Record<string, unknown> = {}, signature?: string) {
  const body = JSON.stringify({
    type,
    session_id: 's1',
    conversation_id: 'c1',
    turn_id: `t${++turnSeq}`,
    ...extra,
  })
  return new Request('http://localhost/api/agent', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'layercode-signature': signature ?? sign(body),
    },
    body,
  })
}

async function points(name: string) {
  return (await captured.collectMetrics()).scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap(
      (m) =>
        m.dataPoints as Array<{
          attributes: Record<string, unknown>
          value: number | { count: number; sum: number }
        }>,
    )
}
const countOf = (p: { value: number | { count: number } } | undefined) =>
  typeof p?.value === 'number' ? p.value : (p?.value.count ?? 0)
async function turns(agent: string, outcome: string) {
  return countOf(
    (await points('layercode.turn.duration')).find(
      (p) => p.attributes[Attr.AgentName] === agent && p.attributes[Attr.Outcome] === outcome,
    ),
  )
}

async function finished(): Promise<{ spans: ReadableSpan[]; logs: Record<string, unknown>[] }> {
  await captured.flush()
  return {
    spans: captured.spans.getFinishedSpans(),
    logs: captured.logs.getFinishedLogRecords().map((r) => ({
      body: r.body,
      traceId: r.spanContext?.traceId,
      ...r.attributes,
    })),
  }
}

describe('withLayercodeTelemetry', () => {
  it('records a turn from outside: span with ids and outcome, metrics, first speech, a log line', async () => {
    const handle = withLayercodeTelemetry(userHandler(), { agent: 'weather' })
    const response = await handle(webhook('message', { text: 'hi' }))
    assert.equal(response.status, 200)
    const text = await response.text()
    assert.match(text, /response\.tts.*Hello\./)
    assert.match(text, /response\.end/)
    const { spans, logs } = await finished()
    assert.equal(spans.length, 1)
    const [span] = spans
    assert.equal(span?.name, 'POST /api/agent')
    assert.equal(span?.kind, SpanKind.SERVER)
    assert.equal(span?.attributes[Attr.EventType], 'message')
    assert.equal(span?.attributes[Attr.ConversationId], 'c1')
    assert.equal(span?.attributes[Attr.SessionId], 's1')
    assert.equal(span?.attributes[Attr.AgentName], 'weather')
    assert.equal(span?.attributes[Attr.Outcome], Outcome.Ok)
    assert.equal(span?.attributes[Attr.HttpStatus], 200)
    assert.equal(typeof span?.attributes[Attr.TimeToFirstSpeech], 'number')
    assert.equal(await turns('weather', Outcome.Ok), 1)
    const firstSpeech = await points('layercode.turn.time_to_first_speech')
    assert.equal(countOf(firstSpeech.find((p) => p.attributes[Attr.AgentName] === 'weather')), 1)
    const line = logs.find((l) => l.body === 'turn completed')
    assert.equal(line?.conversation_id, 'c1')
    assert.equal(line?.event_type, 'message')
    assert.equal(line?.agent, 'weather')
    assert.equal(line?.outcome, Outcome.Ok)
    assert.equal(line?.traceId, span?.spanContext().traceId)
    // No tool, queue or model reporter here: those parts are not reported, never a 0.
    assert.equal((await points('layercode.turn.first_speech.queue')).length, 0)
    assert.equal((await points('layercode.turn.first_speech.tools')).length, 0)
  })

  it('a failed turn: the SDK`s response.error, an answer without speech, a thrown handler', async () => {
    const failing = withLayercodeTelemetry(
      userHandler(async () => {
        throw new Error('model down')
      }),
      { agent: 'failing' },
    )
    await (await failing(webhook('message'))).text()
    const silent = withLayercodeTelemetry(
      userHandler(async () => {}),
      { agent: 'silent' },
    )
    await (await silent(webhook('message'))).text()
    const throwing = withLayercodeTelemetry(
      async () => {
        throw new TypeError('bug')
      },
      { agent: 'throwing' },
    )
    await assert.rejects(() => throwing(webhook('message')), TypeError)
    const { spans, logs } = await finished()
    const byAgent = (agent: string) => spans.find((s) => s.attributes[Attr.AgentName] === agent)
    assert.equal(byAgent('failing')?.attributes[Attr.ErrorType], TurnFailure.ErrorEvent)
    assert.equal(byAgent('silent')?.attributes[Attr.ErrorType], TurnFailure.NoSpeech)
    assert.equal(byAgent('throwing')?.attributes[Attr.ErrorType], 'TypeError')
    assert.equal(byAgent('throwing')?.attributes[Attr.HttpStatus], 500)
    for (const agent of ['failing', 'silent', 'throwing']) {
      assert.equal(byAgent(agent)?.status.code, SpanStatusCode.ERROR, agent)
      assert.equal(await turns(agent, Outcome.Error), 1, agent)
      assert.ok(
        logs.some((l) => l.body === 'turn failed' && l.agent === agent),
        agent,
      )
    }
  })

  it('a caller that hangs up mid-answer: an aborted turn', async () => {
    let release: (() => void) | undefined
    const handle = withLayercodeTelemetry(
      userHandler(async (stream) => {
        stream.tts('Let me see.')
        await new Promise<void>((resolve) => {
          release = resolve
        })
      }),
      { agent: 'hangup' },
    )
    const response = await handle(webhook('message'))
    const reader = response.body?.getReader()
    await reader?.read()
    await reader?.cancel()
    release?.()
    const { spans } = await finished()
    assert.equal(spans[0]?.attributes[Attr.Outcome], Outcome.Aborted)
    assert.equal(await turns('hangup', Outcome.Aborted), 1)
  })

  it('a refused webhook is counted by reason and is no turn; a body that is not JSON is no turn', async () => {
    const handle = withLayercodeTelemetry(userHandler(), { agent: 'guarded' })
    const stale = sign('x', Math.floor(Date.now() / 1000) - 3600)
    assert.equal((await handle(webhook('message', {}, stale))).status, 401)
    assert.equal((await handle(webhook('message', {}, ''))).status, 401)
    assert.equal((await handle(webhook('message', {}, `t=1,v1=${'0'.repeat(64)}`))).status, 401)
    const garbage = new Request('http://localhost/api/agent', { method: 'POST', body: '{nope' })
    assert.equal((await handle(garbage)).status, 401)
    const rejections = await points('layercode.webhook.rejections')
    const by = (reason: string) =>
      countOf(
        rejections.find(
          (p) =>
            p.attributes[Attr.AgentName] === 'guarded' &&
            p.attributes[Attr.RejectionReason] === reason,
        ),
      )
    assert.equal(by('stale'), 2, 'an old timestamp, twice')
    assert.equal(by('missing'), 2, 'no header, twice')
    assert.equal(await turns('guarded', Outcome.Ok), 0)
    const { logs } = await finished()
    assert.equal(logs.filter((l) => l.body === 'webhook rejected').length, 2, 'once per reason')
  })

  it('sessions: started, active, ended with LayerCode`s figures and what the turns spent', async () => {
    const handle = withLayercodeTelemetry(userHandler(), { agent: 'sessions' })
    await (await handle(webhook('session.start', { session_id: 'sx' }))).text()
    await (await handle(webhook('message', { session_id: 'sx' }))).text()
    const active = (await points('layercode.sessions.active')).find(
      (p) => p.attributes[Attr.AgentName] === 'sessions',
    )
    assert.equal(active?.value, 1)
    await handle(
      webhook('session.end', {
        session_id: 'sx',
        duration: 12_000,
        transcription_duration_seconds: 4,
        tts_duration_seconds: 3,
      }),
    )
    const of = async (name: string) =>
      (await points(name)).find((p) => p.attributes[Attr.AgentName] === 'sessions')
    assert.equal(countOf(await of('layercode.sessions.started')), 1)
    assert.equal(countOf(await of('layercode.sessions.ended')), 1)
    const duration = (await of('layercode.session.duration'))?.value as {
      count: number
      sum: number
    }
    assert.deepEqual([duration.count, duration.sum], [1, 12])
    const sessionTurns = (await of('layercode.session.turns'))?.value as { sum: number } | undefined
    assert.equal(sessionTurns?.sum, 2)
    assert.equal((await of('layercode.sessions.active'))?.value, 0)
  })

  it('synthetic (canary) webhooks: every metric tagged, the log line marked', async () => {
    const handle = withLayercodeTelemetry(userHandler(), { agent: 'canary' })
    await (await handle(webhook('message', { custom_metadata: { kit_synthetic: true } }))).text()
    const point = (await points('layercode.turn.duration')).find(
      (p) => p.attributes[Attr.AgentName] === 'canary',
    )
    assert.equal(point?.attributes[Attr.Synthetic], true)
    const request = (await points('http.server.request.duration')).find(
      (p) => p.attributes[Attr.Synthetic] === true,
    )
    assert.ok(request, 'the request metric is tagged too')
    const { logs } = await finished()
    assert.equal(logs.find((l) => l.body === 'turn completed')?.[LOG_SYNTHETIC_FIELD], true)
  })

  it('runTool: its span under the webhook, the tool metrics, and the tools part of first speech', async () => {
    const handle = withLayercodeTelemetry(
      userHandler(async (stream) => {
        const forecast = await runTool('lookup_weather', async () => {
          await new Promise((resolve) => setTimeout(resolve, 30))
          return 'sunny'
        })
        stream.tts(`It is ${forecast}.`)
      }),
      { agent: 'tools' },
    )
    await (await handle(webhook('message'))).text()
    const { spans } = await finished()
    const tool = spans.find((s) => s.name === 'execute_tool lookup_weather')
    const server = spans.find((s) => s.kind === SpanKind.SERVER)
    assert.equal(tool?.parentSpanContext?.spanId, server?.spanContext().spanId)
    const calls = (await points('layercode.tool.calls')).find(
      (p) => p.attributes[Attr.AgentName] === 'tools',
    )
    assert.equal(countOf(calls), 1)
    const tools = (await points('layercode.turn.first_speech.tools')).find(
      (p) => p.attributes[Attr.AgentName] === 'tools',
    )
    const sum = (tools?.value as { sum: number } | undefined)?.sum ?? 0
    assert.ok(sum >= 0.029, `tools part ${sum} s`)
  })
})
