/**
 * Service-level objectives as a Sloth spec (github.com/slok/sloth, prometheus/v1): the
 * objectives come from layercode-kit.yaml, the spec is written to prometheus/slo/ and Sloth
 * turns it into the recording rules in prometheus/rules/ (`npm run slo`): error ratios over
 * 5m … 3d and the period, the error budget, burn rates. The burn-rate alerts and the Service
 * levels dashboard read those recorded series.
 *
 * Alerting follows the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate)
 * with Sloth's windows and factors for a 30-day period: a burn rate is the share of bad
 * events over a window divided by the error budget (1 - objective); 1 spends the budget
 * exactly over the period.
 */

import { createHash } from 'node:crypto'
import { stringify } from 'yaml'
import { CONFIG, type KitConfig } from './config.ts'
import { block, braces, call, joined, paren, selector } from './promql.ts'
import { REAL_TRAFFIC, seriesName } from './queries.ts'
import { ENVIRONMENT, OUTCOME, perService, SERVICE } from './recording.ts'

/** The objectives, read from layercode-kit.yaml (`slos`). */
export const SLO_TARGETS = sloTargets(CONFIG)
export function sloTargets(config: KitConfig) {
  return {
    windowDays: config.slos.window_days,
    /** Turns that do not end in an agent error (aborted turns, a caller hanging up, are not bad). */
    turnSuccess: config.slos.turn_success.objective,
    /** Non-failed turns whose first speech comes within `firstSpeechSeconds` of the webhook. */
    firstSpeech: config.slos.first_speech.objective,
    /** A bucket boundary of the contract's latency histograms, so classic histograms count it exactly. */
    firstSpeechSeconds: config.slos.first_speech.within_seconds,
    /** Burn-rate alerts need this many events in their long window: 1 bad turn in 3 is no burn. */
    minEvents: config.slos.min_events,
  }
}

/** Sloth's `service`: every SLO's recorded series carry sloth_service="layercode". */
export const SLOTH_SERVICE = 'layercode'

export type SloId = 'turn-success' | 'first-speech'
export type Slo = {
  id: SloId
  title: string
  objective: number
  /** What a good event is, for people. */
  description: string
  /** Sloth's event queries, with `{{.window}}` for the window. */
  errorQuery: string
  totalQuery: string
}

const WINDOW = '{{.window}}'
const firstSpeech = seriesName('layercode.turn.time_to_first_speech')
const turnDuration = seriesName('layercode.turn.duration')
/** Prometheus formats whole-number bounds either way (`1` from OTLP, `1.0` from a scrape). */
const le = (bound: number) =>
  Number.isInteger(bound) ? `le=~"${bound}|${bound}.0"` : `le="${bound}"`
const sumBy = `sum by (${perService})`

/** A histogram's observations over the window, either kind: `_count`, or histogram_count. */
const observations = (name: string, matchers: readonly string[]) =>
  block(
    sumBy,
    joined(
      'or',
      call('increase', selector(`${name}_count`, matchers, `[${WINDOW}]`)),
      call('histogram_count', call('increase', selector(name, matchers, `[${WINDOW}]`))),
    ),
  )
/** No series (not 0/0 = NaN, which would poison Sloth's period average) without events. */
const someEvents = (events: string) => `${events} > 0`

export function slosOf(config: KitConfig): readonly Slo[] {
  const targets = sloTargets(config)
  const turns = [REAL_TRAFFIC]
  const speeches = [REAL_TRAFFIC, `${OUTCOME}!="error"`]
  const within = targets.firstSpeechSeconds
  return [
    {
      id: 'turn-success',
      title: 'Turn success',
      objective: targets.turnSuccess,
      description: `${targets.turnSuccess * 100}% of turns (session.start and message webhooks) end without an agent error, over ${targets.windowDays} days. Aborted turns (the caller hung up or barged in) are not failures.`,
      // 0, not no value, while turns succeed.
      errorQuery: joined(
        'or',
        observations(turnDuration, [...turns, `${OUTCOME}="error"`]),
        `${observations(turnDuration, turns)} * 0`,
      ),
      totalQuery: someEvents(observations(turnDuration, turns)),
    },
    {
      id: 'first-speech',
      title: `First speech within ${within} s`,
      objective: targets.firstSpeech,
      description: `${targets.firstSpeech * 100}% of the turns that did not fail speak their first words within ${within} s of the webhook's arrival, over ${targets.windowDays} days.`,
      // Failed turns are the other SLO's; their first chunk may be the fallback apology.
      // Native histograms (Logfire's exponential ones): the share over the threshold is
      // interpolated inside the bucket that holds it.
      errorQuery: block(
        sumBy,
        joined(
          'or',
          joined(
            '- ignoring (le)',
            call('increase', selector(`${firstSpeech}_count`, speeches, `[${WINDOW}]`)),
            call(
              'increase',
              selector(`${firstSpeech}_bucket`, [...speeches, le(within)], `[${WINDOW}]`),
            ),
          ),
          joined(
            '*',
            call(
              'histogram_count',
              call('increase', selector(firstSpeech, speeches, `[${WINDOW}]`)),
            ),
            paren(
              `1 - ${call(
                'histogram_fraction',
                `0, ${within},\n${call('increase', selector(firstSpeech, speeches, `[${WINDOW}]`))}`,
              )}`,
            ),
          ),
        ),
      ),
      totalQuery: someEvents(observations(firstSpeech, speeches)),
    },
  ]
}

