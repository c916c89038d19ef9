/**
 * Alert conditions: each returns series only while its condition holds (the threshold is
 * inside), per service and environment, reading the recorded series of recording.ts and
 * slos.ts. Thresholds come from layercode-kit.yaml; an environment with overrides gets its
 * own branch (`deployment_environment_name="staging"`), every other environment the defaults.
 * Grafana's rules (query A) and the exported Prometheus rules use the same text.
 */
import { OVERFLOW_FINGERPRINT } from '@layercode-kit/telemetry'
import { type AlertName, alertIn, CONFIG, type KitConfig, overridesOf } from './config.ts'
import { aggregate, by, call, joined, paren, selector } from './promql.ts'
import {
  APP_TARGETS,
  collector,
  REAL_TRAFFIC,
  SCRAPED_COMPONENTS,
  SELF_METRICS,
  SYNTHETIC_TRAFFIC,
  tier,
} from './queries.ts'
import {
  AGENT,
  configRejections,
  ENVIRONMENT,
  ERROR_KIND,
  FINGERPRINT,
  OUTCOME,
  PER_SERVICE,
  perService,
  RECORDED,
  SHORT_WINDOW,
} from './recording.ts'
import { BURN_ALERTS, burnAlertExpr, slosOf } from './slos.ts'

type Tunable = Exclude<AlertName, 'canary'>
type Values<A extends Tunable> = KitConfig['alerts'][A]

/** `[a-z]` characters that mean something in a regex, escaped for `!~`. */
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * One condition per threshold set: the defaults for every environment without overrides, and
 * a branch per environment that has them.
 */
function perEnvironment<A extends Tunable>(
  config: KitConfig,
  alert: A,
  build: (matchers: readonly string[], values: Values<A>) => string,
): string {
  const overrides = overridesOf(config, alert)
  if (overrides.length === 0) return build([], alertIn(config, alert))
  const names = overrides.map((o) => o.environment)
  return joined(
    'or',
    `# every environment but ${names.join(', ')}\n${paren(
      build([`${ENVIRONMENT}!~"${names.map(escapeRegex).join('|')}"`], alertIn(config, alert)),
    )}`,
    ...overrides.map(
      ({ environment, values }) =>
        `# ${environment} (layercode-kit.yaml environments)\n${paren(
          build([`${ENVIRONMENT}="${environment}"`], values),
        )}`,
    ),
  )
}

const sumByService = `sum by (${perService})`
/** `sum by (service, environment) (series{matchers})`, broken over lines when long. */
const sum = (series: string, matchers: readonly string[]) =>
  aggregate(sumByService, selector(series, matchers))
const real = (...matchers: readonly string[]) => [REAL_TRAFFIC, ...matchers]

/**
 * Which components have any of these counters rising: one term per series name (a single
 * rate over a name regex would collide once rate drops the names), each keeping its
 * component label so the alert says which one fails, and the rate as its value.
 */
const rising = (by: string, series: readonly string[]) =>
  series
    .map(
      (name) =>
        `${paren(aggregate(`sum by (${by})`, call('rate', `${name}{${collector}}[${SHORT_WINDOW}]`)))} > 0`,
    )
    .join('\nor\n')
/** `max by (service, environment) (present_over_time(series[window]))`. */
const seenIn = (series: string, window: string) =>
  aggregate(`max by (${perService})`, call('present_over_time', `${series}[${window}]`))

/** One alert per kind of error: per service, environment and fingerprint. */
const byKind = `${perService}, ${FINGERPRINT}`
/** Occurrences of each kind over 5 minutes, the overflow of unnamed kinds left out. */
const kinds = (m: readonly string[]) =>
  aggregate(
    by('sum', [...PER_SERVICE, ...ERROR_KIND]),
    selector(RECORDED.errors, real(`${FINGERPRINT}!="${OVERFLOW_FINGERPRINT}"`, ...m)),
  )
