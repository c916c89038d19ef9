/**
 * Grafana-managed alert rules, contact points and the notification policy, in Grafana's
 * file-provisioning format. Each condition is one PromQL query with its threshold inside
 * (series only while breached) and a threshold step on it, so the same query can be
 * evaluated on Prometheus in tests.
 */
import { Scalar, stringify as toYaml } from 'yaml'

// No anchors for repeated objects; prose folded at 100 columns, expressions as literal blocks
// (one PromQL line each, see promql.ts): files people read and diff.
const stringify = (value: unknown) =>
  toYaml(value, {
    aliasDuplicateObjects: false,
    lineWidth: 100,
    minContentWidth: 40,
    blockQuote: 'literal',
  })

import {
  ContactPointBuilder,
  NotificationPolicyBuilder,
  QueryBuilder,
  RuleBuilder,
} from '@grafana/grafana-foundation-sdk/alerting'
import { TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr'
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus'
import { ALERT_PROMQL } from './conditions.ts'
import { CONFIG } from './config.ts'
import { DATASOURCES, panelRef } from './dashboards.ts'
import { CANARY, CONFIG_REJECTIONS, THRESHOLD } from './queries.ts'
import { GENERATED_HEADER, ruleFile } from './rule-files.ts'
import {
  BURN_ALERTS,
  type BurnAlertKind,
  burnAlertUid,
  errorBudget,
  SLO_TARGETS,
  SLOS,
  type Slo,
} from './slos.ts'

export const FOLDER = 'LayerCode'

/** The generated dashboard with one runbook panel per alert, in ALERTS order (runbooks.ts). */
export const RUNBOOKS_DASHBOARD_UID = 'layercode-runbooks'
/**
 * Grafana's `runbook_url` annotation, relative to Grafana's root: Grafana does not expand
 * environment variables in rule annotations (grafana/grafana#54975), so GF_SERVER_ROOT_URL
 * cannot make it absolute. The alert's page links it; notifications show it as text.
 */
export const runbookUrl = (uid: string) =>
  `/d/${RUNBOOKS_DASHBOARD_UID}?viewPanel=panel-${ALERTS.findIndex((a) => a.uid === uid) + 1}`

/** A reference Grafana expands from its environment when it reads a provisioning file. */
export const grafanaEnv = (name: string) => ['$', '{', name, '}'].join('')
/** Warnings go to the first, critical alerts to the second (which also reaches the pager). */
export const CONTACT_POINTS = {
  warning: 'layercode-kit',
  critical: 'layercode-kit-critical',
} as const

export type AlertSpec = {
  uid: string
  title: string
  severity: 'critical' | 'warning'
  expr: string
  for: string
  keepFiringFor: string
  summary: string
  description: string
  /** The panel that shows the condition. */
  panel: string
  /** NoData means "fine" for a threshold-inside query; absent_over_time answers 1 or nothing. */
  noDataState: 'OK' | 'Alerting'
}

/** The factor and windows of a burn alert, for people: `14.4× over 1h and 5m`. */
const windowsText = (kind: BurnAlertKind) =>
  BURN_ALERTS[kind].map((w) => `${w.factor}× over ${w.long} and ${w.short}`).join(', or ')
/** Days until the budget is gone at a burn rate. */
const daysAt = (factor: number) => Number((SLO_TARGETS.windowDays / factor).toPrecision(2))

/** Per objective, a page for a fast burn and a ticket for a slow one (slos.ts). */
function burnAlert(slo: Slo, kind: BurnAlertKind): AlertSpec {
  const page = kind === 'page'
  return {
    uid: burnAlertUid(slo, kind),
    title: `${slo.title}: error budget burning ${page ? 'fast' : 'slowly'}`,
    severity: page ? 'critical' : 'warning',
    expr: ALERT_PROMQL.burn[`${slo.id}-${kind}`] ?? '',
    for: '0s',
    keepFiringFor: page ? '5m' : '30m',
    summary: `The ${SLO_TARGETS.windowDays}-day error budget of "${slo.title}" burns {{ humanize $values.A.Value }}× as fast as it lasts (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; ${page ? 'page' : 'ticket'} at ${windowsText(kind)}).`,
    description: `${slo.description} The error budget is ${Number((errorBudget(slo) * 100).toPrecision(6))}% of events. ${
      page
        ? `Burning ${windowsText(kind)} spends it in ${BURN_ALERTS.page.map((w) => `${daysAt(w.factor)} days`).join(' or ')}: callers are affected now.`
        : `Burning ${windowsText(kind)} spends it before the window ends (in ${BURN_ALERTS.ticket.map((w) => `${daysAt(w.factor)} days`).join(' or ')}); not raised while the page fires.`
    } Both windows must burn (the short one makes it stop soon after the burning stops), over at least ${SLO_TARGETS.minEvents} events.`,
    panel: `${slo.title}: burn rate`,
    noDataState: 'OK',
  }
}

export const ALERTS: AlertSpec[] = [
  {
    uid: 'layercode-error-rate',
    title: `Turn error rate above ${THRESHOLD.errorRate * 100}%`,
    severity: 'critical',
    expr: ALERT_PROMQL.errorRate,
    for: CONFIG.alerts.error_rate.for ?? '2m',
    keepFiringFor: '5m',
    summary: `{{ humanizePercentage $values.A.Value }} of turns fail (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above ${THRESHOLD.errorRate * 100}%).`,
    description: `Over the last 5 minutes more than ${THRESHOLD.errorRate * 100}% of session.start and message turns of one service in one environment ended in an agent error, over at least ${THRESHOLD.errorRateMinTurns} turns: callers hear the fallback apology instead of an answer.`,
    panel: 'Error rate',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-webhooks-rejected',
    title: 'Most webhooks rejected: wrong webhook secret or clock',
    severity: 'critical',
    expr: ALERT_PROMQL.webhooksRejected,
    for: CONFIG.alerts.webhooks_rejected.for ?? '2m',
    keepFiringFor: '5m',
    summary: `{{ humanizePercentage $values.A.Value }} of webhooks are refused for their signature (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above ${THRESHOLD.rejectedWebhooksShare * 100}%).`,
    description: `Over the last 5 minutes more than ${THRESHOLD.rejectedWebhooksShare * 100}% of one service's webhooks in one environment were refused with 401 because their signature did not match (${CONFIG_REJECTIONS.join(' or ')}), at least ${THRESHOLD.rejectedWebhooksMin} of them: no turn runs, so callers get silence while the error-rate, latency and first-speech alerts see nothing and the agent still reports. Missing or malformed signatures (scanners, misrouted clients) show on the panel but are not in this alert.`,
    panel: 'Rejected webhooks per minute',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-latency-p95',
    title: `Turn latency p95 above ${THRESHOLD.latencyP95Seconds} s`,
    severity: 'warning',
    expr: ALERT_PROMQL.latencyP95,
    for: CONFIG.alerts.latency_p95.for ?? '5m',
    keepFiringFor: '5m',
    summary: `p95 turn duration is {{ humanizeDuration $values.A.Value }} (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above ${THRESHOLD.latencyP95Seconds} s).`,
    description: `The slowest 5% of turns take longer than ${THRESHOLD.latencyP95Seconds} s from webhook to response.end.`,
    panel: 'Turn duration p95 by agent',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-token-usage',
    title: `Token usage above ${THRESHOLD.tokensPerHour / 1_000_000}M per hour`,
    severity: 'warning',
    expr: ALERT_PROMQL.tokensPerHour,
    for: CONFIG.alerts.tokens_per_hour.for ?? '0s',
    keepFiringFor: '15m',
    summary: `{{ humanize $values.A.Value }} tokens used in the last hour (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above ${THRESHOLD.tokensPerHour.toLocaleString('en-US')}).`,
    description: `Input plus output tokens over the last hour exceed ${THRESHOLD.tokensPerHour.toLocaleString('en-US')}: cost is running above plan.`,
    panel: 'Tokens in the last hour',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-spend',
    title: `Spend above $${THRESHOLD.spendPerHourUsd} per hour`,
    severity: 'warning',
    expr: ALERT_PROMQL.spendPerHour,
    for: CONFIG.alerts.spend_per_hour.for ?? '0s',
    keepFiringFor: '15m',
    summary: `{{ humanize $values.A.Value }} USD spent in the last hour (service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above $${THRESHOLD.spendPerHourUsd}).`,
    description: `Model tokens and LayerCode's speech minutes, at the price table's prices, cost more than $${THRESHOLD.spendPerHourUsd} over the last hour for one service in one environment: spend is running above budget. Set the budget in layercode-kit.yaml (alerts.spend_per_hour, per environment under environments) and your prices in the table its prices key names.`,
    panel: 'Spend in the last hour',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-first-speech',
    title: `Time to first speech p95 above ${THRESHOLD.firstSpeechP95Seconds} s`,
    severity: 'warning',
    expr: ALERT_PROMQL.firstSpeechP95,
    for: CONFIG.alerts.first_speech_p95.for ?? '5m',
    keepFiringFor: '5m',
    summary: `p95 time to first speech is {{ humanizeDuration $values.A.Value }} (agent {{ index $labels "gen_ai_agent_name" }} of {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}; alert above ${THRESHOLD.firstSpeechP95Seconds} s).`,
    description: `The p95 of the time from the webhook's arrival to the agent's first response.tts chunk, over turns that did not fail, is above ${THRESHOLD.firstSpeechP95Seconds} s: the agent's part of the caller's wait (transcription and speech synthesis come on top).`,
    panel: 'Time to first speech by agent',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-new-error',
    title: 'A new kind of error',
    severity: 'warning',
    expr: ALERT_PROMQL.newError,
    for: CONFIG.alerts.new_error.for ?? '0s',
    keepFiringFor: '15m',
    summary: `New error in {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }}: {{ index $labels "error_type" }}: {{ index $labels "layercode_error_message" }} ({{ humanize $values.A.Value }} in 5 minutes; fingerprint {{ index $labels "layercode_error_fingerprint" }}).`,
    description: `A kind of error (its fingerprint: the type, the message without ids and numbers, the top of its stack; docs/telemetry.md) that this service and environment had not seen in the last ${CONFIG.alerts.new_error.lookback} occurred at least ${CONFIG.alerts.new_error.min_occurrences} times in 5 minutes: after a deploy, most often a bug it brought. One alert per kind, not per occurrence; synthetic traffic is left out.`,
    panel: 'Errors inbox',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-error-regression',
    title: 'An error is back',
    severity: 'warning',
    expr: ALERT_PROMQL.errorRegression,
    for: CONFIG.alerts.error_regression.for ?? '0s',
    keepFiringFor: '15m',
    summary: `Error back in {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }} after ${CONFIG.alerts.error_regression.absent_for} without it: {{ index $labels "error_type" }}: {{ index $labels "layercode_error_message" }} ({{ humanize $values.A.Value }} in 5 minutes; fingerprint {{ index $labels "layercode_error_fingerprint" }}).`,
    description: `A kind of error this service and environment had seen before, but not in the ${CONFIG.alerts.error_regression.absent_for} before, occurred at least ${CONFIG.alerts.error_regression.min_occurrences} times in 5 minutes: a fix undone, or a release that brought it back (the Errors dashboard's "Errors by release" says which version). One alert per kind; synthetic traffic is left out.`,
    panel: 'Errors inbox',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-agent-down',
    title: 'Agent sends no telemetry',
    severity: 'critical',
    expr: ALERT_PROMQL.agentDown,
    for: '1m',
    keepFiringFor: '2m',
    summary:
      'An agent has reported no metrics for a minute: it is down or cannot reach the collector.',
    description:
      "Every OpenTelemetry SDK pushes its target_info (service, instance, environment) with each metrics export, whatever the language: the kit's agent, your Node apps, a Python app through Logfire. A service that reported in the last day has sent none for a minute in one environment (the alert names its service_name and deployment_environment_name; one retired on purpose fires until a day has passed: silence it), or no app has reported at all. It is per service and environment: one dead replica among several that still report does not fire (see the per-instance panels of the System dashboard).",
    panel: 'Active sessions',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-canary',
    title: 'Canary turns failing or not arriving',
    severity: 'critical',
    expr: ALERT_PROMQL.canary,
    for: CONFIG.alerts.canary.for ?? '1m',
    keepFiringFor: '5m',
    summary: `The canary (synthetic conversations) of service {{ index $labels "service_name" }}, {{ index $labels "deployment_environment_name" }} has no successful turn in the last ${CANARY.window}, or ${CANARY.failedTurns} or more failed ({{ humanize $values.A.Value }}).`,
    description: `The canary sends ${CANARY.conversationsPerMinute} known conversation a minute through the agent, tagged synthetic; its telemetry has to cross the whole path (agent, collector, Prometheus) to count. For a service where it ran in the last day: no successful canary turn in ${CANARY.window} means the canary, the agent or the pipeline stopped, even when no caller would notice; failing canary turns mean the agent cannot answer a known conversation. Real callers' turns are not in this alert (nor canary turns in theirs). Turning the canary off fires it until a day has passed: silence it.`,
    panel: 'Canary turns that succeeded',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-component-down',
    title: 'Collector, Tempo or Loki down',
    severity: 'warning',
    expr: ALERT_PROMQL.componentDown,
    for: '2m',
    keepFiringFor: '2m',
    summary:
      'Prometheus cannot scrape {{ index $labels "job" }} ({{ index $labels "instance" }}): it is down or unreachable.',
    description:
      'A pipeline component has not answered its metrics scrape for two minutes. Tempo or Loki down: the collector keeps their data in its persistent queue and sends it when they are back, so nothing is lost until the queue fills (Collector failing to export fires too). Collector down: no new telemetry at all (Agent sends no telemetry, critical, fires too). A warning, not a page: callers are not affected.',
    panel: 'Ingested by backend',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-collector-refusing',
    title: 'Collector refusing data',
    severity: 'critical',
    expr: ALERT_PROMQL.collectorRefusing,
    for: '2m',
    keepFiringFor: '5m',
    summary:
      'Receiver {{ index $labels "receiver" }} of {{ index $labels "service_name" }} refuses or fails incoming telemetry ({{ humanize $values.A.Value }} items/s).',
    description:
      'Receivers refuse data when memory_limiter hits its limit, or fail it on bad requests: senders retry, then drop.',
    panel: 'Refused or failed at the receiver',
    noDataState: 'OK',
  },
  {
    uid: 'layercode-collector-export',
    title: 'Collector failing to export',
    severity: 'warning',
    expr: ALERT_PROMQL.collectorExportFailing,
    for: '2m',
    keepFiringFor: '5m',
    summary:
      'Exporter {{ index $labels "exporter" }} of {{ index $labels "service_name" }} is not delivering: the collector queues its data on disk or drops it.',
    description:
      'An exporter dropped data (send or enqueue failed), its persistent queue has held data for a minute with nothing sent, or the queue is over half full: Tempo, Loki or Prometheus is down or too slow.',
    panel: 'Exporter queue fill',
    noDataState: 'OK',
  },
  ...SLOS.flatMap((slo) => [burnAlert(slo, 'page'), burnAlert(slo, 'ticket')]),
]

/**
 * One rule, built with the Foundation SDK's alerting builders (typed states, durations and
 * queries), then written in Grafana's file-provisioning shape: it names `keep_firing_for`
 * `keepFiringFor` and links the panel with `dashboardUid`/`panelId`.
 */
function rule(alert: AlertSpec) {
  const { dashboardUid, panelId } = panelRef(alert.panel)
  const condition = new TypeThresholdBuilder()
    .refId('B')
    .expression('A')
    .conditions([{ evaluator: { type: 'gt', params: [0] } }])
    .datasource({ type: '__expr__', uid: '__expr__' })
  const built = new RuleBuilder(alert.title)
    .uid(alert.uid)
    .condition('B')
    .withQuery(
      new QueryBuilder('A')
        .relativeTimeRange({ from: 600, to: 0 })
        .datasourceUid(DATASOURCES.prometheus.uid)
        .model(
          new PromQuery().refId('A').expr(alert.expr).instant().datasource(DATASOURCES.prometheus),
        ),
    )
    .withQuery(new QueryBuilder('B').datasourceUid('__expr__').model(condition))
    .noDataState(alert.noDataState)
    .execErrState('Error')
    .forDuration(alert.for)
    .keepFiringFor(alert.keepFiringFor)
    .annotations({
      summary: alert.summary,
      description: alert.description,
      runbook_url: runbookUrl(alert.uid),
    })
    .labels({ severity: alert.severity })
    .isPaused(false)
    .build()
  return {
    uid: built.uid,
    title: built.title,
    condition: built.condition,
    // The query models carry cog's marker methods; JSON keeps the data only.
    data: JSON.parse(JSON.stringify(built.data)) as typeof built.data,
    dashboardUid,
    panelId,
    noDataState: built.noDataState,
    execErrState: built.execErrState,
    for: built.for,
    keepFiringFor: built.keep_firing_for,
    annotations: built.annotations,
    labels: built.labels,
    isPaused: built.isPaused,
  }
}

const header =
  '# Generated by packages/grafana-gen from layercode-kit.yaml (npm run rules). Do not edit:\n# a test fails when it is stale.\n'

export function rulesYaml(): string {
  return (
    header +
    stringify({
      apiVersion: 1,
      groups: [
        { orgId: 1, name: 'layercode', folder: FOLDER, interval: '30s', rules: ALERTS.map(rule) },
      ],
    })
  )
}

/**
 * A matcher operator, always quoted: Go's YAML (Grafana's) reads a bare `=` as a string, but
 * YAML 1.1 tools (PyYAML, Ansible) read it as the special "value" tag and fail.
 */
function operator(op: '=' | '!=' | '=~' | '!~'): Scalar {
  const node = new Scalar(op)
  node.type = Scalar.QUOTE_DOUBLE
  return node
}

export function policiesYaml(): string {
  const route = (severity: 'critical' | 'warning', groupWait: string, repeat: string) =>
    new NotificationPolicyBuilder()
      .receiver(CONTACT_POINTS[severity])
      .objectMatchers([['severity', '=', severity]])
      .groupWait(groupWait)
      .repeatInterval(repeat)
  const policy = new NotificationPolicyBuilder()
    .receiver(CONTACT_POINTS.warning)
    .groupBy(['grafana_folder', 'alertname'])
    .groupWait('30s')
    .groupInterval('5m')
    .repeatInterval('4h')
    .routes(
      (['critical', 'warning'] as const).map((severity) => {
        const { group_wait, repeat_interval } = CONFIG.notifications[severity]
        return route(severity, group_wait, repeat_interval)
      }),
    )
    .build()
  const routes = (policy.routes ?? []).map((r) => ({
    ...r,
    object_matchers: r.object_matchers?.map(([label, op, value]) => [
      label,
      operator(op as '='),
      value,
    ]),
  }))
  return header + stringify({ apiVersion: 1, policies: [{ orgId: 1, ...policy, routes }] })
}

/**
 * Optional channels, each present when its URL is set (Grafana rejects an empty URL), for the
 * severities layercode-kit.yaml routes to it (`notifications`; by default a pager hears only
 * what must wake someone).
 */
const CHANNEL_ENV = {
  slack: 'SLACK_WEBHOOK_URL',
  webhook: 'ALERT_WEBHOOK_URL',
  pager: 'ALERT_PAGER_WEBHOOK_URL',
} as const
export const CHANNELS = (['slack', 'webhook', 'pager'] as const).map((name) => ({
  name,
  env: CHANNEL_ENV[name],
  severities: (['critical', 'warning'] as const).filter((severity) =>
    (CONFIG.notifications[severity].channels as readonly string[]).includes(name),
  ),
}))
export type Channel = (typeof CHANNELS)[number]['name']

/** The contact-point file for a set of configured channels: `email+slack+pager.yaml`. */
export function contactPointsFile(channels: readonly Channel[]): string {
  return `contact-points/${['email', ...CHANNELS.map((c) => c.name).filter((n) => channels.includes(n))].join('+')}.yaml`
}

/**
 * The contact points, one whole file per combination of configured channels (the compose
 * init service picks the one that matches the environment): per severity, e-mail always,
 * Slack and the generic webhook when set, and the pager for critical alerts only.
 */
export function contactPointFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  // Every subset of the optional channels, in CHANNELS order.
  const combinations: Channel[][] = [[]]
  for (const channel of CHANNELS)
    for (const set of [...combinations]) combinations.push([...set, channel.name])
  for (const channels of combinations) {
    const contactPoints = (['critical', 'warning'] as const).map((severity) => ({
      orgId: 1,
      name: CONTACT_POINTS[severity],
      receivers: [
        new ContactPointBuilder()
          .uid(`${CONTACT_POINTS[severity]}-email`)
          .type('email')
          .settings({ addresses: grafanaEnv('ALERT_EMAIL_TO'), singleEmail: true })
          .disableResolveMessage(false),
        ...CHANNELS.filter(
          (c) =>
            channels.includes(c.name) && (c.severities as readonly string[]).includes(severity),
        ).map((c) =>
          new ContactPointBuilder()
            .uid(`${CONTACT_POINTS[severity]}-${c.name}`)
            .type(c.name === 'slack' ? 'slack' : 'webhook')
            .settings(
              c.name === 'slack'
                ? { url: grafanaEnv(c.env) }
                : { url: grafanaEnv(c.env), httpMethod: 'POST' },
            )
            .disableResolveMessage(false),
        ),
      ].map((receiver) => {
        // A receiver of the file format: the API model the builder makes, without its name
        // (the contact point's, above).
        const { uid, type, settings, disableResolveMessage } = receiver.build()
        return { uid, type, settings, disableResolveMessage }
      }),
    }))
    files[contactPointsFile(channels)] = header + stringify({ apiVersion: 1, contactPoints })
  }
  return files
}

