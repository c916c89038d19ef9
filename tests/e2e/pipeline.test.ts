import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parser as logql } from '@grafana/lezer-logql'
import { parser as traceql } from '@grafana/lezer-traceql'
import { sendWebhook } from '@layercode-kit/agent'
import { concrete, panelQueries } from '@layercode-kit/grafana-gen'
import {
  CAPTURE_CONTENT_ENV,
  GENAI_CONTENT_ATTRIBUTES,
  SERVICE_NAME_OVERRIDE_ATTRIBUTE,
} from '@layercode-kit/telemetry'
import { attributesOf, CREDENTIAL_HEADERS, settle, waitFor } from '@layercode-kit/test-support'
import { composeWebhookSecret } from '../stack/support.ts'
import { ensureBinaries } from './binaries.ts'
import {
  EXPECTED_SERIES,
  loadgenArgs,
  logProblems,
  SERVICE_NAME,
  spanTreeProblems,
  TRAFFIC,
} from './expectations.ts'
import { nativeSuiteGuard } from './guard.ts'
import { COLLECTOR_MEMORY_LIMIT, Harness } from './harness.ts'
import { logView, spanView } from './recordings.ts'

const missing = await nativeSuiteGuard('native end-to-end suite')

/** OTLP/JSON for the collector, as an app of the user's would send it. */
const str = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
})
/** A captured header as the HTTP conventions record it: a list of strings. */
const strings = (key: string, value: string) => ({
  key,
  value: { arrayValue: { values: [{ stringValue: value }] } },
})
const resource = (name: string) => ({ attributes: [str('service.name', name)] })
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')