export const SLOS: readonly Slo[] = slosOf(CONFIG)

export const sloById = (id: SloId): Slo => {
  const slo = SLOS.find((s) => s.id === id)
  if (!slo) throw new Error(`no SLO ${id}`)
  return slo
}

/** The error budget: the share of events allowed to be bad. */
export const errorBudget = (slo: Slo) => Number((1 - slo.objective).toPrecision(12))

export type BurnWindow = { long: string; short: string; factor: number }
export type BurnAlertKind = 'page' | 'ticket'
/**
 * Sloth's default windows and factors for a 30-day period (the workbook's): a page when 2% of
 * the budget goes in an hour or 5% in six hours; a ticket when 10% goes in a day or in three
 * days. The short window (1/12 of the long one) makes the alert stop soon after the burning
 * stops. Sloth records an error ratio for each of these windows.
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

/** Sloth's recorded error ratio of an SLO over a window (sloth_window labels it). */
export const errorRatio = (slo: Slo, window: string, matchers: readonly string[] = []) =>
  `slo:sli_error:ratio_rate${window}${braces([slothId(slo), ...matchers])}`
/** Sloth's id label of an SLO (`<service>-<slo>`), which every series it records carries. */
export const slothId = (slo: Slo) => `sloth_id="${SLOTH_SERVICE}-${slo.id}"`

/**
 * Events of each SLO over 5 minutes, per service and environment, recorded beside Sloth's
 * rules for the burn alerts' minimum volume (Sloth records ratios only). Labelled like Sloth's
 * series.
 */
export const SLO_EVENTS = 'layercode:slo_events:increase5m'
export function sloEventRules(slos: readonly Slo[] = SLOS) {
  return slos.map((slo) => ({
    record: SLO_EVENTS,
    expr: slo.totalQuery.replaceAll(WINDOW, '5m').replace(/ > 0$/, ''),
    labels: {
      sloth_id: `${SLOTH_SERVICE}-${slo.id}`,
      sloth_service: SLOTH_SERVICE,
      sloth_slo: slo.id,
    },
  }))
}

/** Minutes in a Prometheus duration like 5m, 1h or 3d. */
const minutes = (window: string) => {
  const n = Number.parseInt(window, 10)
  return n * ({ m: 1, h: 60, d: 1440 }[window.slice(-1) as 'm'] ?? Number.NaN)
}

/** One window pair: the long window's burn rate while both burn over the factor, at volume. */
function burning(slo: Slo, { long, short, factor }: BurnWindow, minEvents: number) {
  const budget = errorBudget(slo)
  const events = `${SLO_EVENTS}${braces([slothId(slo)])}`
  return paren(
    joined(
      'and ignoring (sloth_window)',
      `${errorRatio(slo, long)} / ${budget} > ${factor}`,
      `${errorRatio(slo, short)} / ${budget} > ${factor}`,
    ) +
      `\nand on (${perService})\n` +
      `# at least ${minEvents} events in ${long} (5-minute counts x ${minutes(long) / 5})\n` +
      `avg_over_time(${events}[${long}]) * ${minutes(long) / 5} >= ${minEvents}`,
  )
}

