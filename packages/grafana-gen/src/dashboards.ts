/** The kit's dashboards, built with the Grafana Foundation SDK from the queries in queries.ts. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
} from '@grafana/grafana-foundation-sdk/common'
import {
  DashboardBuilder,
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs'
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki'
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table'
import {
  SearchTableType,
  DataqueryBuilder as TempoQuery,
} from '@grafana/grafana-foundation-sdk/tempo'
import { TextMode, PanelBuilder as TextPanel } from '@grafana/grafana-foundation-sdk/text'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { LOGQL, l, m, Q, SELF_METRICS, THRESHOLD, TRACEQL } from './queries.ts'

export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  tempo: { type: 'tempo', uid: 'tempo' },
} as const
type DatasourceName = keyof typeof DATASOURCES

type Query = { expr: string; legend?: string; instant?: boolean; exemplar?: boolean }
export type PanelSpec = {
  title: string
  /** The question the panel answers (also shown in Grafana). */
  description: string
  kind: 'timeseries' | 'stat' | 'table' | 'logs' | 'text'
  datasource: DatasourceName
  queries: Query[]
  unit?: string
  /** A threshold line or colour step, e.g. the alert's. */
  threshold?: number
  width?: number
  height?: number
  /** Markdown of a text panel. */
  content?: string
  /** Data only the compose stack has (Tempo-derived metrics); the native run cannot check it. */
  needs?: 'tempo'
}

function query(datasource: DatasourceName, q: Query, refId: string): cog.Builder<cog.Dataquery> {
  if (datasource === 'prometheus') {
    const builder = new PromQuery().expr(q.expr).refId(refId).datasource(DATASOURCES.prometheus)
    if (q.legend) builder.legendFormat(q.legend)
    if (q.instant) builder.instant()
    if (q.exemplar) builder.exemplar(true)
    return builder
  }
  if (datasource === 'loki') {
    const builder = new LokiQuery().expr(q.expr).refId(refId).datasource(DATASOURCES.loki)
    if (q.legend) builder.legendFormat(q.legend)
    if (q.instant) builder.instant(true)
    return builder
  }
  return new TempoQuery()
    .query(q.expr)
    .queryType('traceql')
    .tableType(SearchTableType.Traces)
    .limit(20)
    .refId(refId)
    .datasource(DATASOURCES.tempo)
}

function panel(spec: PanelSpec) {
  if (spec.kind === 'text') {
    return new TextPanel()
      .title(spec.title)
      .description(spec.description)
      .mode(TextMode.Markdown)
      .content(spec.content ?? '')
      .height(spec.height ?? 8)
      .span(spec.width ?? 24)
  }
  const builder =
    spec.kind === 'timeseries'
      ? new TimeseriesPanel().lineWidth(1).fillOpacity(10)
      : spec.kind === 'stat'
        ? new StatPanel()
        : spec.kind === 'table'
          ? new TablePanel()
          : new LogsPanel().showTime(true).wrapLogMessage(true).enableLogDetails(true)
  builder.title(spec.title).description(spec.description).datasource(DATASOURCES[spec.datasource])
  builder.height(spec.height ?? 8).span(spec.width ?? 12)
  if (spec.unit) builder.unit(spec.unit)
  if (spec.threshold !== undefined) {
    builder.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: spec.threshold, color: 'red' },
      ]),
    )
    if (spec.kind === 'timeseries') {
      ;(builder as TimeseriesPanel).thresholdsStyle(
        new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Line),
      )
    }
  }
  for (const [i, q] of spec.queries.entries())
    builder.withTarget(query(spec.datasource, q, String.fromCharCode(65 + i)))
  return builder
}

const explore = (
  title: string,
  datasource: DatasourceName,
  expr: string,
): cog.Builder<DashboardLink> => {
  const queryField = datasource === 'tempo' ? { queryType: 'traceql', query: expr } : { expr }
  const panes = {
    a: {
      datasource: datasource,
      queries: [{ refId: 'A', datasource: DATASOURCES[datasource], ...queryField }],
      range: { from: 'now-1h', to: 'now' },
    },
  }
  return new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(`/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`)
    .icon('external link')
    .targetBlank(true)
}

const turns = m('layercode.turns')
// "All" is `.+`, not `.*`: Loki refuses a stream selector whose every matcher accepts the
// empty string, so `.*` broke every log panel on open.
const ALL = '.+'
const variable = (name: string, label: string, definition: string) =>
  new QueryVariableBuilder(name)
    .label(label)
    .query(definition)
    .datasource(DATASOURCES.prometheus)
    .includeAll(true)
    .allValue(ALL)
    .multi(true)
    .refresh(2 as never)
