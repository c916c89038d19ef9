import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parser as logql } from '@grafana/lezer-logql'
import { parser as traceql } from '@grafana/lezer-traceql'
import {
  LOG_CONTEXT_FIELDS,
  LOG_SYNTHETIC_FIELD,
  LOG_TRACE_FIELDS,
  METRICS,
  PROMOTED_RESOURCE_ATTRIBUTES,
  prometheusLabel,
  prometheusName,
  prometheusSeries,
  SPANS,
  type SpanSpec,
} from '@layercode-kit/telemetry'
import type { Tree } from '@lezer/common'
import { parser as promql } from '@prometheus-io/lezer-promql'
import { parse } from 'yaml'
import { ALERTS } from './alerts.ts'
import { DASHBOARDS } from './dashboards.ts'
import { grafanaFiles, RECORDING_RULES_PATH } from './generate.ts'
import type { TemplateVariable } from './interpolate.ts'
import { concrete, datasourceUids, panelQueries, ruleQueries } from './inventory.ts'
import { SELF_METRICS } from './queries.ts'
import { SLOTH_RULES_PATH } from './slos.ts'

const panels = panelQueries()
const rules = ruleQueries()

function errors(tree: Tree, text: string): string[] {
  const out: string[] = []
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) out.push(`at ${node.from}: "${text.slice(node.from, node.from + 20)}"`)
    },
  })
  return out
}
function collect(
  tree: Tree,
  text: string,
  accept: (name: string, parent: string | undefined) => boolean,
): string[] {
  const out: string[] = []
  tree.iterate({
    enter: (node) => {
      if (accept(node.name, node.node.parent?.name)) out.push(text.slice(node.from, node.to))
    },
  })
  return out
}

// What the queries may name: the contract, plus the documented self-metrics and their labels.
const contractHistograms = METRICS.filter((m) => m.instrument === 'histogram').map(prometheusName)
// A histogram is queried by its classic series and by its native one (the base name).
const contractSeries = new Set([...METRICS.flatMap(prometheusSeries), ...contractHistograms])
const selfSeries = Object.values(SELF_METRICS).flat()
/** The series the kit's recording rules and Sloth's rules record (prometheus/rules/). */
const recordedSeries = new Set(
  [
    grafanaFiles()[RECORDING_RULES_PATH] ?? '',
    readFileSync(new URL(`../../../${SLOTH_RULES_PATH}`, import.meta.url), 'utf8'),
  ].flatMap((text) =>
    (parse(text) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.record ? [r.record] : [])),
    ),
  ),
)
const contractLabels = new Set([
  ...METRICS.flatMap((m) =>
    [...m.attributes, ...(m.optionalAttributes ?? [])].map(prometheusLabel),
  ),
  ...PROMOTED_RESOURCE_ATTRIBUTES.map(prometheusLabel),
  'le',
  '__name__',
])
/** Labels of the collector's, host metrics' and Tempo span metrics' series, as scraped (names checked end to end). */
const selfLabels = new Set([
  // Sloth's labels on the SLO series.
  'sloth_id',
  'sloth_service',
  'sloth_slo',
  'sloth_window',
  'job',
  'receiver',
  'exporter',
  'state',
  'direction',
  'mountpoint',
  'host_name',
  'service',
  'span_name',
  'v8js_gc_type',
  'instance',
  'policy',
  'sampled',
])
const logFields = new Set([
  'service_name',
  'deployment_environment_name',
  'severity_text',
  ...LOG_CONTEXT_FIELDS,
  LOG_SYNTHETIC_FIELD,
  ...LOG_TRACE_FIELDS,
  'error_type',
  'error_code',
])
const spanAttributes = new Set(
  (SPANS as readonly SpanSpec[]).flatMap((s) => [...s.attributes, ...(s.optionalAttributes ?? [])]),
)

/** What Prometheus' OTLP receiver makes of every pushed resource (the apps' identity). */
const OTLP_SERIES = ['target_info']

function knownMetric(name: string): boolean {
  return (
    contractSeries.has(name) ||
    OTLP_SERIES.includes(name) ||
    recordedSeries.has(name) ||
    selfSeries.some((s) => (s.includes('.+') ? new RegExp(`^${s}$`).test(name) : s === name))
  )
}

