/**
 * A user's own agent (examples/hono-agent: Hono, the LayerCode SDK, winston, and only the
 * kit's telemetry package) beside the kit's agent, through the real collector: its spans,
 * turn metrics and logs arrive with the contract's names, and the agent dashboards' panels
 * show it when its service is selected.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { concrete, panelQueries } from '@layercode-kit/grafana-gen'
import { Attr, LOG_CONTEXT_FIELDS, Outcome } from '@layercode-kit/telemetry'
import { attributesOf, settle } from '@layercode-kit/test-support'
import { composeWebhookSecret, rootPath } from '../stack/support.ts'
import { ensureBinaries } from './binaries.ts'
import { nativeSuiteGuard } from './guard.ts'
import { Harness } from './harness.ts'

const missing = await nativeSuiteGuard('the example app end to end')

const SERVICE = 'weather-agent'
const PORT = 8100
/** Panels about model calls need an agent that calls a model; this one does not. */
const MODEL_PANELS = [
  'Tokens in the last hour',
  'Tokens per minute by model',
  'Model call latency p95',
  'Top models by spend',
  'Model time to first chunk p95 by model',
]

describe("a user's own Hono app with only @layercode-kit/telemetry", { skip: missing }, () => {
  let harness: Harness
  let turns = 0
  let conversations = 0

  before(async () => {
    harness = await Harness.start(await ensureBinaries())
    await harness.startApp(
      'app:example',
      [
        process.execPath,
        '--import',
        '@layercode-kit/telemetry/register',
        rootPath('examples/hono-agent/src/server.ts'),
      ],
      {
        OTEL_SERVICE_NAME: SERVICE,
        LAYERCODE_WEBHOOK_SECRET: composeWebhookSecret(),
        HOST: '0.0.0.0',
        PORT: String(PORT),
      },
      PORT,
    )
    const summary = (await harness.loadgen([
      `--url=http://agent:${PORT}/api/agent`,
      // Longer than two metric exports, so rate() sees the counters grow.
      '--rate=1',
      '--duration=25',
      '--think-time=0',
    ])) as { turns: { ok: number; failed: number }; conversations: { completed: number } }
    assert.equal(summary.turns.failed, 0, JSON.stringify(summary))
    turns = summary.turns.ok
    conversations = summary.conversations.completed
  })
  after(async () => {
    await harness?.stop()
  })

  it('its spans reach Tempo with the contract names, nested, under its own service name', async () => {
    type Span = { name: string; id: string; parent: string; attributes: Record<string, unknown> }
    const { value: spans = [] } = await settle(
      () =>
        harness
          .recorded('tempo', 'traces')
          .filter((s) => attributesOf(s.resource)['service.name'] === SERVICE)
          .map(
            (s): Span => ({
              name: String(s.name),
              id: String(s.spanId),
              parent: String(s.parentSpanId ?? ''),
              attributes: attributesOf(s),
            }),
          ),
      (found) => found.filter((s) => s.name === 'POST /api/agent').length >= conversations * 6,
      30_000,
    )
    const byId = new Map(spans.map((s) => [s.id, s]))
    const parentOf = (s: Span | undefined) => (s ? byId.get(s.parent)?.name : undefined)
    const tool = spans.find((s) => s.name === 'execute_tool lookup_weather')
    assert.equal(parentOf(tool), 'invoke_agent weather')
    // The webhook's span is the request's SERVER span, root of the trace.
    const webhook = byId.get(byId.get(tool?.parent ?? '')?.parent ?? '')
    assert.equal(webhook?.name, 'POST /api/agent')
    assert.equal(parentOf(webhook), undefined)
    assert.equal(webhook?.attributes[Attr.Outcome], Outcome.Ok)
    assert.equal(webhook?.attributes[Attr.AgentName], 'weather')
    assert.equal(
      spans.filter((s) => s.name === 'POST /api/agent').length,
      conversations * 6,
      'one server span per webhook: start, three messages, data, session.end',
    )
  })

  it('its logs reach Loki with the trace context and the call-context fields', async () => {
    const { value: logs = [] } = await settle(
      () =>
        harness
          .recorded('loki', 'logs')
          .filter((r) => attributesOf(r.resource)['service.name'] === SERVICE)
          .filter((r) => (r.body as { stringValue?: string })?.stringValue === 'turn completed'),
      (found) => found.length >= turns,
      30_000,
    )
    assert.equal(logs.length, turns)
    for (const record of logs) {
      assert.match(String(record.traceId), /^[0-9a-f]{32}$/)
      const attributes = attributesOf(record)
      for (const field of LOG_CONTEXT_FIELDS)
        if (field !== 'turn_id' || attributes.event_type === 'message')
          assert.ok(attributes[field], `${field} on a "turn completed" record`)
    }
  })

  it('its turn metrics count every turn, and every agent panel shows it when its service is selected', async () => {
    const { value: counted } = await settle(
      async () =>
        Number(
          (await harness.query(`sum(layercode_turns_total{service_name="${SERVICE}"})`))[0]
            ?.value[1] ?? 0,
        ),
      (n) => n === turns,
      40_000,
    )
    assert.equal(counted, turns)
    // The dashboards' queries with the Service variable set to this app, not "All".
    const panels = panelQueries().filter(
      (q) =>
        q.datasource === 'prometheus' &&
        !q.needs &&
        !MODEL_PANELS.includes(q.panel) &&
        q.expr.includes('$service'),
    )
    assert.ok(panels.length >= 15)
    const texts = panels.map((panel) => ({
      panel: panel.panel,
      text: concrete(panel, { selected: { service: SERVICE } }),
    }))
    for (const { panel, text } of texts) assert.ok(text.includes(SERVICE), `${panel} selects it`)
    // rate() needs a second export (10 s) after a counter first appears.
    const { value: empty } = await settle(
      async () => {
        const found: string[] = []
        for (const { panel, text } of texts)
          if ((await harness.query(text)).length === 0) found.push(`${panel}: ${text}`)
        return found
      },
      (found) => found.length === 0,
      40_000,
      1_000,
    )
    assert.deepEqual(empty, [])
  })
})
