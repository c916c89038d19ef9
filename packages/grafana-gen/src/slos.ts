/**
 * Service-level objectives, defined once: the burn-rate alerts, the Service levels dashboard
 * and grafana/README.md are generated from these (edit, then `npm run docs`).
 *
 * Alerting follows the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate):
 * a burn rate is the share of bad events over a window divided by the error budget (1 -
 * objective); 1 spends the budget exactly over the SLO window.
 */
import { Attr, LATENCY_BUCKETS_S } from '@layercode-kit/telemetry'
import { labelName, REAL_TRAFFIC, seriesName } from './queries.ts'

/** The objectives: edit here. Prometheus must keep at least the window (PROMETHEUS_RETENTION). */
export const SLO_TARGETS = {
  windowDays: 30,
  /** Turns that do not end in an agent error (aborted turns, a caller hanging up, are not bad). */
  turnSuccess: 0.995,
  /** Non-failed turns whose first speech comes within `firstSpeechSeconds` of the webhook. */
  firstSpeech: 0.95,
  /** A bucket boundary of the contract's latency histograms, so classic histograms count it exactly. */
  firstSpeechSeconds: 1.5,
  /** Burn-rate alerts need this many events in their long window: 1 bad turn in 3 is no burn. */
  minEvents: 20,
} as const

if (!(LATENCY_BUCKETS_S as readonly number[]).includes(SLO_TARGETS.firstSpeechSeconds))
  throw new Error(
    `SLO_TARGETS.firstSpeechSeconds (${SLO_TARGETS.firstSpeechSeconds}) must be one of the contract's LATENCY_BUCKETS_S`,
  )

const service = labelName('service.name')
const environment = labelName('deployment.environment.name')
/** SLOs are per service and environment, like the other alerts. */
export const SLO_GROUPING = [service, environment] as const
const by = `sum by (${SLO_GROUPING.join(', ')})`
const outcome = labelName(Attr.Outcome)
/** `{matchers}` from a list, empty when there are none. */
const braces = (matchers: readonly string[]) =>
  matchers.length > 0 ? `{${matchers.join(', ')}}` : ''

export type SloId = 'turn-success' | 'first-speech'
export type Slo = {
  id: SloId
  title: string
  objective: number
  /** What a good event is, for people. */
  description: string
  /** The share of bad events over a window, per service and environment (no value without events). */
  badRatio: (matchers: readonly string[], window: string) => string
  /** The number of events over a window, per service and environment. */
  events: (matchers: readonly string[], window: string) => string
}

const turns = seriesName('layercode.turns')
const firstSpeech = 'layercode.turn.time_to_first_speech' as const
const firstSpeechName = seriesName(firstSpeech)
/** Failed turns are the other SLO's; their first chunk may be the fallback apology. */
const notFailed = `${outcome}!="error"`
/** Prometheus formats whole-number bounds either way (`1` from OTLP, `1.0` from a scrape). */
const le = (bound: number) =>
  Number.isInteger(bound) ? `le=~"${bound}|${bound}.0"` : `le="${bound}"`

/** Turns over a window, per service and environment (the canary's are not callers'). */
const turnCount = (m: readonly string[], w: string) =>
  `${by} (increase(${turns}${braces([...m, REAL_TRAFFIC])}[${w}]))`
/** Non-failed turns' first speeches over a window: classic histograms, and native ones. */
const speechSel = (m: readonly string[]) => braces([...m, REAL_TRAFFIC, notFailed])
const classicSpeechCount = (m: readonly string[], w: string) =>
  `${by} (increase(${firstSpeechName}_count${speechSel(m)}[${w}]))`
const nativeSpeechCount = (m: readonly string[], w: string) =>
  `${by} (histogram_count(increase(${firstSpeechName}${speechSel(m)}[${w}])))`

