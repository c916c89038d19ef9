/**
 * Panel values evaluated by promtool on synthetic series: the series builders the cases
 * share, and checkPanels(), which runs a file's cases (one promtool test each).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { concrete, labelName, panelQueries, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { nativeSuiteGuard } from '../../lib/guard.ts'
import { KIT_RULE_FILES, promtoolTest, series as seriesOf } from '../../lib/promtool.ts'

export const missing = await nativeSuiteGuard('panel value tests', { root: false })

export const panels = panelQueries()
/** A panel's query (the first, or the `index`th), as Grafana sends it for the default selection. */
export function panel(title: string, index = 0): string {
  const found = panels.filter((p) => p.panel === title)[index]
  assert.ok(found, `a panel titled "${title}" with query ${index}`)
  return concrete(found)
}

export const base = {
  [labelName('service.name')]: DEFAULT_SERVICE_NAME,
  [labelName('deployment.environment.name')]: 'production',
  [labelName(Attr.AgentName)]: 'echo',
}
export const series = (name: string, labels: Record<string, string>, values: string) =>
  seriesOf(name, { ...base, ...labels }, values)
export const turns = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.duration')}_count`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message' },
    values,
  )
export const firstSpeech = (outcome: string, le: string, values: string) =>
  series(
    `${seriesName('layercode.turn.time_to_first_speech')}_bucket`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message', le },
    values,
  )
export const speechCount = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.time_to_first_speech')}_count`,
    { [labelName(Attr.Outcome)]: outcome, [labelName(Attr.EventType)]: 'message' },
    values,
  )
/** Objectives are per service and environment. */
/** The canary's turns: tagged synthetic. */
export const canaryTurns = (outcome: string, values: string) =>
  series(
    `${seriesName('layercode.turn.duration')}_count`,
    {
      [labelName(Attr.Outcome)]: outcome,
      [labelName(Attr.EventType)]: 'message',
      [labelName(Attr.Synthetic)]: 'true',
    },
    values,
  )
export const SLO_LABELS = `{${labelName('deployment.environment.name')}="production", ${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`
/** The Service levels panels read Sloth's series: its labels come along. */
export const sloLabels = (slo: string, extra = '') =>
  `{${labelName('deployment.environment.name')}="production", ${labelName('service.name')}="${DEFAULT_SERVICE_NAME}", sloth_id="layercode-${slo}", sloth_service="layercode", sloth_slo="${slo}"${extra}}`
export const budgetLeft = (slo: string) =>
  sloLabels(slo, ', __name__="slo:period_error_budget_remaining:ratio", sloth_window="30d"')
export const http = (status: string, le: string | undefined, values: string) =>
  series(
    `${seriesName('http.server.request.duration')}_${le ? 'bucket' : 'count'}`,
    {
      [labelName(Attr.HttpRoute)]: '/api/agent',
      [labelName(Attr.HttpMethod)]: 'POST',
      [labelName(Attr.HttpStatus)]: status,
      ...(le ? { le } : {}),
    },
    values,
  )
export const KIND_LABELS = {
  [labelName(Attr.ErrorFingerprint)]: '072c43f154851d4c',
  [labelName(Attr.ErrorType)]: 'Error',
  [labelName(Attr.ErrorMessage)]: 'order <n> failed',
}
export const KIND = `{${Object.entries(KIND_LABELS)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, v]) => `${k}="${v}"`)
  .join(',')}}`
/** One kind of error's series (the counter or a first / last-seen gauge). */
export const errorKind = (name: string, values: string) =>
  series(name, { [labelName('service.version')]: '1.4.0', ...KIND_LABELS }, values)
/** The app's identity (Prometheus' job and instance): `a` unless a case has several apps. */
export const appOf = (instance: string) => ({ job: `layercode/${DEFAULT_SERVICE_NAME}`, instance })
export const tokens = (type: string, values: string, instance = 'a') =>
  series(
    `${seriesName('gen_ai.client.token.usage')}_sum`,
    {
      ...appOf(instance),
      [labelName(Attr.RequestModel)]: 'gpt-4o-mini',
      [labelName(Attr.TokenType)]: type,
    },
    values,
  )
