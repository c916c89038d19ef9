/** GenAI message content is dropped unless switched on; layercode.service.name renames a service. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CAPTURE_CONTENT_ENV,
  GENAI_CONTENT_ATTRIBUTES,
  SERVICE_NAME_OVERRIDE_ATTRIBUTE,
} from '@layercode-kit/telemetry'
import { attributesOf, waitFor } from '@layercode-kit/test-support'
import { logView, spanView } from '../../lib/recordings.ts'
import { harness, hex, missing, postOtlp, str } from './scenario.ts'

describe('message content and service renames', { skip: missing }, () => {
  it('(f) GenAI message content is dropped unless the switch is on; layercode.service.name renames a service', async () => {
    // As Logfire's pydantic-ai spans carry it; the resource as layercode-create-app sets it.
    const content = GENAI_CONTENT_ATTRIBUTES.map((key, i) => str(key, `said-${i}-probe`))
    const probe = async (tag: string) => {
      const now = Date.now() * 1e6
      const app = {
        attributes: [
          str('service.name', 'server'),
          str(SERVICE_NAME_OVERRIDE_ATTRIBUTE, `renamed-${tag}`),
        ],
      }
      const span = {
        traceId: hex(0xc0de, 32),
        spanId: hex(tag.length + 0xc0de, 16),
        name: `content-probe-${tag}`,
        kind: 3,
        startTimeUnixNano: String(now),
        endTimeUnixNano: String(now + 1e6),
        attributes: [...content, str('gen_ai.request.model', 'gpt-probe')],
        events: [{ name: 'gen_ai.choice', timeUnixNano: String(now), attributes: content }],
      }
      const log = {
        timeUnixNano: String(now),
        body: { stringValue: `content-probe-${tag}` },
        attributes: [...content, str('conversation_id', 'conv_probe')],
      }
      for (const [path, body] of [
        ['/v1/traces', { resourceSpans: [{ resource: app, scopeSpans: [{ spans: [span] }] }] }],
        ['/v1/logs', { resourceLogs: [{ resource: app, scopeLogs: [{ logRecords: [log] }] }] }],
      ] as const)
        assert.equal((await postOtlp(path, body)).status, 200, path)
      let recorded: Record<string, unknown> | undefined
      let recordedLog: Record<string, unknown> | undefined
      await waitFor(`the ${tag} content probe`, () => {
        recorded = harness.recorded('tempo', 'traces').find((x) => x.name === span.name)
        recordedLog = harness
          .recorded('loki', 'logs')
          .find((l) => logView(l).body === `content-probe-${tag}`)
        return recorded !== undefined && recordedLog !== undefined
      })
      const event = (recorded?.events as Array<Record<string, unknown>>)?.[0]
      return {
        span: spanView(recorded ?? {}),
        event: attributesOf(event),
        log: logView(recordedLog ?? {}),
      }
    }
    const dropped = await probe('default')
    assert.deepEqual(dropped.span.attributes, { 'gen_ai.request.model': 'gpt-probe' })
    assert.deepEqual(dropped.event, {}, 'span event content dropped')
    assert.deepEqual(dropped.log.attributes, { conversation_id: 'conv_probe' })
    for (const item of [dropped.span, dropped.log])
      assert.equal(item.resource['service.name'], 'renamed-default', 'service.name promoted')
    // The one switch: the collector restarted with it on lets the content through.
    await harness.stopService('collector')
    await harness.startCollector({ [CAPTURE_CONTENT_ENV]: 'TRUE' })
    try {
      const kept = await probe('on')
      for (const [i, key] of GENAI_CONTENT_ATTRIBUTES.entries()) {
        assert.equal(kept.span.attributes[key], `said-${i}-probe`, key)
        assert.equal(kept.event[key], `said-${i}-probe`, key)
        assert.equal(kept.log.attributes[key], `said-${i}-probe`, key)
      }
    } finally {
      await harness.stopService('collector')
      await harness.startCollector()
    }
  })
})