function checkPromQL(where: string, query: { expr: string; variables?: TemplateVariable[] }) {
  const text = concrete(query)
  const tree = promql.parse(text)
  assert.deepEqual(errors(tree, text), [], `${where}: ${text}`)
  for (const metric of collect(
    tree,
    text,
    (name, parent) => name === 'Identifier' && parent === 'VectorSelector',
  )) {
    assert.ok(
      knownMetric(metric),
      `${where}: metric ${metric} is neither in the contract nor a documented self-metric`,
    )
  }
  for (const label of collect(tree, text, (name) => name === 'LabelName')) {
    assert.ok(
      contractLabels.has(label) || selfLabels.has(label),
      `${where}: label ${label} is unknown`,
    )
  }
  for (const regex of collect(
    tree,
    text,
    (name, parent) => name === 'StringLiteral' && parent === 'UnquotedLabelMatcher',
  )) {
    if (!/otelcol_/.test(regex)) continue
    for (const part of regex.slice(1, -1).split('|'))
      assert.ok(knownMetric(part), `${where}: ${part} in a __name__ regex`)
  }
}

type StreamMatcher = { op: string; value: string }

/** The matchers of every stream selector in a LogQL query (not its label filters). */
function streamSelectors(text: string): StreamMatcher[][] {
  const selectors: StreamMatcher[][] = []
  logql.parse(text).iterate({
    enter: (node) => {
      if (node.name !== 'Selector') return
      const matchers: StreamMatcher[] = []
      node.node.cursor().iterate((inner) => {
        if (inner.name !== 'Matcher') return
        const op =
          inner.node.getChild('Eq') ??
          inner.node.getChild('Neq') ??
          inner.node.getChild('Re') ??
          inner.node.getChild('Nre')
        const raw = inner.node.getChild('String')
        if (!op || !raw) return
        const quoted = text.slice(raw.from, raw.to)
        matchers.push({
          op: op.name,
          value: quoted.startsWith('`') ? quoted.slice(1, -1) : (JSON.parse(quoted) as string),
        })
      })
      selectors.push(matchers)
      return false
    },
  })
  return selectors
}

/** Whether a matcher lets a stream without that label (the empty value) through. */
function acceptsEmpty({ op, value }: StreamMatcher): boolean {
  if (op === 'Eq') return value === ''
  if (op === 'Re') return new RegExp(`^(?:${value})$`).test('')
  return true // negative matchers never narrow the selector enough on their own
}