/** The latest generation's token counter of one kind (text). */
export const latestTokens = (kind: 'input' | 'output', values: string, instance = 'a') =>
  series(
    seriesName(`gen_ai.client.inference.usage.${kind}_tokens`),
    {
      ...appOf(instance),
      [labelName(Attr.RequestModel)]: 'gpt-4o-mini',
      [labelName(Attr.TokenModality)]: 'text',
    },
    values,
  )
/** Classic buckets of a model-call duration: 10 calls every 10 s, all in the bucket ending at `le`. */
export const duration = (metric: string, model: string, operation: string, le: string) =>
  ['0.5', '0.75', '1', '2', '3', '+Inf'].map((bound) =>
    series(
      `${seriesName(metric)}_bucket`,
      {
        ...appOf('a'),
        [labelName(Attr.RequestModel)]: model,
        [labelName(Attr.Operation)]: operation,
        le: bound,
      },
      bound === '+Inf' || Number(bound) >= Number(le) ? '0+10x60' : '0x60',
    ),
  )
/** Classic buckets of a tool's duration: 10 calls every 10 s in the bucket ending at `le`. */
export const toolDuration = (metric: string, tool: string, le: string, instance: string) =>
  ['0.2', '0.3', '0.5', '+Inf'].map((bound) =>
    series(
      `${seriesName(metric)}_bucket`,
      {
        ...appOf(instance),
        [labelName(Attr.ToolName)]: tool,
        [labelName(Attr.Outcome)]: 'ok',
        le: bound,
      },
      bound === '+Inf' || Number(bound) >= Number(le) ? '0+10x60' : '0x60',
    ),
  )
/**
 * A native histogram series (what Logfire's exponential histograms become) of another service,
 * in promtool's notation: `per10s` observations every 10 s, all in schema 0 bucket `index`
 * ((2^(index-1), 2^index]), summing to `sumPer10s`.
 */
export const native = (
  name: string,
  labels: Record<string, string>,
  per10s: number,
  sumPer10s: number,
  index: number,
) =>
  seriesOf(
    name,
    { ...base, [labelName('service.name')]: 'server', [labelName(Attr.AgentName)]: '', ...labels },
    `{{schema:0 sum:0 count:0}}+{{schema:0 sum:${sumPer10s} count:${per10s} offset:${index} buckets:[${per10s}]}}x60`,
  )
export const service = (name: string) => `${labelName('service.name')}="${name}"`
export const sessions = (instance: string, values: string) =>
  series(
    seriesName('layercode.sessions.active'),
    { [labelName('service.instance.id')]: instance },
    values,
  )

/**
 * Panel queries evaluated by promtool on exact series: the value a known pattern must give,
 * including the cases live traffic rarely shows (every turn failing, a quiet period, a
 * restarted agent whose old gauge lingers).
 */

export type PanelCase = {
  name: string
  title: string
  /** Which of the panel's queries (default the first). */
  query?: number
  evalTime?: string
  /** Sample interval, when not 10 s (the SLO panels' cases run for hours). */
  interval?: string
  /**
   * Compare at 6 decimals: Sloth's period ratio is a mean of 5-minute ratios, whose float
   * sum is 1e-15 off the exact value (round() drops the metric name).
   */
  rounded?: boolean
  input: unknown[]
  /** The expected samples; [] means no value at all (not NaN, not 0). */
  samples: Array<{ labels: string; value: number }>
}

/**
 * Registers one promtool test per case: the panel's query (as Grafana sends it for the
 * default selection) evaluated on the case's synthetic series, against its expected samples.
 */
export function checkPanels(title: string, cases: readonly PanelCase[]): void {
  describe(title, { skip: missing }, () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'kit-panels-'))
    })
    after(async () => {
      await rm(dir, { recursive: true, force: true })
    })
    for (const {
      name,
      title,
      query = 0,
      evalTime = '9m',
      interval,
      rounded,
      input,
      samples,
    } of cases) {
      it(name, async () => {
        const result = await promtoolTest(dir, name, KIT_RULE_FILES, {
          ...(interval ? { interval } : {}),
          input_series: input,
          promql_expr_test: [
            {
              expr: rounded ? `round((${panel(title, query)}) * 1e6) / 1e6` : panel(title, query),
              eval_time: evalTime,
              exp_samples: samples,
            },
          ],
        })
        assert.ok(result.ok, `${panel(title, query)}\n${result.output}`)
      })
    }
  })
}
