/**
 * The kit as users start it (`docker compose up`), checked through the public APIs of Grafana
 * (and its datasource proxy to Prometheus, Tempo and Loki), the agent, the collector and
 * Mailpit, with the expectations the native end-to-end suite uses. Needs a container runtime:
 * without one it skips with the reason (REQUIRE_DOCKER=1 makes that a failure).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  ALERTS,
  concrete,
  DASHBOARDS,
  Doctor,
  exitCode,
  formatTable,
  panelQueries,
} from '@layercode-kit/grafana-gen'
import { runLoad } from '@layercode-kit/loadgen'
import { attributesOf, settle } from '@layercode-kit/test-support'
import {
  DockerComposeEnvironment,
  getContainerRuntimeClient,
  type StartedDockerComposeEnvironment,
  Wait,
} from 'testcontainers'
import {
  EXPECTED_SERIES,
  type LogView,
  logProblems,
  SERVICE_NAME,
  type SpanView,
  spanTreeProblems,
  TRAFFIC,
} from '../e2e/expectations.ts'
import { ROOT } from '../stack/support.ts'
import {
  COMPOSE_FILES,
  GRAFANA_PASSWORD,
  ONE_SHOTS,
  SERVICES,
  TIMEOUTS,
  URLS,
  WEBHOOK_SECRET,
} from './plan.ts'

async function runtimeMissing(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient()
    return undefined
  } catch (error) {
    return `no container runtime is reachable (${(error as Error).message.split('\n')[0]})`
  }
}

const missing = await runtimeMissing()
if (missing && process.env.REQUIRE_DOCKER === '1')
  throw new Error(`integration: ${missing}, and REQUIRE_DOCKER=1`)
if (missing) console.log(`# SKIP compose integration suite: ${missing}`)

const auth = `Basic ${Buffer.from(`admin:${GRAFANA_PASSWORD}`).toString('base64')}`
async function grafana<T>(path: string): Promise<T> {
  const res = await fetch(`${URLS.grafana}${path}`, { headers: { authorization: auth } })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}
async function eventually<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const { done, value, error } = await settle(probe, (v) => v !== undefined, ms, 3000)
  if (done) return value as T
  throw new Error(`timed out waiting for ${what}${error ? `: ${(error as Error).message}` : ''}`)
}
const promQuery = (q: string) =>
  grafana<{ data: { result: Array<{ metric: Record<string, string> }> } }>(
    `/api/datasources/proxy/uid/prometheus/api/v1/query?query=${encodeURIComponent(q)}`,
  ).then((r) => r.data.result)

const b64hex = (id: string) =>
  /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex')

describe('docker compose up: the whole kit', { skip: missing }, () => {
  let environment: StartedDockerComposeEnvironment

  before(async () => {
    let compose = new DockerComposeEnvironment(ROOT, COMPOSE_FILES)
      .withProjectName(`kit-it-${randomUUID().slice(0, 8)}`)
      .withBuild()
      .withEnvironment({ GRAFANA_ADMIN_PASSWORD: GRAFANA_PASSWORD })
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
  })

  after(async () => {
    await environment?.down({ removeVolumes: true, timeout: 30_000 })
  })

  it('starts every service healthy (one-shots completed)', () => {
    for (const name of SERVICES.filter((s) => !ONE_SHOTS.includes(s)))
      assert.ok(environment.getContainer(`${name}-1`), name)
  })

  it('Tempo holds the contract span tree', async () => {
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

  it('Prometheus has every contract series and data for every panel', async () => {
    for (const { series } of EXPECTED_SERIES) {
      await eventually(series, TIMEOUTS.dataMs, async () =>
        (await promQuery(`${series}{service_name="${SERVICE_NAME}"}`)).length > 0
          ? true
          : undefined,
      )
    }
    for (const q of panelQueries().filter((p) => p.datasource === 'prometheus')) {
      await eventually(`${q.dashboard} "${q.panel}"`, TIMEOUTS.dataMs, async () =>
        (await promQuery(concrete(q))).length > 0 ? true : undefined,
      )
    }
  })

  it('Loki holds the call context and trace ids of every turn', async () => {
    const logs = await eventually('turn logs in Loki', TIMEOUTS.dataMs, async () => {
      const start = String((Date.now() - 15 * 60_000) * 1e6)
      const result = await grafana<{
        data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> }
      }>(
        `/api/datasources/proxy/uid/loki/loki/api/v1/query_range?limit=1000&start=${start}&query=${encodeURIComponent(`{service_name="${SERVICE_NAME}"}`)}`,
      )
      const views: LogView[] = result.data.result.flatMap((stream) =>
        stream.values.map(([, line]) => ({
          body: line,
          traceId: stream.stream.trace_id ?? '',
          spanId: stream.stream.span_id ?? '',
          attributes: stream.stream,
          resource: { 'service.name': stream.stream.service_name },
        })),
      )
      return logProblems(views).length === 0 ? views : undefined
    })
    assert.ok(logs.length > 0)
  })

  it('Grafana: datasources healthy, dashboards provisioned, alert rules loaded', async () => {
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

  it('npm run doctor finds every panel, rule, datasource and link working', async () => {
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

  it('an error burst fires the error-rate alert and an e-mail arrives in Mailpit', async () => {
    await runLoad({
      url: `${URLS.agent}/api/agent`,
      secret: WEBHOOK_SECRET,
      concurrency: 8,
      messages: 3,
      durationS: 60,
      rate: 2,
      failRate: 0.5,
      slowRate: 0,
      thinkTimeMs: 0,
    })
    const title = ALERTS.find((a) => a.uid === 'layercode-error-rate')?.title ?? ''
    await eventually('the error-rate alert to fire', TIMEOUTS.alertMs, async () => {
      const alerts = await grafana<
        Array<{ labels: Record<string, string>; status: { state: string } }>
      >('/api/alertmanager/grafana/api/v2/alerts')
      return alerts.some((a) => a.labels.alertname === title && a.status.state === 'active')
        ? true
        : undefined
    })
    const mail = await eventually('the alert e-mail', TIMEOUTS.alertMs, async () => {
      const res = await fetch(
        `${URLS.mailpit}/api/v1/search?query=${encodeURIComponent(`subject:"${title}"`)}`,
      )
      const body = (await res.json()) as { messages: Array<{ Subject: string }> }
      return body.messages[0]
    })
    assert.match(mail.Subject, /Turn error rate/)
  })

  it('restarting Loki mid-traffic loses no log record', async () => {
    const N = 50
    const tag = `restart-${Date.now()}`
    const restarting = environment.getContainer('loki-1').restart()
    for (let i = 0; i < N; i++) {
      const now = String(Date.now() * 1e6)
      const res = await fetch(`${URLS.collector}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [
            {
              resource: {
                attributes: [
                  { key: 'service.name', value: { stringValue: 'integration-restart' } },
                ],
              },
              scopeLogs: [
                { logRecords: [{ timeUnixNano: now, body: { stringValue: `${tag} ${i}` } }] },
              ],
            },
          ],
        }),
      })
      assert.equal(res.status, 200)
      await sleep(100)
    }
    await restarting
    await eventually(`all ${N} records in Loki`, TIMEOUTS.dataMs, async () => {
      const result = await grafana<{ data: { result: Array<{ values: unknown[] }> } }>(
        `/api/datasources/proxy/uid/loki/loki/api/v1/query_range?limit=1000&start=${String((Date.now() - 15 * 60_000) * 1e6)}&query=${encodeURIComponent(`{service_name="integration-restart"} |= "${tag}"`)}`,
      )
      return result.data.result.reduce((n, s) => n + s.values.length, 0) === N ? true : undefined
    })
  })
})
