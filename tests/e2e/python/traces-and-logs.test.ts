/** Its traces and logs carry the contract, and no message content by default. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GENAI_CONTENT_ATTRIBUTES, LOG_CONTEXT_FIELDS } from '@layercode-kit/telemetry'
import { attributesOf } from '@layercode-kit/test-support'
import { MARKERS } from '../../lib/openai-fake.ts'
import {
  bodyOf,
  CONVERSATIONS,
  harness,
  missing,
  PLAIN,
  SCRIPT,
  serviceOf,
  spans,
  TURNS_PER_CONVERSATION,
  WRAPPED,
} from './scenario.ts'

describe("the Python toolkit's traces and logs", { skip: missing }, () => {
  it('its traces and logs carry the contract: ids, outcome, error type, the call context', () => {
    const failed = spans.filter(
      (s) => s.name === 'POST /api/agent' && s.attrs['layercode.outcome'] === 'error',
    )
    assert.equal(failed.length, CONVERSATIONS)
    for (const span of failed) {
      for (const key of [
        'layercode.event.type',
        'layercode.conversation.id',
        'layercode.session.id',
        'layercode.turn.id',
        'gen_ai.agent.name',
      ])
        assert.ok(span.attrs[key], `the failed turn's span has ${key}`)
      assert.equal(span.attrs.status, 2, 'status ERROR')
      // what pydantic-ai raised for the model's 400, found on its spans
      assert.match(String(span.attrs['error.type']), /^pydantic_ai\.exceptions\.Model\w+Error$/)
    }
    const tool = spans.find((s) => s.name === 'execute_tool list_menu')
    const chain: string[] = []
    for (let s = tool; s; s = spans.find((p) => p.spanId === s?.parentSpanId)) chain.push(s.name)
    assert.equal(chain.at(-1), 'POST /api/agent', `the tool call is inside the webhook: ${chain}`)
    const logs = harness.recorded('loki', 'logs').filter((l) => serviceOf(l) === WRAPPED)
    const completed = logs.filter((l) => bodyOf(l) === 'turn completed')
    assert.ok(completed.length >= CONVERSATIONS * TURNS_PER_CONVERSATION, `${completed.length}`)
    for (const log of completed.slice(0, 20)) {
      assert.match(String(log.traceId), /^[0-9a-f]{32}$/)
      for (const field of LOG_CONTEXT_FIELDS)
        assert.ok(attributesOf(log)[field], `"turn completed" has ${field}`)
    }
    const failedLogs = logs.filter((l) => bodyOf(l) === 'turn failed')
    assert.ok(failedLogs.length >= CONVERSATIONS)
    assert.ok(failedLogs.every((l) => l.severityText === 'error'))
    assert.ok(failedLogs.every((l) => attributesOf(l)['error.code'] === 'agent_failed'))
    // The toolkit's own loguru lines arrive as log records too, in the turn's context.
    assert.ok(
      logs.some((l) => bodyOf(l).startsWith('Webhook received') && attributesOf(l).conversation_id),
    )
  })

  it('no message content reaches the backends by default', () => {
    const python = [
      ...harness.recorded('tempo', 'traces'),
      ...harness.recorded('loki', 'logs'),
    ].filter((r) => [WRAPPED, PLAIN].includes(serviceOf(r)))
    assert.ok(python.length > 100)
    const text = JSON.stringify(python)
    for (const key of GENAI_CONTENT_ATTRIBUTES) assert.ok(!text.includes(`"key":"${key}"`), key)
    // The witness that they were sent: Logfire describes the attributes it set on each span.
    const schemas = spans.map((s) => String(s.attrs['logfire.json_schema'] ?? '')).join('\n')
    for (const key of ['pydantic_ai.all_messages', 'gen_ai.tool.call.result'])
      assert.ok(schemas.includes(key), `the app sent ${key}`)
    for (const said of [...SCRIPT, 'croissants, baguettes']) {
      const words = MARKERS.reduce((rest, marker) => rest.replace(marker, ''), said).trim()
      assert.ok(!text.includes(words), `"${words}" reached a backend`)
    }
  })
})