// ---------------------------------------------------------------- Prometheus alerting rules

/** The alert's name in Prometheus: `layercode-error-rate` -> `LayercodeErrorRate`. */
export const prometheusAlertName = (uid: string) =>
  uid
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')

/**
 * Grafana's template values in Prometheus' terms: an alert's value is `$value` there; `index
 * $labels "x"` reads the same in both.
 */
const prometheusTemplate = (text: string) => text.replaceAll('$values.A.Value', '$value')

/** Where the runbooks are read from Prometheus' alerts: layercode-kit.yaml's runbooks_url. */
export const prometheusRunbookUrl = (uid: string) =>
  CONFIG.runbooks_url ? `${CONFIG.runbooks_url.replace(/\/$/, '')}/${uid}.md` : runbookUrl(uid)

/**
 * The same alerts as Prometheus alerting rules, for Prometheus or Mimir rulers with
 * Alertmanager (prometheus/alerts/): the same expressions, `for`, `keep_firing_for`, severity
 * and annotations. They need the recording rules of prometheus/rules/ loaded beside them.
 */
export function prometheusAlertsYaml(): string {
  return ruleFile(
    `${GENERATED_HEADER}\nFor Prometheus or Mimir rulers with Alertmanager; compose alerts through Grafana instead\n(grafana/alerting/rules.yaml, the same rules). Load prometheus/rules/ beside this file.`,
    [
      {
        name: 'layercode-alerts',
        purpose:
          "The kit's alerts, each per service and environment (the pipeline's per component): page on critical, ticket on warning.",
        interval: '30s',
        rules: ALERTS.map((alert) => ({
          alert: prometheusAlertName(alert.uid),
          expr: alert.expr,
          ...(alert.for === '0s' ? {} : { for: alert.for }),
          keep_firing_for: alert.keepFiringFor,
          labels: { severity: alert.severity },
          annotations: {
            summary: prometheusTemplate(alert.summary),
            description: alert.description,
            runbook_url: prometheusRunbookUrl(alert.uid),
          },
        })),
      },
    ],
  )
}
