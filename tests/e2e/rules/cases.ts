/**
 * Alert conditions evaluated by promtool on synthetic series: the series builders the
 * cases share, and checkRules(), which runs a file's cases (one promtool alert test each).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  burnAlertUid,
  COLLECTOR_TIERS,
  labelName,
  ruleQueries,
  SELF_METRICS,
  seriesName,
  sloById,
} from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { stringify } from 'yaml'
import { nativeSuiteGuard } from '../../lib/guard.ts'
import { KIT_RULE_FILES, promtoolTest, series } from '../../lib/promtool.ts'

export const missing = await nativeSuiteGuard('alert rule unit tests', { root: false })

export const EXPORT_RULE = 'layercode-collector-export'
export const AGENT_DOWN_RULE = 'layercode-agent-down'
export const rules = ruleQueries()
export const exporter = {
  job: 'collector',
  instance: 'collector:8888',
  service_name: COLLECTOR_TIERS.single,
  exporter: 'otlp_http/traces',
}
/** The alert's labels: the tier and exporter, and the replica when its queue is stuck. */
export const tierExporter = { service_name: exporter.service_name, exporter: exporter.exporter }
export const stuckReplica = { ...tierExporter, instance: exporter.instance }
// Series names and labels as the rules query them (queries.ts), not typed again here.
export const queue = (values: string) =>
  series(SELF_METRICS.queueSize, { ...exporter, data_type: 'traces' }, values)
export const capacity = series(
  SELF_METRICS.queueCapacity,
  { ...exporter, data_type: 'traces' },
  '5000x40',
)
export const [sentSpans] = SELF_METRICS.exporterSent
export const [sendFailedSpans] = SELF_METRICS.exporterSendFailed
export const sent = (values: string) => series(sentSpans, exporter, values)
export const ENV = labelName('deployment.environment.name')
/** An app's identity as Prometheus' OTLP receiver stores it, one sample per metrics push. */
export const target = (
  service: string,
  values: string,
  environment = 'production',
  instance = 'i1',
) =>
  series(
    'target_info',
    {
      job: `layercode/${service}`,
      instance,
      [labelName('service.name')]: service,
      [ENV]: environment,
      [labelName('service.instance.id')]: instance,
      telemetry_sdk_language: 'nodejs',
    },
    values,
  )
export const ERROR_RATE_RULE = 'layercode-error-rate'
export const COMPONENT_DOWN_RULE = 'layercode-component-down'
export const up = (job: string, values: string) =>
  series(SELF_METRICS.scrapeUp, { job, instance: `${job}:9` }, values)
export const FIRST_SPEECH_RULE = 'layercode-first-speech'
/** First-speech histogram buckets: `fast` turns land under 0.5 s, slow ones between 0.5 and 5 s. */
export const firstSpeechOf = (outcome: string, fastPer10s: number, slowPer10s: number) =>
  ['0.5', '5', '+Inf'].map((le) =>
    series(
      `${seriesName('layercode.turn.time_to_first_speech')}_bucket`,
      {
        [labelName('service.name')]: DEFAULT_SERVICE_NAME,
        [labelName('deployment.environment.name')]: 'production',
        [labelName(Attr.Outcome)]: outcome,
        [labelName(Attr.AgentName)]: 'echo',
        [labelName(Attr.EventType)]: 'message',
        le,
      },
      `0+${le === '0.5' ? fastPer10s : fastPer10s + slowPer10s}x40`,
    ),
  )
export const turnsOf = (
  environment: string,
  outcome: string,
  values: string,
  extra: Record<string, string> = {},
) =>
  series(
    `${seriesName('layercode.turn.duration')}_count`,
    {
      [labelName('service.name')]: DEFAULT_SERVICE_NAME,
      [ENV]: environment,
      [labelName(Attr.Outcome)]: outcome,
      [labelName(Attr.AgentName)]: 'echo',
      [labelName(Attr.EventType)]: 'message',
      ...extra,
    },
    values,
  )

export const REJECTED_RULE = 'layercode-webhooks-rejected'
/** Webhooks the agent refused for their signature, by reason, 10 s apart. */
export const rejected = (environment: string, reason: string, values: string) =>
  series(
    seriesName('layercode.webhook.rejections'),
    {
      [labelName('service.name')]: DEFAULT_SERVICE_NAME,
      [ENV]: environment,
      [labelName(Attr.AgentName)]: 'echo',
      [labelName(Attr.RejectionReason)]: reason,
    },
    values,
  )
export const inEnvironment = (environment: string) => ({
  [labelName('service.name')]: DEFAULT_SERVICE_NAME,
  [ENV]: environment,
})

