/**
 * The kit as users start it (`docker compose up`), checked through the public APIs of Grafana
 * (and its datasource proxy to Prometheus, Tempo and Loki), the agent, the collector and
 * Mailpit, with the expectations the native end-to-end suite uses. Run by run.ts, on the
 * engine and images it finds (tools/containers.ts; `npm run setup` builds them). Where Tempo's, Loki's and Grafana's
 * images cannot be had (KIT_STANDINS says why), Tempo and Loki are the recording stand-ins of
 * tests/containers/docker-compose.standins.yml, Prometheus is queried directly, and the checks
 * only the real ones can pass are skipped with that reason. Without an engine the suite skips
 * with the reason (REQUIRE_DOCKER=1 makes that a failure).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Doctor, exitCode, formatTable } from '@layercode-kit/cli'
import {
  ALERTS,
  concrete,
  DASHBOARDS,
  panelQueries,
  SYNTHETIC_TRAFFIC,
} from '@layercode-kit/grafana-gen'
import { runLoad } from '@layercode-kit/loadgen'
import { sendWebhook } from '@layercode-kit/protocol'
import { attributesOf } from '@layercode-kit/test-support'
import {
  DockerComposeEnvironment,
  type StartedDockerComposeEnvironment,
  Wait,
} from 'testcontainers'
import {
  EXPECTED_SERIES,
  logProblems,
  SERVICE_NAME,
  type SpanView,
  spanTreeProblems,
  TRAFFIC,
} from '../lib/expectations.ts'
import { readRecording, spanView } from '../lib/recordings.ts'
import { ROOT } from '../stack/support.ts'
import { GRAFANA_PASSWORD, ONE_SHOTS, TIMEOUTS, URLS, WEBHOOK_SECRET } from './plan.ts'

import {
  b64hex,
  compose,
  composeFiles,
  eventually,
  grafana,
  logLines,
  missing,
  project,
  promQuery,
  realOnly,
  recordings,
  running,
  STANDINS,
  sendLog,
  serviceHealth,
  serviceStates,
} from './stack.ts'

describe('docker compose up: the whole kit', { skip: missing }, () => {
  let environment: StartedDockerComposeEnvironment

  before(async () => {
    let compose = new DockerComposeEnvironment(ROOT, composeFiles)
      .withProjectName(project)
      .withBuild()
      .withEnvironment({
        GRAFANA_ADMIN_PASSWORD: GRAFANA_PASSWORD,
        KIT_STANDIN_RECORDINGS: recordings,
      })
      .withStartupTimeout(TIMEOUTS.startupMs)
      .withDefaultWaitStrategy(Wait.forHealthCheck())
    for (const name of ONE_SHOTS)
      compose = compose.withWaitStrategy(`${name}-1`, Wait.forOneShotStartup())
    environment = await compose.up()
    await runLoad({
      url: `${URLS.agent}/api/agent`,
      secret: WEBHOOK_SECRET,
      concurrency: 8,
      messages: 3,
      durationS: TRAFFIC.durationS,
      rate: TRAFFIC.rate,
      failRate: TRAFFIC.failRate,
      slowRate: TRAFFIC.slowRate,
      thinkTimeMs: 0,
    })
    // One webhook signed with another secret, as after a rotation on LayerCode's side only:
    // the agent refuses it and counts it (layercode.webhook.rejections).
    const refused = await sendWebhook({
      url: `${URLS.agent}/api/agent`,
      secret: `${WEBHOOK_SECRET}-rotated`,
      body: { type: 'session.end', session_id: 's_refused', conversation_id: 'c_refused' },
    })
    assert.equal(refused.status, 401)
  })

  after(async () => {
    await environment?.down({ removeVolumes: true, timeout: 30_000 })
    if (recordings) await rm(recordings, { recursive: true, force: true })
  })

  it('starts every service healthy, the one-shots completed, the loadgen conversing', async () => {
    const states = await serviceStates()
    const state = (service: string) => states.find((s) => s.Service === service)
    for (const name of running) {
      const s = state(name)
      if (ONE_SHOTS.includes(name)) assert.deepEqual([s?.State, s?.ExitCode], ['exited', 0], name)
      else assert.deepEqual([s?.State, s?.Health], ['running', 'healthy'], name)
    }
    // Its healthcheck passes only while its conversations keep completing.
    assert.equal(state('loadgen')?.Health, 'healthy')
    assert.deepEqual(
      states.map((s) => s.Service).sort(),
      [...running].sort(),
      'exactly the services compose defines (Grafana left out only beside the stand-ins)',
    )
  })

  it('Tempo holds the contract span tree', { skip: realOnly }, async () => {
    const problems = await eventually('the span tree in Tempo', TIMEOUTS.dataMs, async () => {
      const q = `{resource.service.name="${SERVICE_NAME}" && name="execute_tool list_menu"}`
      const search = await grafana<{ traces: Array<{ traceID: string }> }>(
        `/api/datasources/proxy/uid/tempo/api/search?q=${encodeURIComponent(q)}&limit=5`,
      )
      const traceId = search.traces[0]?.traceID
      if (!traceId) return undefined
      const trace = await grafana<{ batches?: unknown[]; resourceSpans?: unknown[] }>(
        `/api/datasources/proxy/uid/tempo/api/traces/${traceId}`,
      )
      const spans: SpanView[] = (
        (trace.batches ?? trace.resourceSpans ?? []) as Array<{
          resource: unknown
          scopeSpans: Array<{ spans: Array<Record<string, unknown>> }>
        }>
      ).flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((s) => ({
            name: String(s.name),
            traceId: b64hex(String(s.traceId)),
            spanId: b64hex(String(s.spanId)),
            parentSpanId: s.parentSpanId ? b64hex(String(s.parentSpanId)) : '',
            attributes: attributesOf(s),
            resource: attributesOf(rs.resource),
          })),
        ),
      )
      const found = spanTreeProblems(spans).filter((p) => !p.startsWith('no failed turn'))
      return found.length === 0 ? found : undefined
    })
    assert.deepEqual(problems, [])
  })

  it("the collector delivers the contract span tree to Tempo's port (stand-in)", {
    skip: !STANDINS && 'the real Tempo is checked above',
  }, async () => {
    const problems = await eventually(
      'the span tree at the Tempo stand-in',
      TIMEOUTS.dataMs,
      async () => {
        const spans = readRecording(path.join(recordings, 'tempo.jsonl'), 'traces').map(spanView)
        const found = spanTreeProblems(spans).filter((p) => !p.startsWith('no failed turn'))
        return found.length === 0 ? found : undefined
      },
    )
    assert.deepEqual(problems, [])
  })

  it('Prometheus has every contract series and data for every panel', async () => {
    // The offline model and no browser client: the agent makes no outbound call in compose,
    // so it has no http.client.request.duration (the native pipeline run checks it).
    for (const { series } of EXPECTED_SERIES.filter(
      ({ metric }) => metric.name !== 'http.client.request.duration',
    )) {
      await eventually(series, TIMEOUTS.dataMs, async () =>
        (await promQuery(`${series}{service_name="${SERVICE_NAME}"}`)).length > 0
          ? true
          : undefined,
      )
    }
    // Beside the stand-ins, only Tempo's and Loki's own series (span metrics, their /metrics)
    // cannot be there: the stand-ins are not them.
    const ownSeries = /\b(traces_spanmetrics_|tempo_|loki_)/
    // Compose runs one collector: the sampling tier's panels are proven by tests/e2e/scale.test.ts.
    const queries = panelQueries().filter(
      (p) =>
        p.datasource === 'prometheus' &&
        p.needs !== 'the sampling tier' &&
        !(STANDINS && ownSeries.test(concrete(p))),
    )
    assert.ok(queries.length > 20, `${queries.length} panel queries`)
    for (const q of queries) {
      await eventually(`${q.dashboard} "${q.panel}"`, TIMEOUTS.dataMs, async () =>
        (await promQuery(concrete(q))).length > 0 ? true : undefined,
      )
    }
  })

  it("the canary service's turns arrive tagged synthetic, and its alert stays quiet", async () => {
    const canary = await eventually('canary turns', TIMEOUTS.dataMs, async () => {
      const result = await promQuery(
        `sum(layercode_turn_duration_seconds_count{${SYNTHETIC_TRAFFIC}})`,
      )
      return Number(result[0]?.value[1] ?? 0) > 0 ? result : undefined
    })
    assert.ok(Number(canary[0]?.value[1]) > 0)
    // The canary's alert watches it: quiet while its turns succeed.
    const rule = ALERTS.find((a) => a.uid === 'layercode-canary')
    assert.deepEqual(await promQuery(String(rule?.expr)), [], 'the canary alert is quiet')
  })

  it("the turns' logs carry the call context and trace ids (Loki, or its stand-in)", async () => {
    const logs = await eventually('turn logs', TIMEOUTS.dataMs, async () => {
      const views = await logLines(`{service_name="${SERVICE_NAME}"}`)
      return logProblems(views).length === 0 ? views : undefined
    })
    assert.ok(logs.length > 0)
  })

  it('Grafana: datasources healthy, dashboards provisioned, alert rules loaded', {
    skip: realOnly,
  }, async () => {
    for (const uid of ['prometheus', 'tempo', 'loki']) {
      const health = await grafana<{ status: string }>(`/api/datasources/uid/${uid}/health`)
      assert.equal(health.status, 'OK', uid)
    }
    for (const dashboard of DASHBOARDS) {
      const found = await grafana<{ dashboard: { uid: string; panels: unknown[] } }>(
        `/api/dashboards/uid/${dashboard.uid}`,
      )
      assert.equal(found.dashboard.panels.length, dashboard.panels.length, dashboard.uid)
    }
    for (const alert of ALERTS) {
      const rule = await grafana<{ uid: string; title: string }>(
        `/api/v1/provisioning/alert-rules/${alert.uid}`,
      )
      assert.equal(rule.title, alert.title)
    }
  })

  it('npm run doctor finds every panel, rule, datasource and link working', {
    skip: realOnly,
  }, async () => {
    const doctor = new Doctor({
      grafanaUrl: URLS.grafana,
      user: 'admin',
      password: GRAFANA_PASSWORD,
    })
    const checks = await eventually('a clean doctor run', 180_000, async () => {
      const run = await doctor.run()
      return exitCode(run) === 0 ? run : undefined
    })
    assert.equal(exitCode(checks), 0, formatTable(checks))
  })

  it('npm run drill -- error-rate makes the error-rate alert fire and its e-mail arrive in Mailpit', {
    skip: realOnly,
  }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'packages/cli/src/drill-command.ts',
        'error-rate',
        `--agent-url=${URLS.agent}/api/agent`,
        `--mailpit=${URLS.mailpit}`,
        `--secret=${WEBHOOK_SECRET}`,
        `--timeout=${TIMEOUTS.alertMs / 1000}`,
      ],
      { cwd: ROOT, timeout: TIMEOUTS.alertMs + 60_000 },
    )
    assert.match(
      stdout,
      /✓ layercode-error-rate fired after .*its e-mail is in Mailpit: "\[FIRING:\d+\] Turn error rate/,
    )
    const title = ALERTS.find((a) => a.uid === 'layercode-error-rate')?.title ?? ''
    const alerts = await grafana<
      Array<{ labels: Record<string, string>; status: { state: string } }>
    >('/api/alertmanager/grafana/api/v2/alerts')
    assert.ok(alerts.some((a) => a.labels.alertname === title && a.status.state === 'active'))
  })

  it('restarting Loki mid-traffic loses no log record', async () => {
    const N = 50
    const tag = `restart-${Date.now()}`
    const restarting = environment.getContainer('loki-1').restart()
    for (let i = 0; i < N; i++) {
      assert.equal((await sendLog(tag, i)).status, 200)
      await sleep(100)
    }
    await restarting
    await eventually(`all ${N} records in Loki`, TIMEOUTS.dataMs, async () =>
      (await logLines('{service_name="integration-restart"}', tag)).length === N ? true : undefined,
    )
  })

  it('a stopped Loki and a restarted collector lose no log record (the queue is on a volume)', async () => {
    const N = 20
    const tag = `queued-${Date.now()}`
    await compose('stop', 'loki')
    for (let i = 0; i < N; i++) assert.equal((await sendLog(tag, i)).status, 200)
    // The records wait in the collector's persistent queue: restart it while Loki is down.
    await compose('restart', 'collector')
    await eventually('the collector healthy again', TIMEOUTS.dataMs, async () =>
      (await serviceHealth('collector')) === 'healthy' ? true : undefined,
    )
    assert.equal((await logLines('{service_name="integration-restart"}', tag)).length, 0)
    await compose('start', 'loki')
    await eventually(`all ${N} queued records in Loki`, TIMEOUTS.dataMs, async () =>
      (await logLines('{service_name="integration-restart"}', tag)).length === N ? true : undefined,
    )
  })

  it('a restarted agent loses no finished turn and serves again once healthy', async () => {
    const turnsOf = new Map<string, number>()
    const load = (durationS: number) =>
      runLoad({
        url: `${URLS.agent}/api/agent`,
        secret: WEBHOOK_SECRET,
        concurrency: 4,
        messages: 2,
        durationS,
        rate: 1,
        failRate: 0,
        slowRate: 0,
        thinkTimeMs: 0,
        onConversation: (record) => turnsOf.set(record.conversationId, record.turns.length),
      })
    const before = await load(5)
    assert.equal(before.turns.unexpectedFailures, 0)
    // Docker stops it with SIGTERM: the agent flushes its telemetry before it exits, so every
    // turn it finished is logged (one "turn completed" record each), none left in its buffers.
    await compose('restart', 'agent')
    await eventually('the agent healthy again', TIMEOUTS.dataMs, async () =>
      (await serviceHealth('agent')) === 'healthy' ? true : undefined,
    )
    const expected = Object.fromEntries(turnsOf)
    const logged = async () => {
      const counts: Record<string, number> = Object.fromEntries(
        [...turnsOf.keys()].map((id) => [id, 0]),
      )
      for (const log of await logLines(`{service_name="${SERVICE_NAME}"}`, 'turn completed')) {
        const id = String(log.attributes.conversation_id ?? '')
        if (id in counts) counts[id] = (counts[id] ?? 0) + 1
      }
      return counts
    }
    await eventually('every finished turn logged', TIMEOUTS.dataMs, async () =>
      JSON.stringify(await logged()) === JSON.stringify(expected) ? true : undefined,
    ).catch(async (error) => {
      assert.deepEqual(await logged(), expected, (error as Error).message)
    })
    turnsOf.clear()
    const after = await load(2)
    assert.equal(after.turns.unexpectedFailures, 0)
    assert.ok(after.turns.ok > 0, 'no turn served after the restart')
  })
})
