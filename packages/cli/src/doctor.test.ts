import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DATASOURCES } from '@layercode-kit/grafana-gen'
import { runNode } from '@layercode-kit/test-support'
import { parse } from 'yaml'
import { Doctor, exitCode, formatTable, rangeSeconds } from './doctor.ts'
import { generatedFiles } from './generate.ts'

const files = generatedFiles()
const dashboards = Object.entries(files)
  .filter(([file]) => file.startsWith('grafana/dashboards/'))
  .map(([, content]) => JSON.parse(content) as { uid: string; title: string })
const rules = (
  parse(files['grafana/alerting/rules.yaml'] ?? '') as { groups: Array<{ rules: unknown[] }> }
).groups.flatMap((g) => g.rules)

type Seen = { method: string; path: string; auth: string; body?: Record<string, unknown> }
type Behaviour = {
  /** Queries containing one of these answer with no rows. */
  empty?: readonly string[]
  /** Queries containing one of these answer with an error. */
  failing?: readonly string[]
  unhealthy?: readonly string[]
  /** The label the span metrics' exemplars carry their trace id in (Tempo's default: traceID). */
  exemplarLabel?: string
  /** The query of the user's own dashboard ("My agent", uid not-ours). */
  userQuery?: string
}
const USER_QUERY = 'sum(rate(my_app_requests_total[5m]))'

const frame = (fields: string[], values: unknown[][]) => ({
  schema: { fields: fields.map((name) => ({ name })) },
  data: { values },
})