/** A Prometheus duration (`24h`, `1h30m`, `7d`) in seconds. */
export function durationSeconds(text: string): number {
  const unit: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
  }
  let total = 0
  for (const [, n, u] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    total += Number(n) * (unit[u as string] ?? 0)
  return total
}

/** The conditions of a config (CONFIG: layercode-kit.yaml). */
export function alertConditions(config: KitConfig = CONFIG) {
  const turns = (m: readonly string[], ...extra: string[]) =>
    sum(RECORDED.turns, real(...m, ...extra))
  const canaryTurns = (...extra: string[]) => sum(RECORDED.turns, [SYNTHETIC_TRAFFIC, ...extra])
  const refused = (m: readonly string[]) => sum(RECORDED.rejections, [configRejections, ...m])
  /** The 95th percentile of a recorded histogram over its 5-minute rate. */
  const p95 = (series: string, by: string, m: readonly string[]) =>
    call(
      'histogram_quantile',
      `0.95,\n${aggregate(`sum by (${by})`, selector(series, real(...m)))}`,
    )
  return {
    errorRate: perEnvironment(config, 'error_rate', (m, v) =>
      joined(
        `and on (${perService})`,
        paren(`${joined('/', turns(m, `${OUTCOME}="error"`), turns(m))}\n> ${v.threshold}`),
        `${turns(m)} >= ${v.min_turns}`,
      ),
    ),
    latencyP95: perEnvironment(
      config,
      'latency_p95',
      (m, v) => `${p95(RECORDED.turnDuration, `le, ${perService}`, m)} > ${v.threshold}`,
    ),
    firstSpeechP95: perEnvironment(
      config,
      'first_speech_p95',
      (m, v) => `${p95(RECORDED.firstSpeech, `le, ${perService}, ${AGENT}`, m)} > ${v.threshold}`,
    ),
    tokensPerHour: perEnvironment(
      config,
      'tokens_per_hour',
      (m, v) => `${sum(RECORDED.tokens, real(...m))} > ${v.threshold}`,
    ),
    spendPerHour: perEnvironment(
      config,
      'spend_per_hour',
      (m, v) => `${sum(RECORDED.cost, real(...m))} > ${v.threshold}`,
    ),
    // Most of a service's webhooks refused for their signature (the secret or the clock): no
    // turn runs, so the error-rate, latency and first-speech rules see nothing, and the agent
    // still reports. Accepted webhooks are its turns (the canary's too: a wrong secret refuses
    // its webhooks as well); at least a few refusals, so one stray request in a quiet hour
    // does not page.
    webhooksRejected: perEnvironment(config, 'webhooks_rejected', (m, v) =>
      joined(
        `and on (${perService})`,
        paren(
          `${joined(
            '/',
            refused(m),
            paren(
              joined(
                '+',
                refused(m),
                paren(joined('or', sum(RECORDED.turns, m), `${refused(m)} * 0`)),
              ),
            ),
          )}\n> ${v.threshold}`,
        ),
        `${refused(m)} >= ${v.min_rejections}`,
      ),
    ),
    // The errors inbox (recording.ts): a kind of error (fingerprint) first seen within
    // `new_for`, or back after `absent_for` without it (its last sighting as of 5 minutes
    // ago is older), each with a few occurrences in 5 minutes (increase() extrapolates: one
    // never reads n - 0.5, n always do). One series per fingerprint: one alert per kind.
    newError: perEnvironment(config, 'new_error', (m, v) =>
      joined(
        `and on (${byKind})`,
        `${kinds(m)} >= ${v.min_occurrences - 0.5}`,
        paren(
          `time() - ${aggregate(`min by (${byKind})`, selector(RECORDED.errorFirstSeen, real(...m)))} < ${durationSeconds(config.alerts.new_error.new_for)}`,
        ),
      ),
    ),
    errorRegression: perEnvironment(config, 'error_regression', (m, v) =>
      joined(
        `and on (${byKind})`,
        `${kinds(m)} >= ${v.min_occurrences - 0.5}`,
        paren(
          `time() - 300 - ${aggregate(
            `max by (${byKind})`,
            selector(RECORDED.errorLastSeen, real(...m), ' offset 5m'),
          )} > ${durationSeconds(v.absent_for)}`,
        ),
      ),
    ),
    // Every OTel SDK pushes its resource's target_info with each metrics export (10 s here);
    // silence means the app is down: a service (whatever its SDK, language or
    // OTEL_SERVICE_NAME) in an environment, seen in the last day and silent for the last
    // minute, or no app at all in the last day (never started, or cannot export). Per service
    // and environment, not per replica: one dead replica among several that report is reduced
    // capacity, not an outage, and a replica replaced by a deploy must not page.
    agentDown: joined(
      'or',
      `absent_over_time(${APP_TARGETS}[1d])`,
      paren(joined('unless', seenIn(APP_TARGETS, '1d'), seenIn(APP_TARGETS, '1m'))),
    ),
    // The canary, per service and environment where it ran in the last day: no successful
    // turn in the window (the canary, the agent or the pipeline stopped: it fires even at zero
    // real traffic), or turns failing (increase() extrapolates a little: one failure never
    // reads 1.5, two always do). Its turns are in no other rule.
    canary: joined(
      'or',
      paren(
        joined(
          `unless on (${perService})`,
          seenIn(`${RECORDED.turns}{${SYNTHETIC_TRAFFIC}}`, '1d'),
          `${canaryTurns(`${OUTCOME}!="error"`)} > 0`,
        ),
      ),
      `${canaryTurns(`${OUTCOME}="error"`)} >= ${config.alerts.canary.failed_turns - 0.5}`,
    ),
    // A component Prometheus cannot scrape is down or unreachable. Grafana is left out: when
    // it is down nothing evaluates this rule anyway.
    componentDown: `${SELF_METRICS.scrapeUp}{job=~"${SCRAPED_COMPONENTS.join('|')}"} == 0`,
    collectorRefusing: rising(`${tier}, receiver`, [
      ...SELF_METRICS.receiverRefused,
      ...SELF_METRICS.receiverFailed,
    ]),
    // The exporters retry without a deadline, so an outage counts nothing as failed: it shows
    // as a queue that has held data for a minute while nothing was sent (a busy queue is
    // rarely empty when scraped, but it sends), or one over half full. Failed counts are data
    // lost. Queues are per replica: one stuck replica alerts even while the others send.
    collectorExportFailing: (() => {
      const replica = `${tier}, instance, exporter`
      return joined(
        'or',
        rising(`${tier}, exporter`, [
          ...SELF_METRICS.exporterSendFailed,
          ...SELF_METRICS.exporterEnqueueFailed,
        ]),
        paren(
          joined(
            `unless on (${replica})`,
            `${aggregate(`min by (${replica})`, call('min_over_time', `${SELF_METRICS.queueSize}{${collector}}[1m]`))} > 0`,
            `${paren(
              SELF_METRICS.exporterSent
                .map((name) =>
                  aggregate(`sum by (${replica})`, call('increase', `${name}{${collector}}[1m]`)),
                )
                .join('\nor\n'),
            )} > 0`,
          ),
        ),
        // The fullest replica's queue, per tier and exporter.
        `${aggregate(
          `max by (${tier}, exporter)`,
          joined(
            '/',
            `${SELF_METRICS.queueSize}{${collector}}`,
            `${SELF_METRICS.queueCapacity}{${collector}}`,
          ),
        )} > 0.5`,
      )
    })(),
    // The config's own objectives (its error budgets), not the repository's.
    burn: Object.fromEntries(
      slosOf(config).flatMap((slo) =>
        (Object.keys(BURN_ALERTS) as Array<keyof typeof BURN_ALERTS>).map((kind) => [
          `${slo.id}-${kind}`,
          burnAlertExpr(slo, kind, config),
        ]),
      ),
    ) as Record<string, string>,
  }
}

export const ALERT_PROMQL = alertConditions()
