/**
 * What a working kit must show, derived from the telemetry contract and shared by the native
 * end-to-end suite (OTLP recorded behind the collector, the real Prometheus) and the compose
 * integration suite (Tempo, Loki and Prometheus APIs). Both feed normalised views in.
 */
import {
  DEFAULT_SERVICE_NAME,
  type GenAiGeneration,
  genAiGenerations,
  LOG_CONTEXT_FIELDS,
  type MetricSpec,
  metricsEmitted,
  PROMOTED_RESOURCE_ATTRIBUTES,
  prometheusLabel,
  prometheusSeries,
  spanSpecFor,
} from '@layercode-kit/telemetry'

export const SERVICE_NAME = DEFAULT_SERVICE_NAME
/** The agent compose runs by default, with the tools the trace tree below needs. */
export const AGENT = 'bakery'

/** The scripted traffic: ok turns, tool calls, injected slow and failing turns. */
export const TRAFFIC = { rate: 2, durationS: 15, failRate: 0.1, slowRate: 0.1, thinkTimeMs: 0 }
export const loadgenArgs = (traffic = TRAFFIC) => [
  `--rate=${traffic.rate}`,
  `--duration=${traffic.durationS}`,
  `--fail-rate=${traffic.failRate}`,
  `--slow-rate=${traffic.slowRate}`,
  `--think-time=${traffic.thinkTimeMs}`,
  '--concurrency=16',
]

export type SpanView = {
  name: string
  traceId: string
  spanId: string
  parentSpanId: string
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
}

export type LogView = {
  body: string
  traceId: string
  spanId: string
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
}

/** One bakery tool turn: each span and the span it must be a child of. */
export const EXPECTED_SPAN_TREE = [
  { name: 'POST /api/agent', parent: undefined },
  { name: `invoke_agent ${AGENT}`, parent: 'POST /api/agent' },
  { name: 'chat offline-voice-1', parent: `invoke_agent ${AGENT}` },
  { name: 'execute_tool list_menu', parent: `invoke_agent ${AGENT}` },
] as const

/** What is wrong with the traces of a run (empty when the contract's tree is there). */
export function spanTreeProblems(spans: readonly SpanView[]): string[] {
  const problems: string[] = []
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const tool = spans.find((s) => s.name === 'execute_tool list_menu')
  if (!tool) return ['no execute_tool list_menu span: no bakery tool turn arrived']
  const trace = spans.filter((s) => s.traceId === tool.traceId)
  for (const expected of EXPECTED_SPAN_TREE) {
    const span = trace.find((s) => s.name === expected.name)
    if (!span) {
      problems.push(`trace ${tool.traceId} has no "${expected.name}" span`)
      continue
    }
    const parent = byId.get(span.parentSpanId)?.name
    if (expected.parent && parent !== expected.parent)
      problems.push(`"${expected.name}" is a child of "${parent}", not "${expected.parent}"`)
    const spec = spanSpecFor(span.name)
    for (const key of spec?.attributes ?? [])
      if (!(key in span.attributes)) problems.push(`"${span.name}" lacks ${key}`)
    if (span.resource['service.name'] !== SERVICE_NAME)
      problems.push(`"${span.name}" has service.name ${span.resource['service.name']}`)
  }
  const failed = spans.find(
    (s) => s.name === 'POST /api/agent' && s.attributes['layercode.outcome'] === 'error',
  )
  if (!failed) problems.push('no failed turn (layercode.outcome=error) arrived')
  else if (failed.attributes['error.type'] !== 'injected_fault')
    problems.push(`a failed turn has error.type ${failed.attributes['error.type']}`)
  return problems
}

/** Call-context fields every log record of a turn carries (turn_id too, for turn events). */
export const EXPECTED_LOG_FIELDS = [...LOG_CONTEXT_FIELDS]

export function logProblems(logs: readonly LogView[]): string[] {
  const turnLogs = logs.filter((l) => l.body === 'turn completed')
  if (turnLogs.length === 0) return ['no "turn completed" log arrived']
  const problems: string[] = []
  for (const log of turnLogs.slice(0, 20)) {
    if (!/^[0-9a-f]{32}$/.test(log.traceId)) problems.push(`"${log.body}" has no trace id`)
    if (!/^[0-9a-f]{16}$/.test(log.spanId)) problems.push(`"${log.body}" has no span id`)
    for (const field of EXPECTED_LOG_FIELDS)
      if (!log.attributes[field]) problems.push(`"${log.body}" lacks ${field}`)
    if (log.resource['service.name'] !== SERVICE_NAME)
      problems.push(`"${log.body}" has service.name ${log.resource['service.name']}`)
  }
  if (
    !logs.some((l) => l.body === 'turn failed' && l.attributes['error.code'] === 'injected_fault')
  ) {
    problems.push('no "turn failed" error log arrived')
  }
  return problems
}

/** The series of the contract's metrics an app on `generations` sends, with the labels each carries. */
export const expectedSeries = (
  generations: ReadonlySet<GenAiGeneration>,
): ReadonlyArray<{ series: string; metric: MetricSpec; labels: string[] }> =>
  metricsEmitted(generations).flatMap((metric) =>
    prometheusSeries(metric).map((series) => ({
      series,
      metric,
      labels: [
        ...PROMOTED_RESOURCE_ATTRIBUTES.filter(
          (a) => a !== 'service.namespace' && a !== 'host.name',
        ).map(prometheusLabel),
        ...metric.attributes.map(prometheusLabel),
        ...(series.endsWith('_bucket') ? ['le'] : []),
      ],
    })),
  )
/** What the stack's agent sends: the GenAI names' default (legacy) generation. */
export const EXPECTED_SERIES = expectedSeries(genAiGenerations({}))