export const SLOS: readonly Slo[] = [
  {
    id: 'turn-success',
    title: 'Turn success',
    objective: SLO_TARGETS.turnSuccess,
    description: `${SLO_TARGETS.turnSuccess * 100}% of turns (session.start and message webhooks) end without an agent error, over ${SLO_TARGETS.windowDays} days. Aborted turns (the caller hung up or barged in) are not failures.`,
    badRatio: (m, w) => {
      const all = turnCount(m, w)
      return `(${turnCount([...m, `${outcome}="error"`], w)} or ${all} * 0) / (${all} > 0)`
    },
    events: turnCount,
  },
  {
    id: 'first-speech',
    title: `First speech within ${SLO_TARGETS.firstSpeechSeconds} s`,
    objective: SLO_TARGETS.firstSpeech,
    description: `${SLO_TARGETS.firstSpeech * 100}% of the turns that did not fail speak their first words within ${SLO_TARGETS.firstSpeechSeconds} s of the webhook's arrival, over ${SLO_TARGETS.windowDays} days.`,
    badRatio: (m, w) => {
      const classic = `1 - ${by} (increase(${firstSpeechName}_bucket${braces([...m, REAL_TRAFFIC, notFailed, le(SLO_TARGETS.firstSpeechSeconds)])}[${w}])) / (${classicSpeechCount(m, w)} > 0)`
      // Native histograms (Logfire's exponential ones): the fraction is interpolated inside
      // the bucket that holds the threshold.
      const native = `1 - histogram_fraction(0, ${SLO_TARGETS.firstSpeechSeconds}, ${by} (increase(${firstSpeechName}${speechSel(m)}[${w}])))`
      return `(${classic}) or ((${native}) and (${nativeSpeechCount(m, w)} > 0))`
    },
    events: (m, w) => `(${classicSpeechCount(m, w)} or ${nativeSpeechCount(m, w)})`,
  },
]

export const sloById = (id: SloId): Slo => {
  const slo = SLOS.find((s) => s.id === id)
  if (!slo) throw new Error(`no SLO ${id}`)
  return slo
}

/** The error budget: the share of events allowed to be bad. */
export const errorBudget = (slo: Slo) => Number((1 - slo.objective).toPrecision(12))

/** How fast the budget burns over a window (1 = exactly spent over the SLO window). */
export const burnRate = (slo: Slo, matchers: readonly string[], window: string) =>
  `(${slo.badRatio(matchers, window)}) / ${errorBudget(slo)}`

export type BurnWindow = { long: string; short: string; factor: number }
export type BurnAlertKind = 'page' | 'ticket'
/**
 * The workbook's recommended windows for a 30-day SLO: a page when 2% of the budget goes in an
 * hour or 5% in six hours; a ticket when 10% goes in a day or in three days. The short window
 * (1/12 of the long one) makes the alert stop soon after the burning stops.
 */
export const BURN_ALERTS: Record<BurnAlertKind, readonly BurnWindow[]> = {
  page: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  ticket: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
}

const condition = (slo: Slo, windows: readonly BurnWindow[]) =>
  windows
    .map(
      ({ long, short, factor }) =>
        `(${burnRate(slo, [], long)} > ${factor} and ${burnRate(slo, [], short)} > ${factor} and ${slo.events([], long)} >= ${SLO_TARGETS.minEvents})`,
    )
    .join(' or ')

/**
 * A burn-rate alert's condition: series (valued with the long window's burn rate) only while
 * breached. A ticket is not raised for what already pages.
 */
export function burnAlertExpr(slo: Slo, kind: BurnAlertKind): string {
  const page = condition(slo, BURN_ALERTS.page)
  if (kind === 'page') return page
  return `(${condition(slo, BURN_ALERTS.ticket)}) unless on (${SLO_GROUPING.join(', ')}) (${page})`
}

export const burnAlertUid = (slo: Slo, kind: BurnAlertKind) => `layercode-slo-${slo.id}-${kind}`

/** Panel queries of the Service levels dashboard, with the dashboards' variables. */
const vars = [`${environment}=~"$environment"`, `${service}=~"$service"`]
export const SLO_PANEL_QUERY = {
  budgetLeft: (slo: Slo) => `1 - ${burnRate(slo, vars, `${SLO_TARGETS.windowDays}d`)}`,
  burnRate: (slo: Slo, window: string) => burnRate(slo, vars, window),
}
