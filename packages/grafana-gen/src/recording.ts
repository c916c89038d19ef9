/**
 * Recording rules for what the alert rules share: turn counts, latency and first-speech
 * histograms, tokens, spend and rejections, per service, environment (and agent, outcome,
 * synthetic tag where a rule needs them), over the alerts' windows. Classic histograms
 * (`_bucket`/`_count`) and native ones are merged here, once, so an alert expression reads
 * one recorded series and fits on a few lines. Prometheus loads them from
 * prometheus/rules/ (compose, the Helm chart, the native end-to-end run).
 */
import { Attr, type KitMetricName } from '@layercode-kit/telemetry'
import { CONFIG } from './config.ts'
import { genAiTokens } from './generations.ts'
import { aggregate, block, by, call, joined, selector } from './promql.ts'
import { CONFIG_REJECTIONS, labelName, seriesName } from './queries.ts'

export const SERVICE = labelName('service.name')
export const ENVIRONMENT = labelName('deployment.environment.name')
export const AGENT = labelName(Attr.AgentName)
export const OUTCOME = labelName(Attr.Outcome)
export const SYNTHETIC = labelName(Attr.Synthetic)
/** Every alert is per service and environment. */
export const PER_SERVICE = [SERVICE, ENVIRONMENT] as const
export const perService = PER_SERVICE.join(', ')

/** The window the 5-minute alerts (error rate, latency, first speech, rejections, canary) read. */
export const SHORT_WINDOW = '5m'

/** The names of the recorded series, `level:metric:operation` as Prometheus recommends. */
export const RECORDED = {
  turns: 'layercode:turns:increase5m',
  turnDuration: 'layercode:turn_duration_seconds:rate5m',
  firstSpeech: 'layercode:first_speech_seconds:rate5m',
  rejections: 'layercode:webhook_rejections:increase5m',
  tokens: 'layercode:gen_ai_tokens:increase1h',
  cost: 'layercode:cost_usd:increase1h',
  errors: 'layercode:errors:increase5m',
  errorFirstSeen: 'layercode:error_first_seen:timestamp',
  errorLastSeen: 'layercode:error_last_seen:timestamp',
} as const

/** An error kind's labels: the fingerprint, its type and normalized message (one per fingerprint). */
export const FINGERPRINT = labelName(Attr.ErrorFingerprint)
export const ERROR_KIND = [FINGERPRINT, labelName(Attr.ErrorType), labelName(Attr.ErrorMessage)]
export const VERSION = labelName('service.version')
/** What the errors rules keep: where, which release, which kind, and the synthetic tag. */
const ERROR_LABELS = [SERVICE, ENVIRONMENT, VERSION, SYNTHETIC, ...ERROR_KIND]

/** `sum by (labels) (` classic `or` native `)`: one series set, whichever kind a service sends. */
const both = (by: readonly string[], classic: string, native: string) =>
  block(`sum by (${by.join(', ')})`, joined('or', classic, native))

/** A histogram's classic buckets (with `le`) and native series, as rates over the window. */
function histogramRate(metric: KitMetricName, by: readonly string[], matchers: string[] = []) {
  const name = seriesName(metric)
  const range = `[${SHORT_WINDOW}]`
  return joined(
    'or',
    block(
      `sum by (le, ${by.join(', ')})`,
      call('rate', selector(`${name}_bucket`, matchers, range)),
    ),
    block(`sum by (${by.join(', ')})`, call('rate', selector(name, matchers, range))),
  )
}

export type RecordingRule = { record: string; expr: string }
export type RuleGroup = { name: string; purpose: string; rules: RecordingRule[] }

const turnDuration = seriesName('layercode.turn.duration')
const errors = seriesName('layercode.errors')

