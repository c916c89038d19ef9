/**
 * `npm run doctor -- --grafana http://localhost:3000`: checks a live stack through Grafana's
 * HTTP API only, as a user's Grafana would run it. For every provisioned LayerCode dashboard
 * it renders each panel's queries for the default selection and time range (the same
 * interpolation as the tests), runs them through /api/ds/query, checks every datasource's
 * health, evaluates every alert rule's query, and follows the trace <-> logs and exemplar ->
 * trace links on real data. It names dashboards and rules (the user's own too) that query
 * retired series, or one generation of the GenAI names only. Prints a table and exits 1 on any
 * error, or on an empty panel that should have data.
 * Credentials: GRAFANA_TOKEN (a service-account token), or GRAFANA_ADMIN_USER (default admin)
 * and GRAFANA_ADMIN_PASSWORD, from the environment or .env.
 */

import {
  DASHBOARDS,
  DATASOURCES,
  durationSeconds,
  interpolate,
  SCRAPE_INTERVAL_S,
  SELF_METRICS,
  type TemplateVariable,
} from '@layercode-kit/grafana-gen'
import {
  GenAiGeneration,
  GenAiOptIn,
  KIT_METRICS,
  type MetricSpec,
  metricSpec,
  prometheusName,
  RETIRED_SERIES,
} from '@layercode-kit/telemetry'

export type Check = {
  dashboard: string
  panel: string
  /** `warn`: works today, but reads nothing for some apps (it does not fail the run). */
  status: 'ok' | 'empty' | 'error' | 'skipped' | 'warn'
  rows: number
  error?: string
}

/** Each GenAI measurement's Prometheus names in each generation (the contract's counterparts). */
const GENAI_SERIES = (KIT_METRICS as readonly MetricSpec[])
  .filter((m) => m.generation === GenAiGeneration.Legacy)
  .map((m) => ({
    legacy: [prometheusName(m)],
    latest: (m.counterparts ?? []).map((name) => prometheusName(metricSpec(name))),
  }))

type Fetch = typeof fetch
type DashboardJson = {
  uid: string
  title: string
  time?: { from: string; to: string }
  templating?: { list?: TemplateVariable[] }
  panels?: Array<{
    id: number
    title: string
    targets?: Array<{
      refId?: string
      datasource?: { type: string; uid: string }
      expr?: string
      query?: string
      queryType?: string
    }>
  }>
}
type Frame = { data?: { values?: unknown[][] }; schema?: { fields?: Array<{ name: string }> } }
type QueryResult = { rows: number; frames: Frame[]; error?: string }

export type DoctorOptions = {
  grafanaUrl: string
  token?: string | undefined
  user?: string | undefined
  password?: string | undefined
  fetch?: Fetch
  /** The Prometheus datasource's timeInterval, for `$__rate_interval`. */
  scrapeIntervalS?: number
}

/** Seconds in a Grafana relative range like `now-1h` (to `now`). */
export function rangeSeconds(from: string): number {
  const match = /^now-(\d+[smhdw])$/.exec(from)
  return match ? durationSeconds(match[1] as string) : 3600
}

const rowsOf = (frames: Frame[]) =>
  frames.reduce((n, f) => n + Math.max(0, ...(f.data?.values ?? []).map((v) => v.length)), 0)

/** Panels the generated specs say may be empty here (e.g. failures only under a fault). */
function mayBeEmpty(dashboardUid: string, panelId: number): string | undefined {
  return DASHBOARDS.find((d) => d.uid === dashboardUid)?.panels[panelId - 1]?.needs
}

export class Doctor {
  readonly #options: DoctorOptions
  readonly #fetch: Fetch

  constructor(options: DoctorOptions) {
    this.#options = options
    this.#fetch = options.fetch ?? fetch
  }

