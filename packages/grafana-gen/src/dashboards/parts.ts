/** What the kit's dashboards are made of: datasources, panel and query builders, variables. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  StackingConfigBuilder,
  StackingMode,
  TableSortByFieldStateBuilder,
} from '@grafana/grafana-foundation-sdk/common'
import {
  DashboardBuilder,
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type VariableModel,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs'
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki'
import {
  DataqueryBuilder as PromQuery,
  PromQueryFormat,
} from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table'
import {
  SearchTableType,
  DataqueryBuilder as TempoQuery,
} from '@grafana/grafana-foundation-sdk/tempo'
import { TextMode, PanelBuilder as TextPanel } from '@grafana/grafana-foundation-sdk/text'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'
import { Attr } from '@layercode-kit/telemetry'
import { appTargets, labelName, seriesName } from '../queries.ts'

export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  tempo: { type: 'tempo', uid: 'tempo' },
} as const
export type DatasourceName = keyof typeof DATASOURCES

/**
 * Panels, queries and variables name their datasource through a datasource variable whose
 * default is the provisioned uid: provisioned here they open on the kit's datasources; imported
 * into another Grafana (Cloud or your own, with other uids) each falls back to that Grafana's
 * datasource of the type, and the dropdown picks another. No uid is hard-coded elsewhere.
 */
export const DATASOURCE_VARIABLES = {
  prometheus: { name: 'ds_prometheus', label: 'Metrics', title: 'Prometheus' },
  loki: { name: 'ds_loki', label: 'Logs', title: 'Loki' },
  tempo: { name: 'ds_tempo', label: 'Traces', title: 'Tempo' },
} as const
const viaVariable = (name: DatasourceName) => ({
  type: DATASOURCES[name].type,
  uid: `\${${DATASOURCE_VARIABLES[name].name}}`,
})
export const PANEL_DATASOURCES = {
  prometheus: viaVariable('prometheus'),
  loki: viaVariable('loki'),
  tempo: viaVariable('tempo'),
}
const datasourceVariable = (name: DatasourceName) =>
  new DatasourceVariableBuilder(DATASOURCE_VARIABLES[name].name)
    .label(DATASOURCE_VARIABLES[name].label)
    .type(DATASOURCES[name].type)
    .current({
      text: DATASOURCE_VARIABLES[name].title,
      value: DATASOURCES[name].uid,
      selected: true,
    })

type Query = { expr: string; legend?: string; instant?: boolean; exemplar?: boolean }
/**
 * A table of several instant Prometheus queries merged on their labels (one row per label
 * set), its columns renamed and ordered, some shown as times, sorted, with links per row.
 */
export type TableSpec = {
  /** Display names by field (`Value #A` for query A's value, or a label), in column order. */
  columns: Record<string, string>
  /** Fields holding Unix milliseconds, shown as dates. */
  times?: string[]
  /** The column (display name) sorted on, descending. */
  sortBy?: string
  /** Links on a field's cells: an Explore query with `${__value.raw}` (the cell) in it. */
  links?: Array<{ field: string; title: string; datasource: DatasourceName; expr: string }>
}
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
  /** Stack the series (a time series whose series are parts of one whole). */
  stack?: boolean
  /** A table of merged instant queries (Prometheus): its columns, times, sort and links. */
  table?: TableSpec
  /**
   * What the panel needs besides traffic: Tempo-derived data (only the compose stack has it,
   * the native run cannot check it), a conversation picked in the dashboard's variable, the
   * canary running (compose's canary service), a failing canary turn, or a webhook the agent
   * refused (the doctor lets them be empty).
   */
  needs?:
    | 'tempo'
    | 'a rejected webhook'
    | 'a conversation_id'
    | 'the canary'
    | 'a failing canary turn'
    | 'the sampling tier'
    | 'an error'
}