export const CANARY_RULE = 'layercode-canary'
/** The canary's turns (tagged synthetic) of one outcome. */
export const canaryTurns = (environment: string, outcome: string, values: string) =>
  turnsOf(environment, outcome, values, { [labelName(Attr.Synthetic)]: 'true' })

export const TURN_SLO = sloById('turn-success')
export const SPEECH_SLO = sloById('first-speech')
export const page = (slo: typeof TURN_SLO) => burnAlertUid(slo, 'page')
export const ticket = (slo: typeof TURN_SLO) => burnAlertUid(slo, 'ticket')
/** Turns of one outcome: `perMinute` from minute `from` to `to`, flat before and after. */
export const turnsPerMinute = (
  environment: string,
  outcome: string,
  perMinute: number,
  minutes: number,
  from = 0,
  to = minutes,
) => {
  const rising = to - from
  const parts = [
    from > 0 ? `0x${from - 1}` : '',
    `0+${perMinute}x${rising}`,
    to < minutes ? `${perMinute * rising}x${minutes - to - 1}` : '',
  ]
  return turnsOf(environment, outcome, parts.filter(Boolean).join(' '))
}
/**
 * Classic first-speech buckets of non-failed turns: `fast` per minute within the SLO's
 * threshold (1.5 s), `slow` above it; and a failed turn's slow apology, which never counts.
 */
export const speechPerMinute = (
  fast: number,
  slow: number,
  minutes: number,
  environment = 'production',
) => {
  const labels = (outcome: string) => ({
    [labelName('service.name')]: DEFAULT_SERVICE_NAME,
    [ENV]: environment,
    [labelName(Attr.Outcome)]: outcome,
    [labelName(Attr.AgentName)]: 'echo',
    [labelName(Attr.EventType)]: 'message',
  })
  const name = seriesName('layercode.turn.time_to_first_speech')
  return [
    series(`${name}_bucket`, { ...labels('ok'), le: '1.5' }, `0+${fast}x${minutes}`),
    series(`${name}_count`, labels('ok'), `0+${fast + slow}x${minutes}`),
    series(`${name}_bucket`, { ...labels('error'), le: '1.5' }, `0x${minutes}`),
    series(`${name}_count`, labels('error'), `0+50x${minutes}`),
  ]
}
export const production = { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' }
/** 1 in 3 turns failing for the last half hour of 70 minutes. */
export const fastTurnBurn = [
  turnsPerMinute('production', 'ok', 60, 70),
  turnsPerMinute('production', 'error', 30, 70, 40),
]
/** 1% of turns failing for 4 hours (2x the budget). */
export const slowTurnBurn = [
  turnsPerMinute('production', 'ok', 100, 240),
  turnsPerMinute('production', 'error', 1, 240),
]
/**
 * A case over hours (the burn-rate and spend windows): `minutes` samples a minute apart,
 * evaluated at the last; `fires` with these labels, or stays quiet.
 */
export const minuteCase = (
  rule: string,
  name: string,
  input: unknown[],
  minutes: number,
  fires: Record<string, string> | null = null,
) => ({ rule, name, input, fires, interval: '1m', at: `${minutes}m` })

/**
 * Alert conditions as generated into grafana/alerting/rules.yaml, evaluated by promtool on
 * exact series: the cases a live run only meets by chance (a queue caught non-empty at every
 * scrape while it drains, a stall, a queue filling while it sends, dropped data; an agent
 * under a service name of the user's own going silent).
 */

export type RuleCase = {
  rule: string
  name: string
  input: unknown[]
  fires: Record<string, string> | null
  /** Sample interval and evaluation time, when not 10 s and 5m (the SLO cases run for hours). */
  interval?: string
  at?: string
}

/**
 * Registers one promtool alert test per case: the shipped rules (the recording files and the
 * Grafana rules' conditions as Prometheus alerts) evaluated on the case's synthetic series.
 */
export function checkRules(title: string, cases: readonly RuleCase[]): void {
  describe(title, { skip: missing }, () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'kit-rules-'))
      await writeFile(
        `${dir}/rules.yaml`,
        stringify({
          groups: [{ name: 'kit', rules: rules.map(({ uid, expr }) => ({ alert: uid, expr })) }],
        }),
      )
    })
    after(async () => {
      await rm(dir, { recursive: true, force: true })
    })
    for (const { rule, name, input, fires, interval = '10s', at = '5m' } of cases) {
      it(name, async () => {
        // The alert conditions read the recorded series: Prometheus' rule files load beside them.
        const files = [...KIT_RULE_FILES, 'rules.yaml']
        const result = await promtoolTest(dir, `${rule}-${name}`, files, {
          interval,
          input_series: input,
          alert_rule_test: [
            { eval_time: at, alertname: rule, exp_alerts: fires ? [{ exp_labels: fires }] : [] },
          ],
        })
        assert.ok(result.ok, result.output)
      })
    }
  })
}
