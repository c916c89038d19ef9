/**
 * Users' own agents, installed as users install them (each example copied out of the
 * workspace, the kit's packages from their packed tarballs, a plain `npm install`, its own
 * `npm start`), beside the kit's agent, through the real collector:
 * - examples/hono-agent (Hono, `layercodeTelemetry()`): its spans, turn metrics and logs
 *   arrive with the contract's names, and every agent panel shows it when its service is
 *   selected;
 * - examples/fetch-agent (a Next.js-style route handler wrapped by `withLayercodeTelemetry`,
 *   served by srvx) with a tool reading a real PostgreSQL: the same signals, and the tool's
 *   queries traced under its span by the preload's default instrumentations.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { concrete, panelQueries } from '@layercode-kit/grafana-gen'
import { Attr, LOG_CONTEXT_FIELDS, Outcome } from '@layercode-kit/telemetry'
import { attributesOf, settle } from '@layercode-kit/test-support'
import { findBinaries } from '../../tools/binaries.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { Harness } from '../lib/harness.ts'
import { type Postgres, postgresBin, startPostgres } from '../lib/postgres.ts'
import { installExample, userEnv } from '../lib/tarballs.ts'
import { composeWebhookSecret } from '../stack/support.ts'

const missing = await nativeSuiteGuard('the example apps end to end')
const noPostgres = postgresBin() ? undefined : 'no PostgreSQL server (apt install postgresql)'
if (!missing && noPostgres && process.env.CI)
  throw new Error(`e2e: ${noPostgres}; CI must run the database case`)

const SERVICE = 'weather-agent'
const PORT = 8100
const FETCH_SERVICE = 'forecast-agent'
const FETCH_PORT = 8200
/** Panels about model calls need an agent that calls a model; this one does not. */
const MODEL_PANELS = [
  'Tokens in the last hour',
  'Tokens per minute by model',
  'Model call latency p95',
  'Top models by spend',
  'Model time to first chunk p95 by model',
]

type Span = { name: string; id: string; parent: string; attributes: Record<string, unknown> }

function spansOf(harness: Harness, service: string): Span[] {
  return harness
    .recorded('tempo', 'traces')
    .filter((s) => attributesOf(s.resource)['service.name'] === service)
    .map(
      (s): Span => ({
        name: String(s.name),
        id: String(s.spanId),
        parent: String(s.parentSpanId ?? ''),
        attributes: attributesOf(s),
      }),
    )
}

/** The query text, under the current or the older database conventions' name. */
const statementOf = (span: Span) =>
  String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? '')

/** One "turn completed" record per turn, with the trace context and the call-context fields. */
async function assertTurnLogs(harness: Harness, service: string, agent: string, turns: number) {
  const { value: logs = [] } = await settle(
    () =>
      harness
        .recorded('loki', 'logs')
        .filter((r) => attributesOf(r.resource)['service.name'] === service)
        .filter((r) => (r.body as { stringValue?: string })?.stringValue === 'turn completed'),
    (found) => found.length >= turns,
    30_000,
  )
  assert.equal(logs.length, turns)
  for (const record of logs) {
    assert.match(String(record.traceId), /^[0-9a-f]{32}$/)
    const attributes = attributesOf(record)
    assert.equal(attributes.agent, agent)
    for (const field of LOG_CONTEXT_FIELDS)
      if (field !== 'turn_id' || attributes.event_type === 'message')
        assert.ok(attributes[field], `${field} on a "turn completed" record`)
  }
}

/** The service's spans, once its webhooks' server spans (`expected` of them) have arrived. */
async function webhookSpans(harness: Harness, service: string, expected: number) {
  const { value: spans = [] } = await settle(
    () => spansOf(harness, service),
    (found) => found.filter((s) => s.name === 'POST /api/agent').length >= expected,
    30_000,
  )
  return spans
}

type Summary = { turns: { ok: number; failed: number }; conversations: { completed: number } }