/** A stand-in for the parts of Grafana's HTTP API the doctor uses, recording every request. */
async function standIn(behaviour: Behaviour) {
  const seen: Seen[] = []
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = ''
    req.on('data', (chunk) => (raw += chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined
      seen.push({
        method: req.method ?? '',
        path: url.pathname,
        auth: String(req.headers.authorization),
        ...(body ? { body } : {}),
      })
      const path = url.pathname
      if (path === '/api/health') return json(res, 200, { database: 'ok' })
      if (path === '/api/datasources')
        return json(
          res,
          200,
          Object.values(DATASOURCES).map(({ uid, type }) => ({ uid, name: uid, type })),
        )
      const health = /^\/api\/datasources\/uid\/(\w+)\/health$/.exec(path)
      if (health)
        return json(
          res,
          200,
          behaviour.unhealthy?.includes(health[1] ?? '')
            ? { status: 'ERROR', message: 'connection refused' }
            : { status: 'OK' },
        )
      if (path === '/api/search')
        return json(res, 200, [...dashboards.map((d) => ({ uid: d.uid })), { uid: 'not-ours' }])
      const dashboard = /^\/api\/dashboards\/uid\/([\w-]+)$/.exec(path)
      if (dashboard?.[1] === 'not-ours') {
        const expr = behaviour.userQuery ?? USER_QUERY
        const panels = [{ id: 1, title: 'Turns', targets: [{ refId: 'A', expr }] }]
        return json(res, 200, { dashboard: { uid: 'not-ours', title: 'My agent', panels } })
      }
      if (dashboard)
        return json(res, 200, { dashboard: dashboards.find((d) => d.uid === dashboard[1]) })
      if (path === '/api/v1/provisioning/alert-rules') return json(res, 200, rules)
      if (path === '/api/ds/query') {
        const query = ((body?.queries ?? []) as Array<Record<string, unknown>>)[0] ?? {}
        const text = String(query.expr ?? query.query)
        if (behaviour.failing?.some((s) => text.includes(s)))
          return json(res, 200, { results: { A: { status: 400, error: 'parse error' } } })
        if (behaviour.empty?.some((s) => text.includes(s)))
          return json(res, 200, { results: { A: { status: 200, frames: [] } } })
        const frames =
          text === '{ span.layercode.turn.id != nil }'
            ? [frame(['traceID'], [['abc123']])]
            : query.exemplar === true
              ? [
                  frame(['time', 'value'], [[1], [0.2]]),
                  frame(
                    ['Time', 'Value', behaviour.exemplarLabel ?? 'trace_id'],
                    [[1], [0.2], ['def456']],
                  ),
                ]
              : text.includes('trace_id!=""')
                ? [frame(['labels', 'Line'], [[{ trace_id: 'abc123' }], ['turn completed']])]
                : [
                    frame(
                      ['time', 'value'],
                      [
                        [1, 2, 3],
                        [4, 5, 6],
                      ],
                    ),
                  ]
        return json(res, 200, { results: { A: { status: 200, frames } } })
      }
      json(res, 404, { message: 'not found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

type SeenQuery = { from: unknown; to: unknown; query: Record<string, unknown> }
const queriesSeen = (seen: Seen[]): SeenQuery[] =>
  seen
    .filter((s) => s.path === '/api/ds/query')
    .map((s) => ({
      from: s.body?.from,
      to: s.body?.to,
      query: ((s.body?.queries ?? []) as Array<Record<string, unknown>>)[0] ?? {},
    }))

describe('doctor, against a stand-in for Grafana', () => {
  let grafana: Awaited<ReturnType<typeof standIn>>
  before(async () => {
    grafana = await standIn({})
  })
  after(async () => {
    await grafana.close()
  })

  it('runs every panel query as Grafana renders it, every rule, the datasources and the links', async () => {
    const doctor = new Doctor({ grafanaUrl: grafana.url, user: 'admin', password: 'pw' })
    const checks = await doctor.run()
    assert.equal(exitCode(checks), 0, formatTable(checks))
    const auth = `Basic ${Buffer.from('admin:pw').toString('base64')}`
    assert.ok(grafana.seen.every((s) => s.path === '/api/health' || s.auth === auth))
    const queries = queriesSeen(grafana.seen)
    const targets = dashboards.flatMap(
      (d) =>
        (d as { panels?: Array<{ targets?: unknown[] }> }).panels?.flatMap(
          (p) => p.targets ?? [],
        ) ?? [],
    )
    assert.ok(queries.length >= targets.length + rules.length + 3)
    for (const q of queries) {
      const text = String(q.query.expr ?? q.query.query)
      assert.doesNotMatch(text, /\$[a-z_]/, `no variable left: ${text}`)
      assert.match(String(q.from), /^now(-\d+[smhdw])?$/)
      assert.equal(q.to, 'now')
    }
    // "All" is the variables' allValue, and $__rate_interval follows Grafana's formula.
    assert.ok(queries.some((q) => String(q.query.expr).includes('service_name=~".+"')))
    assert.ok(queries.some((q) => /\[40s\]/.test(String(q.query.expr))))
    const names = checks.map((c) => `${c.dashboard}/${c.panel}`)
    assert.ok(names.includes('(links)/trace -> logs (trace_id field)'))
    assert.ok(names.includes('(links)/log -> trace (derived field)'))
    assert.equal(checks.find((c) => c.panel === 'exemplar -> trace')?.status, 'ok')
    assert.ok(
      queries.some((q) => q.query.query === 'def456' && q.query.queryType === 'traceql'),
      "the exemplar's trace id opened in Tempo",
    )
    assert.equal(checks.filter((c) => c.dashboard === '(datasource)').length, 3)
    assert.equal(checks.filter((c) => c.dashboard === '(alert rule)').length, rules.length)
    assert.ok(
      !queries.some((q) => q.query.expr === USER_QUERY),
      "only the kit dashboards' panels run",
    )
    const table = formatTable(checks).split('\n')
    assert.match(table[0] ?? '', /^dashboard\s+panel\s+status\s+rows\s+error$/)
    assert.equal(table.length, checks.length + 1)
  })
})

describe('doctor verdicts', () => {
  it('fails on an empty panel that should have data, an error, or an unhealthy datasource', async () => {
    for (const [behaviour, expect] of [
      [{ empty: ['layercode_turn_duration_seconds_count'] }, 'empty'],
      [{ failing: ['http_server_request_duration_seconds'] }, 'error'],
      [{ unhealthy: ['loki'] }, 'error'],
    ] as const) {
      const grafana = await standIn(behaviour)
      try {
        const checks = await new Doctor({ grafanaUrl: grafana.url, token: 't' }).run()
        assert.equal(exitCode(checks), 1, JSON.stringify(behaviour))
        assert.ok(
          checks.some((c) => c.status === expect),
          JSON.stringify(behaviour),
        )
        assert.ok(grafana.seen.every((s) => s.path === '/api/health' || s.auth === 'Bearer t'))
      } finally {
        await grafana.close()
      }
    }
  })

  it("names a retired series in the user's own dashboard and what replaced it", async () => {
    const grafana = await standIn({
      userQuery: 'sum by (layercode_outcome) (rate(layercode_turns_total[5m]))',
    })
    try {
      const checks = await new Doctor({ grafanaUrl: grafana.url, token: 't' }).run()
      const retired = checks.filter((c) => c.dashboard === '(retired series)')
      assert.deepEqual(
        retired.map((c) => [c.panel, c.status]),
        [['dashboard "My agent"', 'error']],
      )
      assert.match(
        String(retired[0]?.error),
        /layercode_turns_total.*layercode_turn_duration_seconds_count/,
      )
      assert.equal(exitCode(checks), 1)
    } finally {
      await grafana.close()
    }
  })

  it("warns of a user's dashboard that reads one generation of the GenAI names, and passes", async () => {
    for (const [query, reads, lacks] of [
      ['sum(rate(gen_ai_client_token_usage_sum[5m]))', 'token_usage', 'inference_usage'],
      [
        'histogram_quantile(0.9, sum by (le) (rate(gen_ai_client_inference_duration_seconds_bucket[5m])))',
        'inference_duration',
        'operation_duration',
      ],
    ] as const) {
      const grafana = await standIn({ userQuery: query })
      try {
        const checks = await new Doctor({ grafanaUrl: grafana.url, token: 't' }).run()
        const found = checks.filter((c) => c.dashboard === '(GenAI names)')
        assert.deepEqual(
          found.map((c) => [c.panel, c.status]),
          [['dashboard "My agent"', 'warn']],
          query,
        )
        assert.match(String(found[0]?.error), new RegExp(`reads \\S*${reads}.*not \\S*${lacks}`))
        assert.equal(exitCode(checks), 0, 'a warning, not a failure')
      } finally {
        await grafana.close()
      }
    }
  })

  it('lets a panel that needs Tempo be empty without failing', async () => {
    const grafana = await standIn({ empty: ['traces_spanmetrics_latency_bucket'] })
    try {
      const checks = await new Doctor({ grafanaUrl: grafana.url, token: 't' }).run()
      const panel = checks.find((c) => c.panel.startsWith('Span latency from traces'))
      assert.equal(panel?.status, 'skipped')
      assert.equal(checks.find((c) => c.panel === 'exemplar -> trace')?.status, 'skipped')
      assert.equal(exitCode(checks), 0, formatTable(checks))
    } finally {
      await grafana.close()
    }
  })

  it("fails when the span metrics' exemplars carry no trace_id (Tempo's default traceID label)", async () => {
    const grafana = await standIn({ exemplarLabel: 'traceID' })
    try {
      const checks = await new Doctor({ grafanaUrl: grafana.url, token: 't' }).run()
      const link = checks.find((c) => c.panel === 'exemplar -> trace')
      assert.equal(link?.status, 'empty')
      assert.match(String(link?.error), /trace_id_label_name/)
      assert.equal(exitCode(checks), 1)
    } finally {
      await grafana.close()
    }
  })

  it('reads Grafana relative ranges', () => {
    assert.equal(rangeSeconds('now-1h'), 3600)
    assert.equal(rangeSeconds('now-15m'), 900)
    assert.equal(rangeSeconds('now-7d'), 604_800)
  })
})

describe('doctor command', () => {
  const cli = fileURLToPath(new URL('./doctor-command.ts', import.meta.url))

  it('prints its usage for --help', async () => {
    const result = await runNode(cli, ['--help'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /--grafana/)
  })

  it('says in one line that no stack is reachable, and exits 1', async () => {
    const result = await runNode(cli, ['--grafana', 'http://127.0.0.1:9'])
    assert.equal(result.code, 1)
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
    assert.match(result.stderr, /^doctor: no Grafana reachable at http:\/\/127\.0\.0\.1:9/)
  })

  it('prints the table and exits 0 against a healthy stand-in', async () => {
    const grafana = await standIn({})
    try {
      const result = await runNode(cli, ['--grafana', grafana.url], {
        env: { ...process.env, GRAFANA_ADMIN_PASSWORD: 'pw' },
      })
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^dashboard\s+panel\s+status/)
      assert.match(result.stdout, /Turn success rate\s+ok/)
    } finally {
      await grafana.close()
    }
  })
})