describe('native end to end: agent -> collector -> Tempo/Loki stand-ins and Prometheus', {
  skip: missing,
}, () => {
  let harness: Harness
  let loadSummary: Record<string, unknown>
  /** OTLP/JSON straight to the collector, as an app of the user's sends it. */
  const postOtlp = (path: string, body: unknown) =>
    fetch(harness.url('collector', 4318, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  before(async () => {
    harness = await Harness.start(await ensureBinaries())
    const authorize = fetch(harness.url('agent', 8000, '/api/authorize'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'ag_e2e' }),
    })
    loadSummary = await harness.loadgen(loadgenArgs())
    // A few canary conversations (tagged synthetic, one failing turn each): the Canary
    // dashboard's fields must exist in what Loki receives too.
    await harness.loadgen([
      '--synthetic',
      '--rate=1',
      '--duration=2',
      '--think-time=0',
      '--messages=2',
      '--fail-rate=0.5',
    ])
    // One webhook signed with another secret (a rotation on LayerCode's side only): refused,
    // and counted in layercode.webhook.rejections.
    const refused = await sendWebhook({
      url: harness.url('agent', 8000, '/api/agent'),
      secret: 'whsec_rotated_elsewhere_0001',
      body: { type: 'session.end', session_id: 's_refused', conversation_id: 'c_refused' },
    })
    assert.equal(refused.status, 401)
    assert.equal(
      (await authorize).status,
      404,
      "the upstream's answer (Prometheus standing in for LayerCode's API) is passed through",
    )
  })

  after(async () => {
    await harness?.stop()
  })

  it('drives ok, tool, slow and failing turns with no unexpected failure', () => {
    const turns = loadSummary.turns as Record<string, number>
    assert.equal(turns.unexpectedFailures, 0, JSON.stringify(loadSummary))
    assert.ok(
      (turns.injectedErrors ?? 0) > 0 && (turns.injectedSlow ?? 0) > 0 && (turns.ok ?? 0) > 20,
    )
  })

  it('(a) traces reach Tempo with the contract span tree and attributes', async () => {
    const { value: problems } = await settle(
      () => spanTreeProblems(harness.recorded('tempo', 'traces').map(spanView)),
      (found) => found.length === 0,
      30_000,
    )
    assert.deepEqual(problems, [], await harness.diagnostics())
  })

  it('(a) sensitive attributes are dropped or masked by the collector', async () => {
    const now = Date.now() * 1e6
    const span = {
      traceId: hex(0xe2e, 32),
      spanId: hex(0xe2e, 16),
      name: 'redaction-probe',
      kind: 1,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 1e6),
      attributes: [
        str('http.request.header.authorization', 'Bearer abc123.secret'),
        str('api_key', 'sk-proj-0123456789abcdefghij'),
        str('layercode-signature', 't=1,v1=deadbeef'),
        str('Authorization', 'Basic dXNlcjpwYXNz-probe'),
        str('password', 'hunter2-probe'),
        str('client_secret', 'client-secret-probe'),
        str('refresh_token', 'refresh-token-probe'),
        str('http.response.header.set-cookie', 'session=cookie-probe'),
        str('user.email', 'caller@example.com'),
        str('app.note', 'call me on +14155550123'),
        str('app.conversation', 'conv_123'),
        str('gen_ai.usage.input_tokens', 42),
        // Captured headers: only the allowlist's values pass (CREDENTIAL_HEADERS, spelt as
        // both Node's and Python's instrumentations spell them).
        ...CREDENTIAL_HEADERS.flatMap((name, i) => [
          strings(`http.request.header.${name}`, `hdr-probe-${i}-dash`),
          strings(`http.request.header.${name.replaceAll('-', '_')}`, `hdr-probe-${i}-underscore`),
        ]),
        strings('http.request.header.content_type', 'application/json'),
        strings('http.request.header.x-request-id', 'req-probe-kept'),
      ],
      // Span events and resources keep the broad pattern: compound keys go too.
      events: [
        {
          name: 'probe-event',
          timeUnixNano: String(now),
          attributes: [str('stripe_api_key', 'event-key-probe'), str('event.note', 'kept')],
        },
      ],
    }
    const probeResource = {
      attributes: [
        str('service.name', 'e2e-redaction'),
        str('deployment.db_password', 'resource-password-probe'),
      ],
    }
    const res = await postOtlp('/v1/traces', {
      resourceSpans: [{ resource: probeResource, scopeSpans: [{ spans: [span] }] }],
    })
    assert.equal(res.status, 200)
    const log = {
      timeUnixNano: String(now),
      body: { stringValue: 'redaction-probe-log' },
      attributes: [
        str('authorization', 'Bearer log.secret.probe'),
        str('access_token', 'log-access-token-probe'),
        str('passwd', 'log-passwd-probe'),
        str('conversation_id', 'conv_123'),
      ],
    }
    const logRes = await postOtlp('/v1/logs', {
      resourceLogs: [{ resource: resource('e2e-redaction'), scopeLogs: [{ logRecords: [log] }] }],
    })
    assert.equal(logRes.status, 200)
    let recorded: Record<string, unknown> | undefined
    let recordedLog: Record<string, unknown> | undefined
    await waitFor('the redaction probe span and log', () => {
      recorded = harness.recorded('tempo', 'traces').find((s) => s.name === 'redaction-probe')
      recordedLog = harness
        .recorded('loki', 'logs')
        .find((l) => logView(l).body === 'redaction-probe-log')
      return recorded !== undefined && recordedLog !== undefined
    })
    const view = spanView(recorded ?? {})
    const attributes = view.attributes
    for (const key of [
      'http.request.header.authorization',
      'api_key',
      'layercode-signature',
      'Authorization',
      'password',
      'client_secret',
      'refresh_token',
      'http.response.header.set-cookie',
    ])
      assert.ok(!(key in attributes), `${key} dropped`)
    assert.ok(!('deployment.db_password' in view.resource), 'resource key dropped')
    const event = (recorded?.events as Array<Record<string, unknown>>)?.[0]
    assert.deepEqual(attributesOf(event), { 'event.note': 'kept' }, 'event key dropped')
    const logAttributes = logView(recordedLog ?? {}).attributes
    assert.deepEqual(logAttributes, { conversation_id: 'conv_123' }, 'log keys dropped')
    const all = JSON.stringify([recorded, recordedLog])
    // Allowlisted headers pass untouched.
    assert.match(
      JSON.stringify(attributes['http.request.header.content_type']),
      /application\/json/,
    )
    assert.match(JSON.stringify(attributes['http.request.header.x-request-id']), /req-probe-kept/)
    for (const secret of [
      ...CREDENTIAL_HEADERS.flatMap((_, i) => [`hdr-probe-${i}-dash`, `hdr-probe-${i}-underscore`]),
      'caller@example.com',
      '+14155550123',
      'abc123.secret',
      'sk-proj',
      'dXNlcjpwYXNz-probe',
      'hunter2-probe',
      'client-secret-probe',
      'refresh-token-probe',
      'cookie-probe',
      'event-key-probe',
      'resource-password-probe',
      'log.secret.probe',
      'log-access-token-probe',
      'log-passwd-probe',
    ])
      assert.ok(!all.includes(secret), `${secret} removed`)
    assert.equal(attributes['app.conversation'], 'conv_123', 'ordinary values pass untouched')
    assert.equal(
      String(attributes['gen_ai.usage.input_tokens']),
      '42',
      'token counts are not credentials',
    )
  })

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

  it('(c) every metric of the contract is in Prometheus under its documented series, with its labels', async () => {
    const names = () =>
      harness
        .query(`count by (__name__) ({service_name="${SERVICE_NAME}"})`)
        .then((r) => new Set(r.map((x) => String(x.metric.__name__))))
    // Two export intervals (10 s each, OTEL_METRIC_EXPORT_INTERVAL in compose) after traffic.
    const { value: present = new Set<string>() } = await settle(
      names,
      (found) => EXPECTED_SERIES.every(({ series }) => found.has(series)),
      90_000,
    )
    const absent = EXPECTED_SERIES.filter(({ series }) => !present.has(series)).map(
      ({ series }) => series,
    )
    assert.deepEqual(absent, [], `present: ${[...present].sort().join(' ')}`)
    for (const { series, labels } of EXPECTED_SERIES) {
      const [sample] = await harness.query(`${series}{service_name="${SERVICE_NAME}"}`)
      const missingLabels = labels.filter((label) => !(label in (sample?.metric ?? {})))
      assert.deepEqual(missingLabels, [], `${series} labels`)
    }
    // The app's own outbound calls only: the one authorize call, never the SDK's exports.
    const [outbound] = await harness.query(
      `sum(http_client_request_duration_seconds_count{service_name="${SERVICE_NAME}"})`,
    )
    assert.equal(Number(outbound?.value[1]), 1, 'one outbound request: the authorize call')
    const byOutcome = await harness.query(
      'sum by (layercode_outcome) (layercode_turn_duration_seconds_count)',
    )
    const outcome = (name: string) =>
      Number(byOutcome.find((r) => r.metric.layercode_outcome === name)?.value[1] ?? 0)
    assert.ok(outcome('ok') > 20 && outcome('error') > 0, JSON.stringify(byOutcome))
  })

  it('(e) loses nothing while Tempo, Loki and Prometheus are down for 30 s during traffic', async () => {
    const N = 40
    const tag = `outage-${Date.now()}`
    await Promise.all([
      harness.stopService('tempo'),
      harness.stopService('loki'),
      harness.stopService('prometheus'),
    ])
    const downAt = Date.now()
    const traffic = harness.loadgen(['--rate=1', '--duration=20', '--think-time=0'])
    for (let i = 0; i < N; i++) {
      const now = Date.now() * 1e6
      const seq = [str('e2e.run', tag), str('e2e.seq', i)]
      const responses = await Promise.all([
        postOtlp('/v1/traces', {
          resourceSpans: [
            {
              resource: resource('e2e-outage'),
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: hex(i + 1, 32),
                      spanId: hex(i + 1, 16),
                      name: 'outage-probe',
                      kind: 1,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 1e6),
                      attributes: seq,
                    },
                  ],
                },
              ],
            },
          ],
        }),
        postOtlp('/v1/logs', {
          resourceLogs: [
            {
              resource: resource('e2e-outage'),
              scopeLogs: [
                {
                  logRecords: [
                    {
                      timeUnixNano: String(now),
                      body: { stringValue: 'outage-probe' },
                      attributes: seq,
                    },
                  ],
                },
              ],
            },
          ],
        }),
        postOtlp('/v1/metrics', {
          resourceMetrics: [
            {
              resource: resource('e2e-outage'),
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'e2e.outage.probe',
                      gauge: {
                        dataPoints: [{ timeUnixNano: String(now), asDouble: i, attributes: seq }],
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ])
      for (const res of responses)
        assert.equal(res.status, 200, 'the collector accepts while its backends are down')
      await sleep(200)
    }
    const summary = await traffic
    assert.equal(
      (summary.turns as Record<string, number>).unexpectedFailures,
      0,
      'the agent never noticed',
    )
    await sleep(Math.max(0, 30_000 - (Date.now() - downAt)))
    await Promise.all([
      harness.startStandIn('tempo'),
      harness.startStandIn('loki'),
      harness.startPrometheus(),
    ])
    const seqs = (items: Array<Record<string, unknown>>) =>
      new Set(
        items
          .map((item) => attributesOf(item))
          .filter((a) => a['e2e.run'] === tag)
          .map((a) => Number(a['e2e.seq'])),
      )
    // Every queued span, log record and metric point after the restart.
    const { value: delivered } = await settle(
      async () => ({
        spans: seqs(harness.recorded('tempo', 'traces')).size,
        logs: seqs(harness.recorded('loki', 'logs')).size,
        points: Number(
          (await harness.query(`count(e2e_outage_probe{e2e_run="${tag}"})`))[0]?.value[1],
        ),
      }),
      (d) => d.spans === N && d.logs === N && d.points === N,
      120_000,
    )
    assert.equal(delivered?.spans, N, 'every span')
    assert.equal(delivered?.logs, N, 'every log record')
    assert.equal(delivered?.points, N, 'every metric point')
  })

  it("(e) keeps the collector's memory under its limit during a 10x burst", async () => {
    const pid = harness.procs.get('collector')?.child.pid
    let peakRss = 0
    const sample = setInterval(() => {
      const kb = Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
      )
      peakRss = Math.max(peakRss, kb * 1024)
    }, 100)
    try {
      const burst = await harness.loadgen([
        `--rate=${TRAFFIC.rate * 10}`,
        '--duration=10',
        '--think-time=0',
        '--concurrency=64',
      ])
      assert.ok(((burst.conversations as Record<string, number>).completed ?? 0) > 0)
    } finally {
      clearInterval(sample)
    }
    assert.ok(peakRss > 0)
    assert.ok(peakRss < COLLECTOR_MEMORY_LIMIT, `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`)
    assert.ok(
      harness.collectorPeakMemory() <= COLLECTOR_MEMORY_LIMIT,
      'the cgroup never reached its limit',
    )
    assert.equal(
      (await fetch(harness.url('collector', 13133, '/'))).status,
      200,
      'the collector is still healthy',
    )
    console.log(
      `# collector peak RSS during the burst: ${Math.round(peakRss / 2 ** 20)} MiB of ${COLLECTOR_MEMORY_LIMIT / 2 ** 20} MiB`,
    )
  })

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