/** Starts an installed example with its own `npm start`, as its README says. */
async function startExample(
  harness: Harness,
  example: string,
  service: string,
  port: number,
  env: Record<string, string> = {},
) {
  const dir = await installExample(example)
  await harness.startApp(
    `app:${example}`,
    ['npm', 'start'],
    {
      OTEL_SERVICE_NAME: service,
      LAYERCODE_WEBHOOK_SECRET: composeWebhookSecret(),
      HOST: '0.0.0.0',
      PORT: String(port),
      ...env,
    },
    port,
    { cwd: dir, baseEnv: userEnv() },
  )
}

async function drive(harness: Harness, port: number): Promise<Summary> {
  const summary = (await harness.loadgen([
    `--url=http://agent:${port}/api/agent`,
    // Longer than two metric exports, so rate() sees the counters grow.
    '--rate=1',
    '--duration=25',
    '--think-time=0',
  ])) as Summary
  assert.equal(summary.turns.failed, 0, JSON.stringify(summary))
  return summary
}

type Run = { turns: number; conversations: number }

describe("users' own agents, installed from the packed tarballs", { skip: missing }, () => {
  let harness: Harness
  let postgres: Postgres | undefined
  const runs = new Map<string, Run>()
  const postgresLog: string[] = []

  before(async () => {
    harness = await Harness.start(await findBinaries())
    if (!noPostgres) {
      postgres = await startPostgres('agent', postgresLog)
      await postgres.sql(
        "CREATE TABLE forecasts (city text PRIMARY KEY, forecast text NOT NULL); INSERT INTO forecasts VALUES ('London', 'drizzling'), ('Paris', 'sunny')",
      )
    }
    await Promise.all([
      startExample(harness, 'hono-agent', SERVICE, PORT),
      startExample(
        harness,
        'fetch-agent',
        FETCH_SERVICE,
        FETCH_PORT,
        postgres ? { DATABASE_URL: postgres.url } : {},
      ),
    ])
    const [hono, fetchApp] = await Promise.all([drive(harness, PORT), drive(harness, FETCH_PORT)])
    for (const [service, summary] of [
      [SERVICE, hono],
      [FETCH_SERVICE, fetchApp],
    ] as const)
      runs.set(service, {
        turns: summary.turns.ok,
        conversations: summary.conversations.completed,
      })
  })
  after(async () => {
    await harness?.stop()
    await postgres?.stop()
  })

  describe('examples/hono-agent: Hono and layercodeTelemetry()', () => {
    const run = () => runs.get(SERVICE) as Run
    it('its spans reach Tempo with the contract names, nested, under its own service name', async () => {
      const spans = await webhookSpans(harness, SERVICE, run().conversations * 6)
      const byId = new Map(spans.map((s) => [s.id, s]))
      const tool = spans.find((s) => s.name === 'execute_tool lookup_weather')
      // The webhook's span is the request's SERVER span, root of the trace, the tool's parent.
      const webhook = byId.get(tool?.parent ?? '')
      assert.equal(webhook?.name, 'POST /api/agent')
      assert.equal(byId.get(webhook?.parent ?? ''), undefined)
      assert.equal(webhook?.attributes[Attr.Outcome], Outcome.Ok)
      assert.equal(webhook?.attributes[Attr.AgentName], 'weather')
      assert.equal(webhook?.attributes['http.route'], '/api/agent')
      assert.equal(
        spans.filter((s) => s.name === 'POST /api/agent').length,
        run().conversations * 6,
        'one server span per webhook: start, three messages, data, session.end',
      )
    })

    it('its logs reach Loki with the trace context and the call-context fields', async () => {
      await assertTurnLogs(harness, SERVICE, 'weather', run().turns)
    })

    it('its turn metrics count every turn, and every agent panel shows it when its service is selected', async () => {
      const { value: counted } = await settle(
        async () =>
          Number(
            (
              await harness.query(
                `sum(layercode_turn_duration_seconds_count{service_name="${SERVICE}"})`,
              )
            )[0]?.value[1] ?? 0,
          ),
        (n) => n === run().turns,
        40_000,
      )
      assert.equal(counted, run().turns)
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
      // What this app does not report (it has no queue, calls no model) must stay empty, never
      // a guessed number: those parts and the own-work remainder that needs every part.
      const unreported = (text: string) => /first_speech_(queue|model|sentence)_seconds/.test(text)
      // rate() needs a second export (10 s) after a counter first appears.
      const { value: empty } = await settle(
        async () => {
          const found: string[] = []
          for (const { panel, text } of texts.filter((t) => !unreported(t.text)))
            if ((await harness.query(text)).length === 0) found.push(`${panel}: ${text}`)
          return found
        },
        (found) => found.length === 0,
        40_000,
        1_000,
      )
      assert.deepEqual(empty, [])
      // Checked once the reported parts show, so the others had the same time to arrive.
      for (const { panel, text } of texts.filter((t) => unreported(t.text)))
        assert.deepEqual(await harness.query(text), [], `${panel} is not reported: ${text}`)
    })
  })

  describe('examples/fetch-agent: a fetch route handler and PostgreSQL', () => {
    const run = () => runs.get(FETCH_SERVICE) as Run

    it('its webhook spans, tool span and turn and session metrics arrive', async () => {
      const spans = await webhookSpans(harness, FETCH_SERVICE, run().conversations * 6)
      const webhooks = spans.filter((s) => s.name === 'POST /api/agent')
      assert.equal(webhooks.length, run().conversations * 6)
      for (const webhook of webhooks) {
        assert.equal(webhook.attributes[Attr.AgentName], 'forecast')
        assert.equal(webhook.attributes['http.route'], '/api/agent')
      }
      const byId = new Map(spans.map((s) => [s.id, s]))
      const tools = spans.filter((s) => s.name === 'execute_tool lookup_forecast')
      assert.equal(tools.length, run().conversations * 3, 'one tool call per message')
      for (const tool of tools) assert.equal(byId.get(tool.parent)?.name, 'POST /api/agent')
      const metric = async (name: string) =>
        Number(
          (await harness.query(`sum(${name}{service_name="${FETCH_SERVICE}"})`))[0]?.value[1] ?? 0,
        )
      const { value: counted } = await settle(
        async () => ({
          turns: await metric('layercode_turn_duration_seconds_count'),
          ended: await metric('layercode_sessions_ended_total'),
        }),
        (n) => n.turns === run().turns && n.ended === run().conversations,
        40_000,
      )
      assert.deepEqual(counted, { turns: run().turns, ended: run().conversations })
    })

    it('its turn log lines reach Loki with the call context', async () => {
      await assertTurnLogs(harness, FETCH_SERVICE, 'forecast', run().turns)
    })

    it("traces the tool's database queries under its span, with db.* attributes and no values", {
      skip: noPostgres,
    }, async () => {
      const isQuery = (s: Span) =>
        s.attributes['db.system'] === 'postgresql' ||
        s.attributes['db.system.name'] === 'postgresql'
      const { value: spans = [] } = await settle(
        () => spansOf(harness, FETCH_SERVICE),
        (found) => found.filter(isQuery).length >= run().conversations * 3,
        30_000,
      )
      const byId = new Map(spans.map((s) => [s.id, s]))
      const queries = spans.filter(
        (s) => isQuery(s) && /SELECT forecast FROM forecasts/.test(statementOf(s)),
      )
      assert.equal(queries.length, run().conversations * 3, 'one query per tool call')
      for (const query of queries) {
        assert.equal(byId.get(query.parent)?.name, 'execute_tool lookup_forecast')
        assert.equal(statementOf(query), 'SELECT forecast FROM forecasts WHERE city = $1')
        const values = JSON.stringify(query.attributes)
        for (const city of ['London', 'Paris']) assert.ok(!values.includes(city), values)
      }
    })
  })
})