/** The burn of one alert kind: the highest long-window burn rate, per service and environment. */
const burn = (slo: Slo, kind: BurnAlertKind, minEvents: number) =>
  block(
    `max by (${perService})`,
    BURN_ALERTS[kind].map((w) => burning(slo, w, minEvents)).join('\nor\n'),
  )

/**
 * A burn-rate alert's condition on Sloth's recorded ratios: series (valued with the long
 * window's burn rate) only while breached. A ticket is not raised for what already pages.
 */
export function burnAlertExpr(slo: Slo, kind: BurnAlertKind, config = CONFIG): string {
  const { minEvents } = sloTargets(config)
  const page = burn(slo, 'page', minEvents)
  if (kind === 'page') return page
  return joined(`unless on (${perService})`, burn(slo, 'ticket', minEvents), page)
}

export const burnAlertUid = (slo: Slo, kind: BurnAlertKind) => `layercode-slo-${slo.id}-${kind}`

/** Panel queries of the Service levels dashboard, with the dashboards' variables. */
const vars = [`${ENVIRONMENT}=~"$environment"`, `${SERVICE}=~"$service"`]
export const SLO_PANEL_QUERY = {
  /** Sloth's period budget left: 1 - the period's error ratio / the budget. */
  budgetLeft: (slo: Slo) =>
    `slo:period_error_budget_remaining:ratio${braces([slothId(slo), ...vars])}`,
  burnRate: (slo: Slo, window: string) => `${errorRatio(slo, window, vars)} / ${errorBudget(slo)}`,
}

// ------------------------------------------------------------------------- the Sloth spec

/** Where the spec is written, and where `npm run slo` writes Sloth's rules. */
export const SLOTH_SPEC_PATH = 'prometheus/slo/layercode.sloth.yaml'
export const SLOTH_RULES_PATH = 'prometheus/rules/layercode-slo.yaml'

/** The Sloth spec (prometheus/v1) of the objectives; alerts are the kit's own (alerts.ts). */
export function slothSpec(config = CONFIG): string {
  const slos = slosOf(config)
  const spec = {
    version: 'prometheus/v1',
    service: SLOTH_SERVICE,
    slos: slos.map((slo) => ({
      name: slo.id,
      objective: Number((slo.objective * 100).toPrecision(12)),
      description: slo.description,
      sli: { events: { error_query: slo.errorQuery, total_query: slo.totalQuery } },
      // The burn-rate alerts are Grafana's and the exported Prometheus rules' (alerts.ts),
      // with a minimum volume Sloth's own alerts lack.
      alerting: { page_alert: { disable: true }, ticket_alert: { disable: true } },
    })),
  }
  return [
    '# Generated by packages/grafana-gen from layercode-kit.yaml (npm run rules). Do not edit:',
    '# change the objectives there. `npm run slo` runs Sloth v0.16.0 on this file and writes',
    `# ${SLOTH_RULES_PATH}.`,
    stringify(spec, { lineWidth: 100, minContentWidth: 40, blockQuote: 'literal' }),
  ].join('\n')
}

/** Sloth's long lines (a selector with its three sloth_* labels) folded at the braces. */
export function foldSlothRules(text: string, width = 120): string {
  return text
    .split('\n')
    .map((line) => {
      const match = /^(\s*)(.*\{)(.+)(\}.*)$/.exec(line)
      if (line.length <= width || !match) return line
      const [, pad = '', head, matchers, tail] = match
      return [`${pad}${head}`, `${pad}  ${matchers}`, `${pad}${tail}`].join('\n')
    })
    .join('\n')
}

/** The spec's fingerprint, in the header of the rules Sloth made from it. */
export const specHash = (spec: string) =>
  `sha256:${createHash('sha256').update(spec).digest('hex').slice(0, 16)}`

/** Sloth's output as the kit ships it: its header, then its rules, long selectors folded. */
export function slothRulesFile(slothOutput: string, spec: string): string {
  const rules = slothOutput
    .replace(/^\s*---\n/, '')
    .replace(/^# Code generated by Sloth.*\n# DO NOT EDIT\.\n/m, '')
    .trimStart()
  return [
    `# Generated by Sloth (github.com/slok/sloth, npm run slo) from ${SLOTH_SPEC_PATH}`,
    `# (${specHash(spec)}). Do not edit: change the objectives in layercode-kit.yaml, then`,
    '# npm run rules. Loaded by Prometheus (compose, the Helm chart).',
    '',
    foldSlothRules(rules),
  ].join('\n')
}