  async #api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const { token, user = 'admin', password } = this.#options
    const auth = token
      ? `Bearer ${token}`
      : `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`
    const response = await this.#fetch(new URL(path, this.#options.grafanaUrl), {
      ...init,
      headers: { authorization: auth, 'content-type': 'application/json', ...init.headers },
    })
    const text = await response.text()
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 200)}`)
    return (text ? JSON.parse(text) : {}) as T
  }

  /** One query through Grafana's /api/ds/query, as a panel runs it. */
  async query(
    datasource: { type: string; uid: string },
    query: Record<string, unknown>,
    from: string,
    to: string,
  ): Promise<QueryResult> {
    try {
      const body = await this.#api<{
        results?: Record<string, { frames?: Frame[]; error?: string; status?: number }>
      }>('/api/ds/query', {
        method: 'POST',
        body: JSON.stringify({ from, to, queries: [{ refId: 'A', datasource, ...query }] }),
      })
      const result = body.results?.A
      const frames = result?.frames ?? []
      return { rows: rowsOf(frames), frames, ...(result?.error ? { error: result.error } : {}) }
    } catch (error) {
      return { rows: 0, frames: [], error: (error as Error).message }
    }
  }

  async datasources(): Promise<Check[]> {
    const list =
      await this.#api<Array<{ uid: string; name: string; type: string }>>('/api/datasources')
    return Promise.all(
      list.map(async (ds): Promise<Check> => {
        try {
          const health = await this.#api<{ status?: string; message?: string }>(
            `/api/datasources/uid/${ds.uid}/health`,
          )
          return health.status === 'OK'
            ? { dashboard: '(datasource)', panel: ds.name, status: 'ok', rows: 0 }
            : {
                dashboard: '(datasource)',
                panel: ds.name,
                status: 'error',
                rows: 0,
                error: health.message ?? String(health.status),
              }
        } catch (error) {
          return {
            dashboard: '(datasource)',
            panel: ds.name,
            status: 'error',
            rows: 0,
            error: (error as Error).message,
          }
        }
      }),
    )
  }

  async dashboard(uid: string): Promise<Check[]> {
    const { dashboard } = await this.#api<{ dashboard: DashboardJson }>(
      `/api/dashboards/uid/${uid}`,
    )
    const from = dashboard.time?.from ?? 'now-1h'
    const to = dashboard.time?.to ?? 'now'
    const rangeS = rangeSeconds(from)
    const scrapeIntervalS = this.#options.scrapeIntervalS ?? SCRAPE_INTERVAL_S
    // Grafana's interval for a ~1000-point panel, never below the datasource's timeInterval.
    const stepS = Math.max(scrapeIntervalS, Math.ceil(rangeS / 1000))
    const variables = dashboard.templating?.list ?? []
    const checks: Check[] = []
    for (const panel of dashboard.panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (!target.datasource) continue
        // A datasource variable (`${ds_prometheus}`) runs on its default, as Grafana opens it.
        const datasource = {
          ...target.datasource,
          uid: interpolate(target.datasource.uid, { variables }),
        }
        const raw = datasource.type === 'tempo' ? target.query : target.expr
        if (!raw) continue
        let text: string
        try {
          text = interpolate(raw, { variables, scrapeIntervalS, stepS, rangeS })
        } catch (error) {
          checks.push({
            dashboard: dashboard.title,
            panel: panel.title,
            status: 'error',
            rows: 0,
            error: (error as Error).message,
          })
          continue
        }
        const query =
          datasource.type === 'tempo'
            ? { queryType: 'traceql', query: text, limit: 20 }
            : { expr: text, ...(datasource.type === 'prometheus' ? { range: true } : {}) }
        const result = await this.query(datasource, query, from, to)
        const needs = mayBeEmpty(dashboard.uid, panel.id)
        checks.push({
          dashboard: dashboard.title,
          panel: panel.title,
          status: result.error ? 'error' : result.rows > 0 ? 'ok' : needs ? 'skipped' : 'empty',
          rows: result.rows,
          ...(result.error
            ? { error: result.error }
            : result.rows === 0 && needs
              ? { error: `no data; needs ${needs}` }
              : {}),
        })
      }
    }
    return checks
  }

  async dashboards(): Promise<Check[]> {
    const found = await this.#api<Array<{ uid: string }>>('/api/search?type=dash-db&limit=500')
    const uids = found.map((d) => d.uid).filter((uid) => uid.startsWith('layercode-'))
    const checks: Check[] = []
    for (const uid of uids) checks.push(...(await this.dashboard(uid)))
    return checks
  }

  /** Every provisioned alert rule's query A: it must run without error (rows: series firing). */
  async alertRules(): Promise<Check[]> {
    const rules = await this.#api<
      Array<{
        title: string
        data: Array<{ refId: string; datasourceUid: string; model: { expr?: string } }>
      }>
    >('/api/v1/provisioning/alert-rules')
    const checks: Check[] = []
    for (const rule of rules) {
      const query = rule.data.find((d) => d.refId === 'A')
      if (!query?.model.expr) continue
      const result = await this.query(
        { type: 'prometheus', uid: query.datasourceUid },
        { expr: query.model.expr, instant: true },
        'now-10m',
        'now',
      )
      checks.push({
        dashboard: '(alert rule)',
        panel: rule.title,
        status: result.error ? 'error' : 'ok',
        rows: result.rows,
        ...(result.error ? { error: result.error } : {}),
      })
    }
    return checks
  }

  /**
   * Series this kit no longer sends, wherever a dashboard (the user's own too) or a Grafana
   * rule still queries them: they read nothing now, silently. Each names its replacement.
   */
  async retiredSeries(): Promise<Check[]> {
    const sources = await this.#querySources()
    const checks: Check[] = []
    for (const { series, replacement } of RETIRED_SERIES) {
      const name = new RegExp(`\\b${series}\\b`)
      for (const { where } of sources.filter((s) => name.test(s.text)))
        checks.push({
          dashboard: '(retired series)',
          panel: where,
          status: 'error',
          rows: 0,
          error: `queries ${series}, which is no longer sent; use ${replacement.replaceAll('`', '')}`,
        })
    }
    return checks
  }

  /**
   * Dashboards (the user's own too) and Grafana rules that read one generation of the GenAI
   * names and not the other: apps on the other generation show nothing there, silently.
   */
  async genAiGenerations(): Promise<Check[]> {
    const sources = await this.#querySources()
    const checks: Check[] = []
    for (const { where, text } of sources) {
      for (const { legacy, latest } of GENAI_SERIES) {
        const reads = (names: readonly string[]) =>
          names.filter((n) => new RegExp(`\\b${n}(_bucket|_sum|_count)?\\b`).test(text))
        const [old, current] = [reads(legacy), reads(latest)]
        if (old.length > 0 === current.length > 0) continue
        const [found, missing, switchValue] =
          old.length > 0
            ? [old, latest, GenAiOptIn.Latest]
            : [current, legacy, 'its default (legacy names)']
        checks.push({
          dashboard: '(GenAI names)',
          panel: where,
          status: 'warn',
          rows: 0,
          error: `reads ${found.join(', ')} but not ${missing.join(', ')}: apps on ${switchValue} show nothing there (docs/telemetry.md: GenAI names)`,
        })
      }
    }
    return checks
  }

  /** Every dashboard's JSON and every Grafana rule's queries, with where each is. */
  async #querySources(): Promise<Array<{ where: string; text: string }>> {
    const found = await this.#api<Array<{ uid: string }>>('/api/search?type=dash-db&limit=5000')
    const sources: Array<{ where: string; text: string }> = []
    for (const { uid } of found) {
      const { dashboard } = await this.#api<{ dashboard?: { title?: string } }>(
        `/api/dashboards/uid/${uid}`,
      )
      const where = `dashboard "${dashboard?.title ?? uid}"`
      sources.push({ where, text: JSON.stringify(dashboard ?? {}) })
    }
    const rules = await this.#api<Array<{ title: string; data: unknown }>>(
      '/api/v1/provisioning/alert-rules',
    )
    for (const rule of rules)
      sources.push({ where: `alert rule "${rule.title}"`, text: JSON.stringify(rule.data) })
    return sources
  }

  /**
   * The correlations on real data: a recent trace opens by id in Tempo, its logs are found in
   * Loki by the trace_id field, a log line's trace_id opens its trace, and an exemplar on
   * Tempo's span metrics (label trace_id, the Prometheus datasource's exemplar link) opens its
   * trace.
   */
  async links(): Promise<Check[]> {
    const { tempo, loki, prometheus } = DATASOURCES
    const check = (panel: string, result: QueryResult, why: string): Check => ({
      dashboard: '(links)',
      panel,
      status: result.error ? 'error' : result.rows > 0 ? 'ok' : 'empty',
      rows: result.rows,
      ...(result.error ? { error: result.error } : result.rows ? {} : { error: why }),
    })
    /** A trace by id in Tempo, as a link from a log line or an exemplar opens it. */
    const openTrace = (traceId: string) =>
      this.query(tempo, { queryType: 'traceql', query: traceId }, 'now-1h', 'now')
    const search = await this.query(
      tempo,
      { queryType: 'traceql', query: '{ span.layercode.turn.id != nil }', limit: 1 },
      'now-1h',
      'now',
    )
    const traceId = firstValue(search.frames, ['traceID', 'traceId', 'trace_id'])
    if (!traceId) return [check('trace search', search, 'no turn trace in the last hour to follow')]
    const trace = await openTrace(traceId)
    const logs = await this.query(
      loki,
      { expr: `{service_name=~".+"} | trace_id="${traceId}"` },
      'now-1h',
      'now',
    )
    const checks = [
      check('trace opens by id', trace, `trace ${traceId} not found`),
      check('trace -> logs (trace_id field)', logs, `no log line carries trace_id ${traceId}`),
    ]
    const logged = await this.query(
      loki,
      { expr: '{service_name=~".+"} | trace_id!=""' },
      'now-1h',
      'now',
    )
    const logTraceId = firstValue(logged.frames, ['trace_id'], true)
    if (logTraceId) {
      const fromLog = await openTrace(logTraceId)
      checks.push(check('log -> trace (derived field)', fromLog, `trace ${logTraceId} not found`))
    } else checks.push(check('log -> trace (derived field)', logged, 'no log line with a trace_id'))
    const exemplars = await this.query(
      prometheus,
      {
        expr: `sum by (le) (rate(${SELF_METRICS.spanLatency}[5m]))`,
        exemplar: true,
        range: true,
      },
      'now-1h',
      'now',
    )
    const exemplarTraceId = firstValue(exemplars.frames, ['trace_id'])
    if (exemplarTraceId) {
      const fromExemplar = await openTrace(exemplarTraceId)
      checks.push(check('exemplar -> trace', fromExemplar, `trace ${exemplarTraceId} not found`))
    } else if (exemplars.rows === 0 && !exemplars.error) {
      checks.push({
        dashboard: '(links)',
        panel: 'exemplar -> trace',
        status: 'skipped',
        rows: 0,
        error: 'no span metrics; needs tempo',
      })
    } else
      checks.push(
        check(
          'exemplar -> trace',
          { ...exemplars, rows: 0 },
          'span metrics carry no exemplar with a trace_id label (tempo.yaml trace_id_label_name)',
        ),
      )
    return checks
  }

  async run(): Promise<Check[]> {
    return [
      ...(await this.datasources()),
      ...(await this.dashboards()),
      ...(await this.alertRules()),
      ...(await this.retiredSeries()),
      ...(await this.genAiGenerations()),
      ...(await this.links()),
    ]
  }
}

/** The first value of a named field in the frames (or in a labels/structured-metadata object). */
function firstValue(frames: Frame[], names: string[], inLabels = false): string | undefined {
  for (const frame of frames) {
    const fields = frame.schema?.fields ?? []
    for (const [i, field] of fields.entries()) {
      const values = frame.data?.values?.[i] ?? []
      if (names.includes(field.name) && typeof values[0] === 'string' && values[0]) return values[0]
      if (inLabels && (field.name === 'labels' || field.name === 'attributes'))
        for (const value of values) {
          const labels = (typeof value === 'string' ? JSON.parse(value) : value) as Record<
            string,
            unknown
          >
          for (const name of names) if (typeof labels?.[name] === 'string') return labels[name]
        }
    }
  }
  return undefined
}

export function formatTable(checks: Check[]): string {
  const header = ['dashboard', 'panel', 'status', 'rows', 'error']
  const rows = checks.map((c) => [c.dashboard, c.panel, c.status, String(c.rows), c.error ?? ''])
  const widths = header.map((h, i) =>
    Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell.slice(0, widths[i]).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** 1 when anything failed or a panel that should have data is empty. */
export function exitCode(checks: Check[]): number {
  return checks.some((c) => c.status === 'error' || c.status === 'empty') ? 1 : 0
}