describe('generated Grafana files', () => {
  it('enumerate every panel and rule, with queries in each', () => {
    // Text panels (the service levels' objectives) have no query.
    const panelCount = DASHBOARDS.reduce(
      (n, d) => n + d.panels.filter((p) => p.kind !== 'text').length,
      0,
    )
    assert.equal(new Set(panels.map((p) => `${p.dashboard}#${p.panelId}`)).size, panelCount)
    assert.equal(rules.length, ALERTS.length)
    assert.ok(panelCount >= 35 && rules.length >= 7)
  })

  it('ask for exemplars only where the source records them (Tempo span metrics, not the JS SDK)', () => {
    for (const [file, content] of Object.entries(grafanaFiles())) {
      if (!file.startsWith('grafana/dashboards/')) continue
      const dashboard = JSON.parse(content) as {
        panels: Array<{ title: string; targets?: Array<{ exemplar?: boolean; expr?: string }> }>
      }
      for (const panel of dashboard.panels)
        for (const target of panel.targets ?? [])
          if (target.exemplar)
            assert.ok(
              target.expr?.includes(SELF_METRICS.spanLatency),
              `${file} "${panel.title}" asks for exemplars the agent's metrics never carry`,
            )
    }
  })

  it('use only provisioned datasource uids', () => {
    const uids = datasourceUids()
    for (const p of panels)
      assert.ok(uids.includes(p.datasourceUid), `${p.dashboard} "${p.panel}": ${p.datasourceUid}`)
    for (const r of rules) assert.ok(uids.includes(r.datasourceUid), r.title)
  })

  it('every PromQL expression parses and names only known metrics and labels', () => {
    for (const p of panels.filter((q) => q.datasource === 'prometheus'))
      checkPromQL(`${p.dashboard} "${p.panel}"`, p)
    for (const r of rules) checkPromQL(`rule "${r.title}"`, r)
  })

  it('every query of a contract histogram reads both kinds, classic and native', () => {
    const queries = [
      ...panels
        .filter((q) => q.datasource === 'prometheus')
        .map((p) => ({ where: `${p.dashboard} "${p.panel}"`, text: concrete(p) })),
      ...rules.map((r) => ({ where: `rule "${r.title}"`, text: concrete(r) })),
    ]
    let histogramQueries = 0
    for (const { where, text } of queries) {
      const selectors = collect(
        promql.parse(text),
        text,
        (name, parent) => name === 'Identifier' && parent === 'VectorSelector',
      )
      for (const base of contractHistograms) {
        const classic = selectors.some((s) => /^(.+)_(bucket|sum|count)$/.exec(s)?.[1] === base)
        if (!classic) continue
        histogramQueries++
        assert.ok(selectors.includes(base), `${where} reads classic ${base} only: ${text}`)
      }
    }
    assert.ok(histogramQueries >= 10, `${histogramQueries} histogram queries`)
  })

  it('every LogQL expression parses and filters on fields the pipeline emits', () => {
    const loki = panels.filter((q) => q.datasource === 'loki')
    assert.ok(loki.length >= 4)
    for (const p of loki) {
      const text = concrete(p)
      const tree = logql.parse(text)
      assert.deepEqual(errors(tree, text), [], `${p.panel}: ${text}`)
      for (const field of collect(
        tree,
        text,
        (name, parent) => name === 'Identifier' && parent === 'Matcher',
      )) {
        assert.ok(
          logFields.has(field),
          `${p.panel}: ${field} is not a Loki label or structured-metadata field of the agent's logs`,
        )
      }
    }
  })

  // Loki refuses a stream selector whose every matcher accepts the empty string:
  // "queries require at least one regexp or equality matcher that does not have an
  // empty-compatible value" (grafana/loki pkg/logql/syntax, the selector's matcher validation).
  it('no Loki stream selector is empty-compatible as Grafana sends it for the default selection', () => {
    for (const p of panels.filter((q) => q.datasource === 'loki')) {
      const text = concrete(p)
      for (const selector of streamSelectors(text))
        assert.ok(
          selector.some((m) => !acceptsEmpty(m)),
          `${p.dashboard} "${p.panel}": Loki rejects ${text}`,
        )
    }
    // The check itself fails where Loki does.
    assert.equal(streamSelectors('{a=~".*", b=""}').flat().every(acceptsEmpty), true)
    assert.equal(streamSelectors('{a=~".+"} | c=~".*"').flat().every(acceptsEmpty), false)
  })

  it('every TraceQL expression parses and names only contract attributes', () => {
    const tempo = panels.filter((q) => q.datasource === 'tempo')
    assert.ok(tempo.length >= 2)
    for (const p of tempo) {
      const text = concrete(p)
      const tree = traceql.parse(text)
      assert.deepEqual(errors(tree, text), [], `${p.panel}: ${text}`)
      for (const field of collect(tree, text, (name) => name === 'AttributeField')) {
        const [scope, ...rest] = field.split('.')
        const attribute = rest.join('.')
        assert.ok(
          scope === 'resource'
            ? PROMOTED_RESOURCE_ATTRIBUTES.includes(attribute as never)
            : spanAttributes.has(attribute),
          `${p.panel}: ${field}`,
        )
      }
    }
  })

  it('the parsers reject broken queries (the checks can fail)', () => {
    assert.notDeepEqual(errors(promql.parse('sum(rate(x[5m])'), 'sum(rate(x[5m])'), [])
    assert.notDeepEqual(errors(logql.parse('{a="b" | x'), '{a="b" | x'), [])
    assert.notDeepEqual(errors(traceql.parse('{span.a = }'), '{span.a = }'), [])
  })
})
