/**
 * What the compose integration suite does, as data: the services it waits for, the traffic it
 * drives, and every query and expectation it checks. `npm run test:integration -- --dry-run`
 * prints it; compose.test.ts executes it.
 */

import { ALERTS, DASHBOARDS, panelQueries } from '@layercode-kit/grafana-gen'
import { METRICS } from '@layercode-kit/telemetry'
import {
  EXPECTED_LOG_FIELDS,
  EXPECTED_SERIES,
  EXPECTED_SPAN_TREE,
  SERVICE_NAME,
  TRAFFIC,
} from '../lib/expectations.ts'
import { composeWebhookSecret, loadCompose, oneShotServices } from '../stack/support.ts'

export const COMPOSE_FILES = ['docker-compose.yml', 'tests/integration/docker-compose.timing.yml']
/** Added where Tempo's, Loki's and Grafana's images cannot be had (tools/containers.ts). */
export const STANDIN_FILE = 'tests/containers/docker-compose.standins.yml'
export const STANDIN_SERVICES = ['tempo', 'loki', 'grafana']
export const GRAFANA_PASSWORD = 'integration-test-password'
export const URLS = {
  agent: 'http://127.0.0.1:8000',
  grafana: 'http://127.0.0.1:3000',
  collector: 'http://127.0.0.1:4318',
  mailpit: 'http://127.0.0.1:8025',
  /** Published by the stand-in override only (elsewhere Prometheus is read through Grafana). */
  prometheus: 'http://127.0.0.1:9090',
}
/** Bounds of every wait: the suite fails instead of hanging. */
export const TIMEOUTS = { startupMs: 10 * 60_000, dataMs: 3 * 60_000, alertMs: 6 * 60_000 }

const compose = loadCompose()
export const WEBHOOK_SECRET = composeWebhookSecret(compose)
export const SERVICES = Object.keys(compose.services)
export const ONE_SHOTS = oneShotServices(compose)

export const PLAN = {
  compose: COMPOSE_FILES,
  services: SERVICES.map((name) => ({
    name,
    waitFor: ONE_SHOTS.includes(name)
      ? 'completes successfully'
      : `healthcheck: ${(compose.services[name]?.healthcheck?.test ?? []).slice(1).join(' ')}`,
  })),
  traffic: {
    ...TRAFFIC,
    target: `${URLS.agent}/api/agent`,
    plus: 'the loadgen service (0.5 conversations/s)',
  },
  tempo: {
    search: `GET /api/datasources/proxy/uid/tempo/api/search?q={resource.service.name="${SERVICE_NAME}" && name="execute_tool list_menu"}`,
    expect: EXPECTED_SPAN_TREE.map((s) =>
      s.parent ? `${s.name} <- child of ${s.parent}` : s.name,
    ),
  },
  prometheus: {
    series: EXPECTED_SERIES.map((s) => `${s.series} with ${s.labels.join(', ')}`),
    panels: panelQueries()
      .filter((q) => q.datasource === 'prometheus')
      .map((q) => `${q.dashboard} "${q.panel}" returns at least one series`),
  },
  loki: {
    queryRange: `GET /api/datasources/proxy/uid/loki/loki/api/v1/query_range?query={service_name="${SERVICE_NAME}"}`,
    expect: [
      `"turn completed" lines carry ${EXPECTED_LOG_FIELDS.join(', ')}, trace_id and span_id`,
      'a "turn failed" error line with error_code=injected_fault',
    ],
  },
  grafana: {
    datasources: ['prometheus', 'tempo', 'loki'].map(
      (uid) => `GET /api/datasources/uid/${uid}/health is OK`,
    ),
    dashboards: DASHBOARDS.map((d) => `GET /api/dashboards/uid/${d.uid}`),
    alertRules: ALERTS.map((a) => `GET /api/v1/provisioning/alert-rules/${a.uid}`),
    doctor:
      'npm run doctor (packages/cli/src/doctor.ts) exits 0: every panel query as Grafana renders it has data or may be empty, every rule query runs, every datasource is healthy, trace <-> logs links resolve',
    alertDrill:
      'npm run drill -- error-rate (half the messages fail) makes "Turn error rate above 5%" fire and waits for its e-mail in Mailpit (GET /api/v1/search?query=subject:...)',
  },
  restart: [
    'restart loki while 50 tagged log records are sent through the collector; all 50 are in Loki afterwards',
    'stop loki, send 20 tagged records, restart the collector (its queue is a volume), start loki: all 20 arrive',
    'restart the agent after signed conversations: every finished turn is logged, it turns healthy and serves again',
  ],
  standIns: `without Tempo's, Loki's and Grafana's images: ${STANDIN_FILE} (recording stand-ins on their ports; Grafana not started; Prometheus read directly; Grafana-only checks skipped with the reason)`,
  teardown: 'docker compose down --volumes, even when a test fails',
  metricsInContract: METRICS.length,
}

export function printPlan(): string {
  const lines: string[] = []
  const section = (title: string, items: unknown) => {
    lines.push(`\n${title}`)
    for (const item of Array.isArray(items) ? items : [items])
      lines.push(`  - ${typeof item === 'string' ? item : JSON.stringify(item)}`)
  }
  lines.push('Compose integration suite (testcontainers DockerComposeEnvironment), the plan:')
  section('compose files (random project name)', PLAN.compose)
  section(
    'services and what each is waited on',
    PLAN.services.map((s) => `${s.name}: ${s.waitFor}`),
  )
  section('traffic', PLAN.traffic)
  section(`Tempo (${PLAN.tempo.search})`, PLAN.tempo.expect)
  section(
    `Prometheus: every contract series (${PLAN.prometheus.series.length})`,
    PLAN.prometheus.series,
  )
  section(
    `Prometheus: every panel query (${PLAN.prometheus.panels.length})`,
    PLAN.prometheus.panels,
  )
  section(`Loki (${PLAN.loki.queryRange})`, PLAN.loki.expect)
  section('Grafana', [
    ...PLAN.grafana.datasources,
    ...PLAN.grafana.dashboards,
    ...PLAN.grafana.alertRules,
    PLAN.grafana.doctor,
    PLAN.grafana.alertDrill,
  ])
  section('restarts', PLAN.restart)
  section('stand-ins', PLAN.standIns)
  section('teardown', PLAN.teardown)
  return lines.join('\n')
}
