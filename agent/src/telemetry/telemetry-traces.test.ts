/** The agent's traces: the contract's span tree, kinds, attributes and statuses. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Attr, SPANS } from '@layercode-kit/telemetry'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import {
  API_KEY,
  byName,
  CALLER_TRACE,
  captured,
  children,
  conversation,
  MENU_QUESTION,
  metrics,
  spans,
  specFor,
  upstreamHeaders,
  webhookSpan,
} from './scenario.ts'

describe('traces', () => {
  it('a bakery turn is one trace: the webhook (the SERVER span) -> invoke_agent -> chat (with usage) and execute_tool', () => {
    const webhook = webhookSpan('turn-menu')
    assert.equal(webhook.name, 'POST /api/agent')
    assert.equal(webhook.kind, SpanKind.SERVER)
    // Above it, at most the caller's CLIENT span (the test's own fetch, traced in this process).
    const parent = spans.find((s) => s.spanContext().spanId === webhook.parentSpanContext?.spanId)
    assert.ok(parent === undefined || parent.kind === SpanKind.CLIENT, parent?.name)
    const {
      'url.full': url,
      [Attr.TimeToFirstSpeech]: firstSpeech,
      ...attributes
    } = webhook.attributes
    assert.match(String(url), /\/api\/agent$/)
    // Seconds from the webhook to the first speech, within the span's own duration.
    const spanS = webhook.duration[0] + webhook.duration[1] / 1e9
    assert.ok(
      typeof firstSpeech === 'number' && firstSpeech > 0 && firstSpeech <= spanS,
      `${firstSpeech}`,
    )
    assert.deepEqual(attributes, {
      [Attr.HttpMethod]: 'POST',
      [Attr.HttpRoute]: '/api/agent',
      [Attr.HttpStatus]: 200,
      [Attr.EventType]: 'message',
      [Attr.ConversationId]: conversation.conversation_id,
      [Attr.SessionId]: conversation.session_id,
      [Attr.TurnId]: 'turn-menu',
      [Attr.AgentName]: 'bakery',
      [Attr.Outcome]: 'ok',
    })
    const ns = ([s, n]: readonly [number, number]) => s * 1e9 + n
    assert.ok(
      ns(webhook.endTime) >= ns(children(webhook)[0]?.endTime ?? [Infinity, 0]),
      'it lasts until the stream ended, after the agent finished',
    )
    const [invoke, ...others] = children(webhook)
    assert.equal(others.length, 0)
    assert.equal(invoke?.name, 'invoke_agent bakery')
    assert.equal(invoke?.attributes[Attr.GenAiConversationId], conversation.conversation_id)
    const steps = children(invoke as ReadableSpan)
    assert.deepEqual(
      steps.map((s) => s.name),
      ['chat offline-voice-1', 'execute_tool list_menu', 'chat offline-voice-1'],
      'a tool round trip: the model asks, the tool runs, the model answers',
    )
    const [ask, tool, answer] = steps as [ReadableSpan, ReadableSpan, ReadableSpan]
    for (const chat of [ask, answer]) {
      assert.equal(chat.kind, SpanKind.CLIENT)
      assert.equal(chat.attributes[Attr.Provider], 'offline')
      assert.equal(chat.attributes[Attr.ResponseModel], 'offline-voice-1')
      assert.ok(Number(chat.attributes[Attr.InputTokens]) > 0)
      assert.ok(Number(chat.attributes[Attr.OutputTokens]) > 0)
      // LayerCode's conversation id, as on invoke_agent; the latest names' first-chunk time.
      assert.equal(chat.attributes[Attr.GenAiConversationId], conversation.conversation_id)
      assert.ok(Number(chat.attributes[Attr.TimeToFirstChunk]) > 0)
    }
    for (const span of [webhook, tool])
      assert.equal(span.attributes[Attr.GenAiConversationId], undefined, span.name)
    assert.deepEqual(ask.attributes[Attr.FinishReasons], ['tool-calls'])
    assert.deepEqual(answer.attributes[Attr.FinishReasons], ['stop'])
    assert.equal(tool.attributes[Attr.ToolName], 'list_menu')
    assert.match(String(tool.attributes[Attr.ToolCallId]), /call/)
    const traceIds = new Set([webhook, invoke, ...steps].map((s) => s?.spanContext().traceId))
    assert.equal(traceIds.size, 1)
  })

  it('names, kinds and attributes of every span follow the contract', () => {
    const agentSpans = spans.filter(
      (s) =>
        s.instrumentationScope.name !== '@opentelemetry/instrumentation-undici' ||
        s.kind === SpanKind.CLIENT,
    )
    for (const span of agentSpans) {
      const spec = specFor(span)
      assert.ok(spec, `span "${span.name}" (${SpanKind[span.kind]}) is in the contract`)
      for (const key of spec.attributes)
        assert.ok(key in span.attributes, `${span.name} has ${key}`)
      if (spec.source === 'kit') {
        const allowed = new Set([...spec.attributes, ...(spec.optionalAttributes ?? [])])
        for (const key of Object.keys(span.attributes))
          assert.ok(allowed.has(key), `${span.name}: ${key} is documented`)
      }
    }
    for (const spec of SPANS)
      assert.ok(
        spans.some((s) => specFor(s) === spec),
        `a ${spec.id} span was emitted`,
      )
  })

  it('an agent failure is an ERROR span with an exception event and error.type, and an error log in its trace', () => {
    const webhook = webhookSpan('turn-fail')
    assert.equal(webhook.status.code, SpanStatusCode.ERROR)
    assert.equal(webhook.attributes[Attr.Outcome], 'error')
    assert.equal(webhook.attributes[Attr.ErrorType], 'injected_fault')
    const invoke = children(webhook)[0]
    assert.equal(invoke?.status.code, SpanStatusCode.ERROR)
    assert.equal(invoke?.attributes[Attr.ErrorType], 'injected_fault')
    const exception = invoke?.events.find((e) => e.name === 'exception')
    assert.equal(exception?.attributes?.['exception.message'], 'fault injected on request')
    assert.match(String(exception?.attributes?.['exception.stacktrace']), /invokeAgent/)
    const log = captured.logs.getFinishedLogRecords().find((r) => r.body === 'turn failed')
    assert.equal(log?.spanContext?.traceId, webhook.spanContext().traceId)
    assert.equal(log?.severityText, 'error')
    assert.equal(log?.attributes.turn_id, 'turn-fail')
    assert.equal(log?.attributes['error.code'], 'injected_fault')
    assert.equal(
      log?.attributes['error.type'],
      webhook.attributes[Attr.ErrorType],
      'one error.type',
    )
    // One fingerprint on the spans it reached, the log line and the inbox's count.
    const fingerprint = String(invoke?.attributes[Attr.ErrorFingerprint])
    assert.match(fingerprint, /^[0-9a-f]{16}$/)
    assert.equal(webhook.attributes[Attr.ErrorFingerprint], fingerprint)
    assert.equal(log?.attributes['error.fingerprint'], fingerprint)
    const counted = metrics.scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === 'layercode.errors')
      .flatMap(
        (m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>,
      )
      .filter((p) => p.attributes[Attr.ErrorFingerprint] === fingerprint)
    assert.deepEqual(
      counted.map((p) => [p.attributes[Attr.ErrorMessage], p.value]),
      [['fault injected on request', 1]],
      'the one failed turn counted once, not once per span',
    )
  })

  it("continues the caller's trace from an incoming traceparent", () => {
    assert.equal(webhookSpan('turn-traced').spanContext().traceId, CALLER_TRACE)
  })

  it('traces outbound calls as CLIENT spans and propagates their context', () => {
    const server = byName('POST /api/authorize')[0]
    assert.ok(server)
    const client = children(server).find((s) => s.kind === SpanKind.CLIENT)
    assert.ok(client, 'the call to LayerCode is a client span under the server span')
    assert.equal(client.attributes[Attr.HttpStatus], 200)
    const [, traceId, spanId] = String(upstreamHeaders.traceparent).split('-')
    assert.equal(traceId, server.spanContext().traceId)
    assert.equal(spanId, client.spanContext().spanId)
  })

  it('records neither prompts, answers nor secrets by default', () => {
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))
    assert.ok(!everything.includes(MENU_QUESTION), 'no prompt text')
    assert.ok(!everything.includes('Today we have'), 'no completion text')
    assert.ok(!everything.includes(API_KEY))
    assert.ok(!everything.includes('whsec_'))
    for (const span of byName('chat offline-voice-1'))
      assert.equal(span.attributes[Attr.InputMessages], undefined)
  })
})