function query(
  datasource: DatasourceName,
  q: Query,
  refId: string,
  table = false,
): cog.Builder<cog.Dataquery> {
  if (datasource === 'prometheus') {
    const builder = new PromQuery()
      .expr(q.expr)
      .refId(refId)
      .datasource(PANEL_DATASOURCES.prometheus)
    if (table) builder.format(PromQueryFormat.Table).instant()
    if (q.legend) builder.legendFormat(q.legend)
    if (q.instant) builder.instant()
    if (q.exemplar) builder.exemplar(true)
    return builder
  }
  if (datasource === 'loki') {
    const builder = new LokiQuery().expr(q.expr).refId(refId).datasource(PANEL_DATASOURCES.loki)
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
    .datasource(PANEL_DATASOURCES.tempo)
}

export function panel(spec: PanelSpec) {
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
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(PANEL_DATASOURCES[spec.datasource])
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
  if (spec.stack && spec.kind === 'timeseries')
    (builder as TimeseriesPanel)
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .fillOpacity(60)
  for (const [i, q] of spec.queries.entries())
    builder.withTarget(query(spec.datasource, q, String.fromCharCode(65 + i), !!spec.table))
  if (spec.table && spec.kind === 'table') tableOptions(builder as TablePanel, spec.table)
  return builder
}

/** Merge, rename and order the columns (the rest hidden), dates, sort and cell links. */
function tableOptions(builder: TablePanel, table: TableSpec) {
  const fields = Object.keys(table.columns)
  builder
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        renameByName: table.columns,
        indexByName: Object.fromEntries(fields.map((f, i) => [f, i])),
        excludeByName: { Time: true },
      },
    })
    // Labels the table does not name are left out (the organize step keeps named ones first).
    .withTransformation({
      id: 'filterFieldsByName',
      options: { include: { names: Object.values(table.columns) } },
    })
  for (const field of table.times ?? [])
    builder.overrideByName(table.columns[field] ?? field, [{ id: 'unit', value: 'dateTimeAsIso' }])
  if (table.sortBy)
    builder.sortBy([new TableSortByFieldStateBuilder().displayName(table.sortBy).desc(true)])
  const byField = new Map<string, NonNullable<TableSpec['links']>>()
  for (const link of table.links ?? [])
    byField.set(link.field, [...(byField.get(link.field) ?? []), link])
  for (const [field, links] of byField)
    builder.overrideByName(table.columns[field] ?? field, [
      {
        id: 'links',
        value: links.map((l) => ({
          title: l.title,
          url: exploreUrl(l.datasource, l.expr),
          targetBlank: true,
        })),
      },
    ])
}

/** An Explore URL running `expr`; `${...}` variables in it stay for Grafana to interpolate. */
export function exploreUrl(datasource: DatasourceName, expr: string): string {
  const queryField = datasource === 'tempo' ? { queryType: 'traceql', query: expr } : { expr }
  const panes = {
    a: {
      datasource: datasource,
      queries: [{ refId: 'A', datasource: PANEL_DATASOURCES[datasource], ...queryField }],
      range: { from: 'now-1h', to: 'now' },
    },
  }
  // Grafana interpolates the datasource variable and ${__value.raw} in the link: unencoded.
  let url = `/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`
  for (const raw of [PANEL_DATASOURCES[datasource].uid, ...(expr.match(/\$\{[^}]+\}/g) ?? [])])
    url = url.replaceAll(encodeURIComponent(raw), raw)
  return url
}

export const explore = (
  title: string,
  datasource: DatasourceName,
  expr: string,
): cog.Builder<DashboardLink> =>
  new DashboardLinkBuilder(title)
    .type(DashboardLinkType.Link)
    .url(exploreUrl(datasource, expr))
    .icon('external link')
    .targetBlank(true)

/** Turns' duration histogram, classic (`_count`) or native, names the agents that answered. */
const turnSeries = `__name__=~"${seriesName('layercode.turn.duration')}(_count)?"`
// "All" is `.+`, not `.*`: Loki refuses a stream selector whose every matcher accepts the
// empty string, so `.*` broke every log panel on open.
export const ALL = '.+'
const variable = (name: string, label: string, definition: string) =>
  new QueryVariableBuilder(name)
    .label(label)
    .query(definition)
    .datasource(PANEL_DATASOURCES.prometheus)
    .includeAll(true)
    .allValue(ALL)
    .multi(true)
    .refresh(VariableRefresh.OnTimeRangeChanged)
/** The agent variable's "All" also matches series without an agent (e.g. Logfire's token usage). */
const ANY_AGENT = '.*'
export const standardVariables = [
  variable(
    'environment',
    'Environment',
    `label_values(${appTargets()}, ${labelName('deployment.environment.name')})`,
  ),
  variable(
    'service',
    'Service',
    `label_values(${appTargets(`${labelName('deployment.environment.name')}=~"$environment"`)}, ${labelName('service.name')})`,
  ),
  variable(
    'agent',
    'Agent',
    `label_values({${turnSeries}, ${labelName('service.name')}=~"$service"}, ${labelName(Attr.AgentName)})`,
  ).allValue(ANY_AGENT),
]

export type DashboardSpec = {
  uid: string
  title: string
  description: string
  panels: PanelSpec[]
  variables?: Array<cog.Builder<VariableModel>>
  links?: Array<cog.Builder<DashboardLink>>
}

/** A time-series panel of Prometheus queries. */
export const ts = (
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
  // The datasource variables first: the others' queries run on them.
  const used = new Set<DatasourceName>(
    spec.panels.filter((p) => p.kind !== 'text').map((p) => p.datasource),
  )
  if ((spec.variables ?? []).length > 0) used.add('prometheus')
  for (const name of ['prometheus', 'loki', 'tempo'] as const)
    if (used.has(name)) builder.withVariable(datasourceVariable(name))
  for (const v of spec.variables ?? []) builder.withVariable(v)
  for (const link of spec.links ?? []) builder.link(link)
  for (const p of spec.panels) builder.withPanel(panel(p))
  const json = builder.build() as unknown as Record<string, unknown>
  // Stable ids: an alert rule links to its panel by id.
  ;(json.panels as Array<Record<string, unknown>>).forEach((p, i) => {
    p.id = i + 1
  })
  return json
}
