/** Logs reach Loki with their trace ids and call context; every field the dashboards read exists. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parser as logql } from '@grafana/lezer-logql'
import { parser as traceql } from '@grafana/lezer-traceql'
import { concrete, panelQueries } from '@layercode-kit/grafana-gen'
import { settle } from '@layercode-kit/test-support'
import { logProblems } from '../../lib/expectations.ts'
import { logView, spanView } from '../../lib/recordings.ts'
import { composeWebhookSecret } from '../../stack/support.ts'
import { harness, missing } from './scenario.ts'

describe('logs through the collector', { skip: missing }, () => {
  it('(b) logs reach Loki with trace_id/span_id, the call context and service.name', async () => {
    const { value: problems } = await settle(
      () => logProblems(harness.recorded('loki', 'logs').map(logView)),
      (found) => found.length === 0,
      30_000,
    )
    assert.deepEqual(problems, [])
    const secret = composeWebhookSecret()
    assert.ok(
      !JSON.stringify(harness.recorded('loki', 'logs')).includes(secret),
      'no secret in any log',
    )
  })

  // Loki's OTLP ingestion keeps a few resource attributes as index labels and every other
  // resource and record attribute as structured metadata, names sanitized (`.` -> `_`), plus
  // severity_text and the trace context (Loki docs, "Ingesting logs to Loki using
  // OpenTelemetry Collector"). A LogQL field must be one of those on a record the Loki
  // stand-in received; a TraceQL attribute must exist in that scope on a received span.
  it('(b) every LogQL field and TraceQL attribute of the dashboards exists in what Loki and Tempo received', () => {
    const sanitize = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_')
    const logFields = new Set(['severity_text', 'severity_number', 'trace_id', 'span_id'])
    for (const record of harness.recorded('loki', 'logs').map(logView))
      for (const key of [...Object.keys(record.attributes), ...Object.keys(record.resource)])
        logFields.add(sanitize(key))
    const spanFields = new Set<string>()
    for (const span of harness.recorded('tempo', 'traces').map(spanView)) {
      for (const key of Object.keys(span.attributes)) spanFields.add(`span.${key}`)
      for (const key of Object.keys(span.resource)) spanFields.add(`resource.${key}`)
    }
    const panels = panelQueries()
    const missingFields: string[] = []
    for (const p of panels.filter((q) => q.datasource === 'loki')) {
      const text = concrete(p)
      logql.parse(text).iterate({
        enter: (node) => {
          if (node.name === 'Identifier' && node.node.parent?.name === 'Matcher') {
            const field = text.slice(node.from, node.to)
            if (!logFields.has(field)) missingFields.push(`${p.panel}: ${field}`)
          }
        },
      })
    }
    for (const p of panels.filter((q) => q.datasource === 'tempo')) {
      const text = concrete(p)
      traceql.parse(text).iterate({
        enter: (node) => {
          if (node.name !== 'AttributeField') return
          const field = text.slice(node.from, node.to)
          if (!spanFields.has(field)) missingFields.push(`${p.panel}: ${field}`)
        },
      })
    }
    assert.deepEqual(missingFields, [])
  })
})