export const RECORDING_GROUPS: readonly RuleGroup[] = [
  {
    name: 'layercode-turns',
    purpose:
      'Turns and their timing over 5 minutes, per service, environment, agent, outcome and synthetic tag (the canary\'s turns keep layercode_synthetic="true"). A turn is one observation of layercode.turn.duration, so its count is the turn count.',
    rules: [
      {
        record: RECORDED.turns,
        expr: both(
          [SERVICE, ENVIRONMENT, AGENT, OUTCOME, SYNTHETIC],
          `increase(${turnDuration}_count[${SHORT_WINDOW}])`,
          call('histogram_count', `increase(${turnDuration}[${SHORT_WINDOW}])`),
        ),
      },
      {
        record: RECORDED.turnDuration,
        expr: histogramRate('layercode.turn.duration', [SERVICE, ENVIRONMENT, SYNTHETIC]),
      },
      {
        // Failed turns are left out: their first chunk may be the fallback apology.
        record: RECORDED.firstSpeech,
        expr: histogramRate(
          'layercode.turn.time_to_first_speech',
          [SERVICE, ENVIRONMENT, AGENT, SYNTHETIC],
          [`${OUTCOME}!="error"`],
        ),
      },
      {
        record: RECORDED.rejections,
        expr: aggregate(
          `sum by (${perService}, ${labelName(Attr.RejectionReason)})`,
          `increase(${seriesName('layercode.webhook.rejections')}[${SHORT_WINDOW}])`,
        ),
      },
    ],
  },
  {
    name: 'layercode-usage',
    purpose:
      'Tokens (input plus output) and spend in US dollars over the last hour, per service, environment and synthetic tag. Tokens are read in both generations of the GenAI names: gen_ai.client.token.usage (legacy) or the gen_ai.client.inference.usage counters (latest); an app that sends both counts once, by its legacy series.',
    rules: [
      {
        record: RECORDED.tokens,
        expr: genAiTokens('increase', [SERVICE, ENVIRONMENT, SYNTHETIC], [], '1h'),
      },
      {
        record: RECORDED.cost,
        expr: aggregate(
          `sum by (${perService}, ${SYNTHETIC})`,
          `increase(${seriesName('layercode.cost')}[1h])`,
        ),
      },
    ],
  },
  {
    name: 'layercode-errors',
    purpose: `The errors inbox (docs/telemetry.md: Errors), per service, environment, release (service_version), synthetic tag and fingerprint with its type and message: occurrences over 5 minutes; when each kind was first and last seen, as the processes report it (layercode.error.first_seen, .last_seen), kept by the rules for the new-error lookback (${CONFIG.alerts.new_error.lookback}: a kind absent longer is new again) after the processes are gone.`,
    rules: [
      {
        // From the samples themselves: a kind's first sample already holds its first errors,
        // which increase() cannot see; a series born in the window counts whole.
        record: RECORDED.errors,
        expr: aggregate(
          by('sum', ERROR_LABELS),
          call('clamp_min', `${errors} - (${errors} offset ${SHORT_WINDOW} or ${errors} * 0),\n0`),
        ),
      },
      {
        // The earliest sighting of any process (each reports its own), kept by the rule itself.
        record: RECORDED.errorFirstSeen,
        expr: aggregate(
          by('min', ERROR_LABELS),
          joined(
            'or',
            seriesName('layercode.error.first_seen'),
            call(
              'last_over_time',
              `${RECORDED.errorFirstSeen}[${CONFIG.alerts.new_error.lookback}]`,
            ),
          ),
        ),
      },
      {
        record: RECORDED.errorLastSeen,
        expr: aggregate(
          by('max', ERROR_LABELS),
          joined(
            'or',
            seriesName('layercode.error.last_seen'),
            call(
              'last_over_time',
              `${RECORDED.errorLastSeen}[${CONFIG.alerts.new_error.lookback}]`,
            ),
          ),
        ),
      },
    ],
  },
]

/** The rejections that mean LayerCode's own webhooks are refused (CONFIG_REJECTIONS). */
export const configRejections = `${labelName(Attr.RejectionReason)}=~"${CONFIG_REJECTIONS.join('|')}"`