const standardVariables = [
  variable(
    'environment',
    'Environment',
    `label_values(${turns}, ${l('deployment.environment.name')})`,
  ),
  variable(
    'service',
    'Service',
    `label_values(${turns}{${l('deployment.environment.name')}=~"$environment"}, ${l('service.name')})`,
  ),
  variable(
    'agent',
    'Agent',
    `label_values(${turns}{${l('service.name')}=~"$service"}, ${l(Attr.AgentName)})`,
  ),
]

export type DashboardSpec = {
  uid: string
  title: string
  description: string
  panels: PanelSpec[]
  variables?: Array<cog.Builder<unknown>>
  links?: Array<cog.Builder<DashboardLink>>
}

const ts = (
  title: string,
  description: string,
  unit: string,
  queries: Query[],
  extra: Partial<PanelSpec> = {},
): PanelSpec => ({
  title,
  description,
  kind: 'timeseries',
  datasource: 'prometheus',
  unit,
  queries,
  ...extra,
})

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'layercode-agent-overview',
    title: 'LayerCode agent overview',
    description:
      'Requests, latency, errors, turns, tools, tokens and sessions of your voice agents.',
    variables: standardVariables,
    links: [
      explore('Traces in Explore', 'tempo', `{resource.service.name="${DEFAULT_SERVICE_NAME}"}`),
      explore('Logs in Explore', 'loki', `{service_name="${DEFAULT_SERVICE_NAME}"}`),
    ],
    panels: [
      {
        title: 'Turn success rate',
        description:
          'What share of turns ended without an agent error over the time range? A turn the caller abandoned (hung up, barged in) is not a failure: Turns by outcome shows those.',
        kind: 'stat',
        datasource: 'prometheus',
        unit: 'percentunit',
        width: 6,
        height: 5,
        queries: [{ expr: Q.successRate, instant: true }],
      },
      {
        title: 'Active sessions',
        description: 'How many calls are in progress right now?',
        kind: 'stat',
        datasource: 'prometheus',
        unit: 'short',
        width: 6,
        height: 5,
        queries: [{ expr: Q.activeSessions, legend: '{{gen_ai_agent_name}}', instant: true }],
      },
      {
        title: 'Tokens in the last hour',
        description: 'How close is token usage to the alert threshold (1M tokens per hour)?',
        kind: 'stat',
        datasource: 'prometheus',
        unit: 'short',
        threshold: THRESHOLD.tokensPerHour,
        width: 6,
        height: 5,
        queries: [{ expr: Q.tokensLastHour, instant: true }],
      },
      {
        title: 'Turn error rate',
        description: 'What share of turns fail (alert above 5%)?',
        kind: 'stat',
        datasource: 'prometheus',
        unit: 'percentunit',
        threshold: THRESHOLD.errorRate,
        width: 6,
        height: 5,
        queries: [{ expr: Q.turnErrorRate, instant: true }],
      },
      ts('Requests per minute', 'How much webhook traffic arrives, per route?', 'reqpm', [
        { expr: Q.requestsPerMinute, legend: '{{http_route}}' },
      ]),
      ts(
        'HTTP latency',
        'How long until the agent answers (headers; a turn streams on)? p50, p95 and p99.',
        's',
        [
          { expr: Q.httpLatency(0.5), legend: 'p50' },
          { expr: Q.httpLatency(0.95), legend: 'p95' },
          { expr: Q.httpLatency(0.99), legend: 'p99' },
        ],
      ),
      ts(
        'Error rate',
        'What share of requests answer 5xx, and of turns fail?',
        'percentunit',
        [
          { expr: Q.httpErrorRate, legend: 'HTTP 5xx' },
          { expr: Q.turnErrorRate, legend: 'turns' },
        ],
        { threshold: THRESHOLD.errorRate },
      ),
      ts(
        'Turns by outcome',
        'How many turns per minute succeed, fail or are abandoned by the caller?',
        'short',
        [{ expr: Q.turnsByOutcome, legend: '{{layercode_outcome}}' }],
      ),
      ts(
        'Turn duration p95 by agent',
        'How long does a whole turn take, until response.end (alert above 2 s)?',
        's',
        [{ expr: Q.turnDurationP95, legend: '{{gen_ai_agent_name}}' }],
        { threshold: THRESHOLD.latencyP95Seconds },
      ),
      ts(
        'Time to first speech by agent',
        "How long after the webhook arrives does the agent send its first spoken chunk? The agent's share of the caller's wait (LayerCode's transcription and speech synthesis come on top); failed turns left out. p50 and p95.",
        's',
        [
          { expr: Q.firstSpeech(0.5), legend: 'p50 {{gen_ai_agent_name}}' },
          { expr: Q.firstSpeech(0.95), legend: 'p95 {{gen_ai_agent_name}}' },
        ],
        { threshold: THRESHOLD.firstSpeechP95Seconds },
      ),
      ts('Tool calls per minute', 'Which tools are called, how often, and do they fail?', 'short', [
        { expr: Q.toolCallsPerMinute, legend: '{{gen_ai_tool_name}} {{layercode_outcome}}' },
      ]),
      ts(
        'Tokens per minute by model',
        'How many input and output tokens does each model use?',
        'short',
        [{ expr: Q.tokensPerMinute, legend: '{{gen_ai_request_model}} {{gen_ai_token_type}}' }],
      ),
      ts('Model call latency p95', 'How long do model calls take, per model?', 's', [
        { expr: Q.modelLatencyP95, legend: '{{gen_ai_request_model}}' },
      ]),
      ts(
        'Span latency from traces (with exemplars)',
        'Which spans are slow? From the span metrics Tempo generates; click an exemplar dot to open that trace.',
        's',
        [{ expr: Q.spanLatencyFromTraces, legend: '{{span_name}}', exemplar: true }],
        { needs: 'tempo' },
      ),
    ],
  },
  {
    uid: 'layercode-traces-errors',
    title: 'LayerCode traces and errors',
    description:
      'Slow and failed turns as traces, exceptions by type, and error logs linked to their traces.',
    variables: standardVariables,
    panels: [
      {
        title: 'Turns over 1 s',
        description:
          "Which turns took over 1 s? Up to 20 as Tempo's search finds them, not sorted by duration: sort the table by Duration. Click a trace to open it.",
        kind: 'table',
        datasource: 'tempo',
        width: 12,
        height: 10,
        queries: [{ expr: TRACEQL.slowestTurns }],
      },
      {
        title: 'Failed turns',
        description: 'Which turns failed, and where in the trace?',
        kind: 'table',
        datasource: 'tempo',
        width: 12,
        height: 10,
        queries: [{ expr: TRACEQL.failedTurns }],
      },
      {
        title: 'Exceptions by type',
        description: 'Which errors happen, how often, over the time range?',
        kind: 'table',
        datasource: 'loki',
        width: 12,
        height: 8,
        queries: [{ expr: LOGQL.errorsByType, instant: true }],
      },
      ts('Failing turns per minute', 'When did turns start failing, and how many?', 'short', [
        { expr: Q.failedTurnsPerMinute, legend: 'failed turns' },
      ]),
      {
        title: 'Error logs',
        description: 'Every error logged, newest first; the trace_id field opens the trace.',
        kind: 'logs',
        datasource: 'loki',
        width: 24,
        height: 10,
        queries: [{ expr: LOGQL.errorLogs }],
      },
    ],
  },
  {
    uid: 'layercode-logs',
    title: 'LayerCode logs',
    description: "The agent's logs by level, and one conversation or turn at a time.",
    variables: [
      ...standardVariables,
      new TextBoxVariableBuilder('conversation_id').label('conversation_id').defaultValue('.*'),
      new TextBoxVariableBuilder('turn_id').label('turn_id').defaultValue('.*'),
    ],
    panels: [
      {
        title: 'Log volume by level',
        description: 'How many lines per level: is something suddenly noisy?',
        kind: 'timeseries',
        datasource: 'loki',
        width: 24,
        height: 7,
        queries: [{ expr: LOGQL.volumeByLevel, legend: '{{severity_text}}' }],
      },
      {
        title: 'Logs of a conversation or turn',
        description: 'Set conversation_id and/or turn_id (regular expressions) to follow one call.',
        kind: 'logs',
        datasource: 'loki',
        width: 24,
        height: 16,
        queries: [{ expr: LOGQL.byConversation }],
      },
    ],
  },
  {
    uid: 'layercode-system',
    title: 'LayerCode system',
    description: 'The host (from the collector) and the agent process (Node runtime) per instance.',
    variables: [
      ...standardVariables,
      new QueryVariableBuilder('host')
        .label('Host')
        .query(`label_values(${SELF_METRICS.hostCpu}, host_name)`)
        .datasource(DATASOURCES.prometheus)
        .includeAll(true)
        .allValue(ALL)
        .multi(true)
        .refresh(2 as never),
    ],
    panels: [
      ts('Host CPU', 'How busy are the host CPUs, by state?', 'percentunit', [
        { expr: Q.hostCpu, legend: '{{host_name}} {{state}}' },
      ]),
      ts('Host memory', 'How much of the host memory is used?', 'percentunit', [
        { expr: Q.hostMemory, legend: '{{host_name}}' },
      ]),
      ts(
        'Network I/O',
        "How many bytes go in and out of the collector's network namespace? In compose that is the collector container's own interfaces, not the host's (/hostfs does not change network counters).",
        'Bps',
        [{ expr: Q.hostNetwork, legend: '{{host_name}} {{direction}}' }],
      ),
      ts('Disk I/O', 'How many bytes are read and written?', 'Bps', [
        { expr: Q.hostDisk, legend: '{{host_name}} {{direction}}' },
      ]),
      ts(
        'Filesystem usage',
        'How full is each filesystem, as df shows it? (blocks reserved for root count as unavailable)',
        'percentunit',
        [{ expr: Q.hostFilesystem, legend: '{{host_name}} {{mountpoint}}' }],
        { threshold: 0.9 },
      ),
      ts(
        'Event-loop delay p99',
        'Is the agent process blocked? (voice turns stall when it is)',
        's',
        [{ expr: Q.eventLoopDelayP99, legend: '{{service_instance_id}}' }],
      ),
      ts('Event-loop utilization', 'How much of the time is the event loop busy?', 'percentunit', [
        { expr: Q.eventLoopUtilization, legend: '{{service_instance_id}}' },
      ]),
      ts('Heap used', 'How much JavaScript heap does each instance use?', 'bytes', [
        { expr: Q.heapUsed, legend: '{{service_instance_id}}' },
      ]),
      ts('GC time', 'How much time goes to garbage collection, by kind?', 's', [
        { expr: Q.gcTime, legend: '{{service_instance_id}} {{v8js_gc_type}}' },
      ]),
      ts('Process CPU', 'How many CPU seconds per second does each instance use?', 'short', [
        { expr: Q.processCpu, legend: '{{service_instance_id}}' },
      ]),
      ts('Process memory (RSS)', 'How much memory does each instance hold?', 'bytes', [
        { expr: Q.processMemory, legend: '{{service_instance_id}}' },
      ]),
    ],
  },
  {
    uid: 'layercode-pipeline',
    title: 'LayerCode telemetry pipeline',
    description:
      'Is telemetry getting through? The collector per signal, its queues, and what each backend ingests.',
    panels: [
      ts(
        'Accepted spans',
        'How many spans per second does the collector accept?',
        'short',
        [{ expr: Q.accepted(SELF_METRICS.receiverAccepted[0]), legend: '{{receiver}}' }],
        { width: 8 },
      ),
      ts(
        'Accepted log records',
        'How many log records per second does the collector accept?',
        'short',
        [{ expr: Q.accepted(SELF_METRICS.receiverAccepted[1]), legend: '{{receiver}}' }],
        { width: 8 },
      ),
      ts(
        'Accepted metric points',
        'How many metric points per second does the collector accept?',
        'short',
        [{ expr: Q.accepted(SELF_METRICS.receiverAccepted[2]), legend: '{{receiver}}' }],
        { width: 8 },
      ),
      ts(
        'Refused or failed at the receiver',
        'Is the collector refusing data (memory_limiter) or failing to take it?',
        'short',
        [{ expr: Q.refusedOrFailed, legend: 'refused + failed' }],
        { width: 8, threshold: 0 },
      ),
      ts(
        'Dropped (queue full)',
        'Is data dropped because an exporter queue is full?',
        'short',
        [{ expr: Q.dropped, legend: 'enqueue failed' }],
        { width: 8, threshold: 0 },
      ),
      ts(
        'Send failures',
        'Is data failing to reach a backend after retries?',
        'short',
        [{ expr: Q.sendFailures, legend: 'send failed' }],
        { width: 8, threshold: 0 },
      ),
      ts(
        'Exporter queue fill',
        'How full is each persistent queue (a backend down fills it)?',
        'percentunit',
        [{ expr: Q.queueFill, legend: '{{exporter}}' }],
        { width: 12, threshold: 0.5 },
      ),
      ts(
        'Ingested by backend',
        'What does each backend take in: spans into Tempo, log records into Loki, samples into Prometheus?',
        'short',
        [
          { expr: Q.ingestTempo, legend: 'Tempo spans/s' },
          { expr: Q.ingestLoki, legend: 'Loki log records/s' },
          { expr: Q.ingestPrometheus, legend: 'Prometheus samples/s' },
        ],
        { width: 12 },
      ),
    ],
  },
]

/** A dashboard's JSON model, as provisioned. */
export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['layercode', 'generated'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .editable()
  for (const v of spec.variables ?? []) builder.withVariable(v as never)
  for (const link of spec.links ?? []) builder.link(link)
  for (const p of spec.panels) builder.withPanel(panel(p) as never)
  const json = builder.build() as unknown as Record<string, unknown>
  // Stable ids: an alert rule links to its panel by id.
  ;(json.panels as Array<Record<string, unknown>>).forEach((p, i) => {
    p.id = i + 1
  })
  return json
}

/** Where each panel lives, for alert rules to link to (dashboard uid and panel id). */
export function panelRef(title: string): { dashboardUid: string; panelId: number } {
  for (const dashboard of DASHBOARDS) {
    const index = dashboard.panels.findIndex((p) => p.title === title)
    if (index >= 0) return { dashboardUid: dashboard.uid, panelId: index + 1 }
  }
  throw new Error(`no panel titled "${title}"`)
}
