import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import {
  alertIn,
  burnAlertUid,
  COLLECTOR_TIERS,
  CONFIG,
  labelName,
  prometheusAlertName,
  ruleQueries,
  SCRAPED_COMPONENTS,
  SELF_METRICS,
  seriesName,
  sloById,
  THRESHOLD,
} from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { parse, stringify } from 'yaml'
import { rootPath } from '../stack/support.ts'
import { ensureBinaries } from './binaries.ts'
import { nativeSuiteGuard } from './guard.ts'
import { KIT_RULE_FILES, promtoolTest, series } from './promtool.ts'

const missing = await nativeSuiteGuard('alert rule unit tests', { root: false })

const EXPORT_RULE = 'layercode-collector-export'
const AGENT_DOWN_RULE = 'layercode-agent-down'
const rules = ruleQueries()
const exporter = {
  job: 'collector',
  instance: 'collector:8888',
  service_name: COLLECTOR_TIERS.single,
  exporter: 'otlp_http/traces',
}
/** The alert's labels: the tier and exporter, and the replica when its queue is stuck. */
const tierExporter = { service_name: exporter.service_name, exporter: exporter.exporter }
const stuckReplica = { ...tierExporter, instance: exporter.instance }
// Series names and labels as the rules query them (queries.ts), not typed again here.
const queue = (values: string) =>
  series(SELF_METRICS.queueSize, { ...exporter, data_type: 'traces' }, values)
const capacity = series(SELF_METRICS.queueCapacity, { ...exporter, data_type: 'traces' }, '5000x40')
const [sentSpans] = SELF_METRICS.exporterSent
const [sendFailedSpans] = SELF_METRICS.exporterSendFailed
const sent = (values: string) => series(sentSpans, exporter, values)
const ENV = labelName('deployment.environment.name')
/** An app's identity as Prometheus' OTLP receiver stores it, one sample per metrics push. */
const target = (service: string, values: string, environment = 'production', instance = 'i1') =>
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
const ERROR_RATE_RULE = 'layercode-error-rate'
const COMPONENT_DOWN_RULE = 'layercode-component-down'
const up = (job: string, values: string) =>
  series(SELF_METRICS.scrapeUp, { job, instance: `${job}:9` }, values)
const FIRST_SPEECH_RULE = 'layercode-first-speech'
/** First-speech histogram buckets: `fast` turns land under 0.5 s, slow ones between 0.5 and 5 s. */
const firstSpeechOf = (outcome: string, fastPer10s: number, slowPer10s: number) =>
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
const turnsOf = (
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

const REJECTED_RULE = 'layercode-webhooks-rejected'
/** Webhooks the agent refused for their signature, by reason, 10 s apart. */
const rejected = (environment: string, reason: string, values: string) =>
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
const inEnvironment = (environment: string) => ({
  [labelName('service.name')]: DEFAULT_SERVICE_NAME,
  [ENV]: environment,
})

const CANARY_RULE = 'layercode-canary'
/** The canary's turns (tagged synthetic) of one outcome. */
const canaryTurns = (environment: string, outcome: string, values: string) =>
  turnsOf(environment, outcome, values, { [labelName(Attr.Synthetic)]: 'true' })

const TURN_SLO = sloById('turn-success')
const SPEECH_SLO = sloById('first-speech')
const page = (slo: typeof TURN_SLO) => burnAlertUid(slo, 'page')
const ticket = (slo: typeof TURN_SLO) => burnAlertUid(slo, 'ticket')
/** Turns of one outcome: `perMinute` from minute `from` to `to`, flat before and after. */
const turnsPerMinute = (
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
const speechPerMinute = (
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
const production = { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' }
/** 1 in 3 turns failing for the last half hour of 70 minutes. */
const fastTurnBurn = [
  turnsPerMinute('production', 'ok', 60, 70),
  turnsPerMinute('production', 'error', 30, 70, 40),
]
/** 1% of turns failing for 4 hours (2x the budget). */
const slowTurnBurn = [
  turnsPerMinute('production', 'ok', 100, 240),
  turnsPerMinute('production', 'error', 1, 240),
]
/**
 * A case over hours (the burn-rate and spend windows): `minutes` samples a minute apart,
 * evaluated at the last; `fires` with these labels, or stays quiet.
 */
const minuteCase = (
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
describe('alert conditions, evaluated by promtool on synthetic series', {
  skip: missing,
}, () => {
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

  const cases: Array<{
    rule: string
    name: string
    input: unknown[]
    fires: Record<string, string> | null
    /** Sample interval and evaluation time, when not 10 s and 5m (the SLO cases run for hours). */
    interval?: string
    at?: string
  }> = [
    {
      rule: EXPORT_RULE,
      name: 'stays quiet for a busy queue that is never empty when scraped but keeps sending',
      input: [queue('1x40'), capacity, sent('0+50x40')],
      fires: null,
    },
    {
      rule: EXPORT_RULE,
      name: 'stays quiet for an idle exporter',
      input: [queue('0x40'), capacity, sent('100x40')],
      fires: null,
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for a queue holding data while nothing is sent (backend down)',
      input: [queue('0+3x40'), capacity, sent('100x40')],
      fires: stuckReplica,
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for one stuck replica of a tier while another replica of it sends',
      input: [
        queue('0+3x40'),
        capacity,
        sent('100x40'),
        series(
          SELF_METRICS.queueSize,
          { ...exporter, instance: 'b:8888', data_type: 'traces' },
          '1x40',
        ),
        series(
          SELF_METRICS.queueCapacity,
          { ...exporter, instance: 'b:8888', data_type: 'traces' },
          '5000x40',
        ),
        series(sentSpans, { ...exporter, instance: 'b:8888' }, '0+50x40'),
      ],
      fires: stuckReplica,
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for a backend down since the start (no sent series at all)',
      input: [queue('0+3x40'), capacity],
      fires: stuckReplica,
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for a queue over half full even while it sends (backend too slow)',
      input: [queue('3000+0x40'), capacity, sent('0+50x40')],
      fires: tierExporter,
    },
    {
      rule: EXPORT_RULE,
      name: 'fires when data is dropped (a permanent send failure)',
      input: [
        queue('0x40'),
        capacity,
        sent('0+50x40'),
        series(sendFailedSpans, exporter, '0x10 0+10x30'),
      ],
      fires: tierExporter,
    },
    {
      rule: 'layercode-collector-refusing',
      name: 'names the receiver that refuses data',
      input: [
        series(
          SELF_METRICS.receiverRefused[0],
          {
            job: 'collector',
            service_name: COLLECTOR_TIERS.gateway,
            receiver: 'otlp',
            transport: 'http',
          },
          '0x10 0+20x30',
        ),
        series(
          SELF_METRICS.receiverAccepted[0],
          {
            job: 'collector',
            service_name: COLLECTOR_TIERS.gateway,
            receiver: 'host_metrics',
            transport: 'x',
          },
          '0+20x40',
        ),
      ],
      fires: { service_name: COLLECTOR_TIERS.gateway, receiver: 'otlp' },
    },
    {
      rule: COMPONENT_DOWN_RULE,
      name: 'stays quiet while every component answers its scrape, and for Grafana down',
      input: [
        ...SCRAPED_COMPONENTS.map((job) => up(job, '1x40')),
        up('grafana', '0x40'),
        up('prometheus', '1x40'),
      ],
      fires: null,
    },
    {
      rule: COMPONENT_DOWN_RULE,
      name: 'names the component Prometheus cannot scrape',
      input: [...SCRAPED_COMPONENTS.map((job) => up(job, job === 'loki' ? '1x20 0x20' : '1x40'))],
      fires: { job: 'loki', instance: 'loki:9' },
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'stays quiet while every agent reports',
      input: [target(DEFAULT_SERVICE_NAME, '1x40'), target('my-agent', '0x40')],
      fires: null,
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'fires for an agent under its own OTEL_SERVICE_NAME that went silent, naming it',
      input: [target(DEFAULT_SERVICE_NAME, '1x40'), target('my-agent', '0x20 _x20')],
      fires: { [labelName('service.name')]: 'my-agent', [ENV]: 'production' },
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'fires once, naming the service, when the only agent stops',
      input: [target(DEFAULT_SERVICE_NAME, '1x20 _x20')],
      fires: { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' },
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'fires for a silent production while staging (same service name) still reports',
      input: [
        target(DEFAULT_SERVICE_NAME, '1x20 _x20', 'production'),
        target(DEFAULT_SERVICE_NAME, '1x40', 'staging'),
      ],
      fires: { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' },
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'stays quiet when one replica of several stops (the others report)',
      input: [
        target(DEFAULT_SERVICE_NAME, '1x20 _x20', 'production', 'replica-1'),
        target(DEFAULT_SERVICE_NAME, '1x40', 'production', 'replica-2'),
      ],
      fires: null,
    },
    {
      rule: ERROR_RATE_RULE,
      name: 'stays quiet at low volume: 1 failed turn out of 2',
      input: [
        turnsOf('production', 'ok', '0x20 1x20'),
        turnsOf('production', 'error', '0x20 1x20'),
      ],
      fires: null,
    },
    {
      rule: ERROR_RATE_RULE,
      name: 'fires for a failing production beside a busy, healthy staging of the same service',
      input: [
        turnsOf('production', 'ok', '0+2x40'),
        turnsOf('production', 'error', '0+1x40'),
        turnsOf('staging', 'ok', '0+100x40'),
      ],
      fires: { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' },
    },
    {
      rule: FIRST_SPEECH_RULE,
      name: 'first speech stays quiet when only failed turns (their apology) were slow',
      input: [...firstSpeechOf('ok', 10, 0), ...firstSpeechOf('error', 0, 10)],
      fires: null,
    },
    {
      rule: FIRST_SPEECH_RULE,
      name: 'first speech fires when successful turns are slow to speak',
      input: [...firstSpeechOf('ok', 1, 9)],
      fires: {
        [labelName('service.name')]: DEFAULT_SERVICE_NAME,
        [ENV]: 'production',
        [labelName(Attr.AgentName)]: 'echo',
      },
    },
    {
      rule: FIRST_SPEECH_RULE,
      name: 'first speech reads native histograms too: a slow service fires, a fast one stays quiet',
      input: [
        // 10 turns every 10 s, all in schema 0 bucket 2 ((2, 4] s) for one, bucket -1 for the other
        ...[
          ['python-slow', 2],
          ['python-fast', -1],
        ].map(([service, index]) =>
          series(
            seriesName('layercode.turn.time_to_first_speech'),
            {
              [labelName('service.name')]: String(service),
              [labelName('deployment.environment.name')]: 'production',
              [labelName(Attr.Outcome)]: 'ok',
              [labelName(Attr.AgentName)]: 'bakery',
              [labelName(Attr.EventType)]: 'message',
            },
            `{{schema:0 sum:0 count:0}}+{{schema:0 sum:30 count:10 offset:${index} buckets:[10]}}x40`,
          ),
        ),
      ],
      fires: {
        [labelName('service.name')]: 'python-slow',
        [ENV]: 'production',
        [labelName(Attr.AgentName)]: 'bakery',
      },
    },
    {
      rule: ERROR_RATE_RULE,
      name: 'stays quiet for a healthy service at volume',
      input: [turnsOf('production', 'ok', '0+10x40'), turnsOf('production', 'error', '0x40')],
      fires: null,
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'fires when no agent has reported at all',
      input: [queue('0x40')],
      fires: {},
    },
    {
      rule: AGENT_DOWN_RULE,
      name: "the collector's scraped target_info (no environment) is not an app",
      input: [
        series(
          'target_info',
          { job: 'collector', instance: 'collector:8888', service_name: 'otelcol-contrib' },
          '1x40',
        ),
      ],
      fires: {},
    },
    {
      rule: AGENT_DOWN_RULE,
      name: 'fires for a silent app of another SDK (no kit metrics) beside a reporting one',
      input: [target(DEFAULT_SERVICE_NAME, '1x40'), target('bakery-python', '1x20 _x20')],
      fires: { [labelName('service.name')]: 'bakery-python', [ENV]: 'production' },
    },
    // An hour at 60% of the budget, and at twice it.
    ...(
      [
        ['stays quiet under the budget', 0.6, null],
        ['fires over the budget, naming the service and environment', 2, production],
      ] as const
    ).map(([name, share, fires]) =>
      minuteCase(
        'layercode-spend',
        `spend ${name}: ${share * THRESHOLD.spendPerHourUsd} USD in the hour`,
        [
          series(
            seriesName('layercode.cost'),
            {
              ...production,
              [labelName(Attr.AgentName)]: 'echo',
              [labelName(Attr.CostItem)]: 'output',
              [labelName(Attr.RequestModel)]: 'gpt-4o',
            },
            `0+${(share * THRESHOLD.spendPerHourUsd) / 60}x60`,
          ),
          // Another environment's spend is not added to production's.
          series(
            seriesName('layercode.cost'),
            {
              ...production,
              [ENV]: 'staging',
              [labelName(Attr.AgentName)]: 'echo',
              [labelName(Attr.CostItem)]: 'tts',
            },
            `0+${(0.6 * alertIn(CONFIG, 'spend_per_hour', 'staging').threshold) / 60}x60`,
          ),
        ],
        60,
        fires,
      ),
    ),
    // Burn-rate alerts (slos.ts), a sample a minute: budget 0.5% of turns, 5% of first speeches.
    minuteCase(
      page(TURN_SLO),
      'turn success: a fast burn pages (1 in 3 turns failing for half an hour)',
      fastTurnBurn,
      70,
      production,
    ),
    minuteCase(
      ticket(TURN_SLO),
      'turn success: a fast burn pages, so it raises no ticket too',
      fastTurnBurn,
      70,
    ),
    minuteCase(
      ticket(TURN_SLO),
      'turn success: a slow burn (1% failing for 4 hours, 2x) raises a ticket',
      slowTurnBurn,
      240,
      production,
    ),
    minuteCase(page(TURN_SLO), 'turn success: a slow burn does not page', slowTurnBurn, 240),
    minuteCase(
      page(TURN_SLO),
      'turn success: no page once the burning stopped (45 min without failures)',
      [
        turnsPerMinute('production', 'ok', 60, 75),
        turnsPerMinute('production', 'error', 30, 75, 0, 30),
      ],
      75,
    ),
    ...[page(TURN_SLO), ticket(TURN_SLO)].flatMap((rule) => [
      // Both in the last 5 minutes, so only the minimum volume keeps it quiet.
      minuteCase(
        rule,
        `${rule}: a quiet service stays quiet (1 failed turn of 2 in hours)`,
        [
          turnsPerMinute('production', 'ok', 1, 240, 236, 237),
          turnsPerMinute('production', 'error', 1, 240, 238, 239),
        ],
        240,
      ),
      minuteCase(
        rule,
        `${rule}: a healthy service at volume stays quiet`,
        [
          turnsPerMinute('production', 'ok', 100, 240),
          turnsPerMinute('production', 'error', 0, 240),
        ],
        240,
      ),
    ]),
    minuteCase(
      page(TURN_SLO),
      'turn success: a failing staging pages for staging only, beside a healthy production',
      [
        turnsPerMinute('production', 'ok', 100, 70),
        turnsPerMinute('staging', 'ok', 10, 70),
        turnsPerMinute('staging', 'error', 10, 70, 40),
      ],
      70,
      { ...production, [ENV]: 'staging' },
    ),
    minuteCase(
      page(SPEECH_SLO),
      'first speech: a fast burn pages (80% of turns slow to speak)',
      speechPerMinute(2, 8, 70),
      70,
      production,
    ),
    minuteCase(
      ticket(SPEECH_SLO),
      'first speech: a slow burn (20% slow, 4x) raises a ticket, not a page',
      speechPerMinute(8, 2, 240),
      240,
      production,
    ),
    minuteCase(
      page(SPEECH_SLO),
      'first speech: a slow burn does not page',
      speechPerMinute(8, 2, 240),
      240,
    ),
    ...[page(SPEECH_SLO), ticket(SPEECH_SLO)].map((rule) =>
      minuteCase(
        rule,
        `${rule}: quiet when only failed turns (their apology) are slow`,
        speechPerMinute(10, 0, 240),
        240,
      ),
    ),
    minuteCase(
      page(SPEECH_SLO),
      'first speech: native histograms too, a slow service pages and a fast one stays quiet',
      [
        ...[
          ['python-slow', 2],
          ['python-fast', -1],
        ].map(([service, index]) =>
          series(
            seriesName('layercode.turn.time_to_first_speech'),
            {
              [labelName('service.name')]: String(service),
              [ENV]: 'production',
              [labelName(Attr.Outcome)]: 'ok',
              [labelName(Attr.AgentName)]: 'bakery',
              [labelName(Attr.EventType)]: 'message',
            },
            `{{schema:0 sum:0 count:0}}+{{schema:0 sum:30 count:10 offset:${index} buckets:[10]}}x70`,
          ),
        ),
      ],
      70,
      { [labelName('service.name')]: 'python-slow', [ENV]: 'production' },
    ),
  ]

  // The canary: 4 turns a minute (one conversation), evaluated at minute 30.
  const canaryCases = [
    minuteCase(
      CANARY_RULE,
      'canary stays quiet while its turns succeed, with no real traffic at all',
      [canaryTurns('production', 'ok', '0+4x30')],
      30,
    ),
    minuteCase(
      CANARY_RULE,
      'canary stays quiet where no canary ever ran (real turns only)',
      [turnsPerMinute('production', 'ok', 60, 30)],
      30,
    ),
    minuteCase(
      CANARY_RULE,
      'canary fires when its turns stop arriving (the agent still exports its counters)',
      [canaryTurns('production', 'ok', '0+4x22 88x8')],
      30,
      production,
    ),
    minuteCase(
      CANARY_RULE,
      'canary fires when its series vanish (the agent or the pipeline is gone)',
      [canaryTurns('production', 'ok', '0+4x20 _x10')],
      30,
      production,
    ),
    minuteCase(
      CANARY_RULE,
      'canary fires for 2 failed turns in 5 minutes while others succeed',
      [canaryTurns('production', 'ok', '0+3x30'), canaryTurns('production', 'error', '0x27 1 2 2')],
      30,
      production,
    ),
    minuteCase(
      CANARY_RULE,
      'canary stays quiet for a single failed turn',
      [canaryTurns('production', 'ok', '0+3x30'), canaryTurns('production', 'error', '0x27 1x3')],
      30,
    ),
    minuteCase(
      CANARY_RULE,
      'canary names the environment whose canary stopped, not the one whose canary runs',
      [canaryTurns('production', 'ok', '0+4x30'), canaryTurns('staging', 'ok', '0+4x20 80x10')],
      30,
      { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'staging' },
    ),
    minuteCase(
      ERROR_RATE_RULE,
      "the error rate ignores the canary's turns: a failing canary beside healthy callers",
      [turnsPerMinute('production', 'ok', 60, 30), canaryTurns('production', 'error', '0+20x30')],
      30,
    ),
    minuteCase(
      page(TURN_SLO),
      "the turn-success SLO ignores the canary's turns: no page for a failing canary",
      [turnsPerMinute('production', 'ok', 60, 70), canaryTurns('production', 'error', '0+20x70')],
      70,
    ),
    minuteCase(
      ERROR_RATE_RULE,
      'the error rate still fires for failing callers beside a healthy canary',
      [
        turnsPerMinute('production', 'ok', 60, 30),
        turnsPerMinute('production', 'error', 30, 30),
        canaryTurns('production', 'ok', '0+1000x30'),
      ],
      30,
      production,
    ),
  ]
  cases.push(...canaryCases)
  // The errors inbox's alerts (recording.ts: layercode-errors), on the counter and the first /
  // last-seen gauges each process reports (Unix seconds; promtool's clock starts at 0).
  {
    const kind = {
      [labelName(Attr.ErrorFingerprint)]: '072c43f154851d4c',
      [labelName(Attr.ErrorType)]: 'Error',
      [labelName(Attr.ErrorMessage)]: 'order <n> failed: kitchen closed',
    }
    const fires = (environment = 'production') => ({ ...inEnvironment(environment), ...kind })
    const errorSeries = (
      values: { count: string; first: string; last: string },
      environment = 'production',
      extra: Record<string, string> = {},
    ) => {
      const labels = {
        ...inEnvironment(environment),
        [labelName('service.version')]: '1.4.0',
        job: `layercode/${DEFAULT_SERVICE_NAME}`,
        instance: 'i1',
        ...kind,
        ...extra,
      }
      return [
        series(seriesName('layercode.errors'), labels, values.count),
        series(seriesName('layercode.error.first_seen'), labels, values.first),
        series(seriesName('layercode.error.last_seen'), labels, values.last),
      ]
    }
    const NEW = 'layercode-new-error'
    const REGRESSION = 'layercode-error-regression'
    /** A kind first counted at 180 s (its first sample already holds one), then 2 more. */
    const newKind = { count: '_x18 1 2 3x10', first: '_x18 180x12', last: '_x18 180 190 200x10' }
    /** Errors from the start and all along: a kind seen 20 minutes ago is no longer new. */
    const recurring = { count: '1+1x130', first: '0x130', last: '0+10x130' }
    /** Minutes 0-2, then nothing for 24.9 hours, then 4 more at minutes 1497-1500. */
    const back = (last: string, count = '1+1x2 3x1493 4+1x3') => ({
      count,
      first: '0x1500',
      last,
    })
    const absent = '0+60x2 120x1493 89820+60x3'
    cases.push(
      {
        rule: NEW,
        name: 'fires for a kind never seen before',
        input: errorSeries(newKind),
        fires: fires(),
      },
      {
        rule: NEW,
        name: 'stays quiet for a kind seen for 20 minutes',
        input: errorSeries(recurring),
        fires: null,
        at: '20m',
      },
      {
        rule: NEW,
        name: 'stays quiet for a new kind that occurred once (under min_occurrences)',
        input: errorSeries({ ...newKind, count: '_x18 1x12' }),
        fires: null,
      },
      {
        rule: NEW,
        name: 'fires in the environment where the kind is new, not where it recurs',
        input: [
          // First counted at 18 minutes in production; in staging all along.
          ...errorSeries(
            { count: '_x108 1 2 3x20', first: '_x108 1080x22', last: '_x108 1080 1090 1100x20' },
            'production',
          ),
          ...errorSeries(recurring, 'staging'),
        ],
        fires: fires('production'),
        at: '20m',
      },
      {
        rule: NEW,
        name: 'stays quiet for a new kind in synthetic traffic only',
        input: errorSeries(newKind, 'production', { [labelName(Attr.Synthetic)]: 'true' }),
        fires: null,
      },
      minuteCase(
        REGRESSION,
        `fires for a kind back after ${CONFIG.alerts.error_regression.absent_for} without it`,
        errorSeries(back(absent)),
        1500,
        fires(),
      ),
      minuteCase(
        REGRESSION,
        'stays quiet for a kind last seen under 24 hours ago',
        errorSeries(back('0+60x2 120x797 48000x695 89820+60x3')),
        1500,
      ),
      minuteCase(
        REGRESSION,
        'stays quiet for a kind back with one error (under min_occurrences)',
        errorSeries(back(absent, '1+1x2 3x1493 4x4')),
        1500,
      ),
      minuteCase(
        REGRESSION,
        'fires in the environment where the kind is back, not where it never left',
        [
          ...errorSeries(back(absent), 'production'),
          ...errorSeries({ count: '1+1x1500', first: '0x1500', last: '0+60x1500' }, 'staging'),
        ],
        1500,
        fires('production'),
      ),
      {
        rule: REGRESSION,
        name: 'stays quiet for a new kind (never seen before is not back)',
        input: errorSeries(newKind),
        fires: null,
      },
    )
  }
  // The token alert in either generation of the GenAI names (docs/telemetry.md): an app on the
  // latest counters alone, an app on both (the /dup switch) counted once, and two replicas of
  // one service on different generations counted both.
  {
    const hourly = alertIn(CONFIG, 'tokens_per_hour', 'production').threshold
    const app = (instance: string) => ({
      ...inEnvironment('production'),
      job: `layercode/${DEFAULT_SERVICE_NAME}`,
      instance,
      [labelName(Attr.AgentName)]: 'echo',
      [labelName(Attr.RequestModel)]: 'gpt-4o',
    })
    /** `share` of the hourly threshold a minute for an hour, as input tokens. */
    const legacy = (instance: string, share: number) =>
      series(
        `${seriesName('gen_ai.client.token.usage')}_sum`,
        { ...app(instance), [labelName(Attr.TokenType)]: 'input' },
        `0+${(share * hourly) / 60}x60`,
      )
    const latest = (instance: string, share: number) =>
      series(
        seriesName('gen_ai.client.inference.usage.input_tokens'),
        { ...app(instance), [labelName(Attr.TokenModality)]: 'text' },
        `0+${(share * hourly) / 60}x60`,
      )
    const TOKEN_RULE = 'layercode-token-usage'
    cases.push(
      minuteCase(
        TOKEN_RULE,
        'fires on the latest token counters alone',
        [latest('i1', 2)],
        60,
        production,
      ),
      minuteCase(
        TOKEN_RULE,
        'stays quiet for the latest counters under the threshold',
        [latest('i1', 0.6)],
        60,
      ),
      minuteCase(
        TOKEN_RULE,
        'stays quiet for an app on both generations (/dup) under the threshold: counted once',
        [legacy('i1', 0.6), latest('i1', 0.6)],
        60,
      ),
      minuteCase(
        TOKEN_RULE,
        'fires for two replicas of one service, one per generation, over it together',
        [legacy('i1', 0.6), latest('i2', 0.6)],
        60,
        production,
      ),
    )
  }
  cases.push(
    {
      rule: REJECTED_RULE,
      name: 'fires when a rotated secret refuses every webhook (turns stop, rejections go on)',
      // Turns until minute 2, then none: every webhook from then on is a mismatch.
      input: [
        turnsOf('production', 'ok', '0+3x12 36x28'),
        rejected('production', 'mismatch', '0x12 0+3x28'),
      ],
      fires: inEnvironment('production'),
    },
    {
      rule: REJECTED_RULE,
      name: 'fires for a clock off by more than the tolerance (stale), per environment',
      input: [
        turnsOf('production', 'ok', '0+3x40'),
        rejected('production', 'mismatch', '0x40'),
        rejected('staging', 'stale', '0+2x40'),
      ],
      fires: inEnvironment('staging'),
    },
    {
      rule: REJECTED_RULE,
      name: 'stays quiet for an occasional bad request beside real traffic',
      input: [
        turnsOf('production', 'ok', '0+3x40'),
        rejected('production', 'mismatch', '0x20 1x10 2x10'),
      ],
      fires: null,
    },
    {
      rule: REJECTED_RULE,
      name: 'stays quiet for a few refusals in a quiet hour, under the minimum',
      input: [rejected('production', 'mismatch', '0x10 1x10 3x10 5x10')],
      fires: null,
    },
    {
      rule: REJECTED_RULE,
      name: 'stays quiet for scanners (missing or malformed signatures), however many',
      input: [
        turnsOf('production', 'ok', '0x40'),
        rejected('production', 'missing', '0+20x40'),
        rejected('production', 'malformed', '0+20x40'),
      ],
      fires: null,
    },
  )

  // Every rule per service and environment (the pipeline's rules are per component): a failing
  // production fires beside a busy, healthy staging, and two environments each under their
  // own threshold (layercode-kit.yaml, staging's overrides included) stay quiet.
  type State = 'failing' | 'healthy' | 'under'
  const labelsIn = (environment: string, extra: Record<string, string> = {}) => ({
    ...inEnvironment(environment),
    [labelName(Attr.AgentName)]: 'echo',
    [labelName(Attr.EventType)]: 'message',
    ...extra,
  })
  /** Classic buckets of a latency histogram: `per10s` observations, all in (low, high]. */
  const latency = (metric: string, environment: string, high: string, per10s: number) =>
    ['0.5', '1', '1.5', '2', '3', '+Inf'].map((le) =>
      series(
        `${seriesName(metric as 'layercode.turn.duration')}_bucket`,
        labelsIn(environment, { [labelName(Attr.Outcome)]: 'ok', le }),
        `0+${le === '+Inf' || Number(le) >= Number(high) ? per10s : 0}x40`,
      ),
    )
  const within = (
    key: 'latency_p95' | 'first_speech_p95',
    metric: string,
    environment: string,
    state: State,
  ) => {
    const threshold = alertIn(CONFIG, key, environment).threshold
    // Failing: every turn slower than the threshold; otherwise every one within half of it.
    const bound = state === 'failing' ? '3' : threshold / 2 >= 1 ? '1' : '0.5'
    return latency(metric, environment, bound, state === 'healthy' ? 50 : 5)
  }
  const tokensIn = (environment: string, perMinute: number) =>
    series(
      `${seriesName('gen_ai.client.token.usage')}_sum`,
      { ...labelsIn(environment), gen_ai_token_type: 'input', gen_ai_request_model: 'gpt-4o' },
      `0+${perMinute}x60`,
    )
  const costIn = (environment: string, perMinute: number) =>
    series(
      seriesName('layercode.cost'),
      { ...labelsIn(environment), [labelName(Attr.CostItem)]: 'output' },
      `0+${perMinute}x60`,
    )
  const perEnvironment: Record<
    string,
    { input: (environment: string, state: State) => unknown[]; minutes?: number; agent?: boolean }
  > = {
    [ERROR_RATE_RULE]: {
      input: (env, state) =>
        state === 'failing'
          ? [turnsOf(env, 'ok', '0+2x40'), turnsOf(env, 'error', '0+1x40')]
          : state === 'healthy'
            ? [turnsOf(env, 'ok', '0+100x40')]
            : // 2.5% failing: under 5% (production) and 20% (staging's override).
              [turnsOf(env, 'ok', '0+39x40'), turnsOf(env, 'error', '0+1x40')],
    },
    'layercode-latency-p95': {
      input: (env, state) => within('latency_p95', 'layercode.turn.duration', env, state),
    },
    [FIRST_SPEECH_RULE]: {
      input: (env, state) =>
        within('first_speech_p95', 'layercode.turn.time_to_first_speech', env, state),
      agent: true,
    },
    'layercode-token-usage': {
      minutes: 60,
      input: (env, state) => {
        const hourly = alertIn(CONFIG, 'tokens_per_hour', env).threshold
        return [
          tokensIn(
            env,
            (state === 'failing' ? 2 : state === 'healthy' ? 0.9 : 0.5) * (hourly / 60),
          ),
        ]
      },
    },
    'layercode-spend': {
      minutes: 60,
      input: (env, state) => {
        const hourly = alertIn(CONFIG, 'spend_per_hour', env).threshold
        return [
          costIn(env, (state === 'failing' ? 2 : state === 'healthy' ? 0.9 : 0.5) * (hourly / 60)),
        ]
      },
    },
    [REJECTED_RULE]: {
      input: (env, state) =>
        state === 'failing'
          ? [turnsOf(env, 'ok', '0+3x10 30x30'), rejected(env, 'mismatch', '0x10 0+3x30')]
          : state === 'healthy'
            ? [turnsOf(env, 'ok', '0+100x40'), rejected(env, 'mismatch', '0x40')]
            : [turnsOf(env, 'ok', '0+10x40'), rejected(env, 'mismatch', '0+1x40')],
    },
    [CANARY_RULE]: {
      input: (env, state) =>
        state === 'failing'
          ? [canaryTurns(env, 'ok', '0+3x40'), canaryTurns(env, 'error', '0+1x40')]
          : state === 'healthy'
            ? [canaryTurns(env, 'ok', '0+4x40')]
            : // One failure in the window: under two.
              [canaryTurns(env, 'ok', '0+3x40'), canaryTurns(env, 'error', '0x36 1x4')],
    },
    [AGENT_DOWN_RULE]: {
      input: (env, state) => [
        target(DEFAULT_SERVICE_NAME, state === 'failing' ? '1x20 _x20' : '1x40', env),
      ],
    },
    [page(TURN_SLO)]: {
      minutes: 70,
      input: (env, state) =>
        state === 'failing'
          ? [turnsPerMinute(env, 'ok', 60, 70), turnsPerMinute(env, 'error', 30, 70, 40)]
          : state === 'healthy'
            ? [turnsPerMinute(env, 'ok', 1000, 70)]
            : // 0.2% failing: under the 0.5% budget.
              [turnsPerMinute(env, 'ok', 998, 70), turnsPerMinute(env, 'error', 2, 70)],
    },
    [ticket(TURN_SLO)]: {
      minutes: 240,
      input: (env, state) =>
        state === 'failing'
          ? [turnsPerMinute(env, 'ok', 100, 240), turnsPerMinute(env, 'error', 1, 240)]
          : state === 'healthy'
            ? [turnsPerMinute(env, 'ok', 1000, 240)]
            : [turnsPerMinute(env, 'ok', 998, 240), turnsPerMinute(env, 'error', 2, 240)],
    },
    [page(SPEECH_SLO)]: {
      minutes: 70,
      input: (env, state) =>
        speechPerMinute(
          ...((state === 'failing' ? [2, 8] : state === 'healthy' ? [100, 0] : [99, 1]) as [
            number,
            number,
          ]),
          70,
          env,
        ),
    },
    [ticket(SPEECH_SLO)]: {
      minutes: 240,
      input: (env, state) =>
        speechPerMinute(
          ...((state === 'failing' ? [8, 2] : state === 'healthy' ? [100, 0] : [99, 1]) as [
            number,
            number,
          ]),
          240,
          env,
        ),
    },
  }
  for (const [rule, { input, minutes, agent }] of Object.entries(perEnvironment)) {
    const timing = minutes ? { interval: '1m', at: `${minutes}m` } : {}
    cases.push(
      {
        rule,
        name: `${rule}: a failing production fires beside a busy, healthy staging`,
        input: [...input('production', 'failing'), ...input('staging', 'healthy')],
        fires: { ...production, ...(agent ? { [labelName(Attr.AgentName)]: 'echo' } : {}) },
        ...timing,
      },
      {
        rule,
        name: `${rule}: production and staging each under their threshold stay quiet`,
        input: [...input('production', 'under'), ...input('staging', 'under')],
        fires: null,
        ...timing,
      },
    )
  }

  it('every rule per service and environment has its two environment cases', () => {
    const perComponent = ['layercode-component-down', 'layercode-collector-refusing', EXPORT_RULE]
    // Per kind of error too: their environment cases are with the errors inbox's cases above.
    const perKind = ['layercode-new-error', 'layercode-error-regression']
    for (const { uid } of rules)
      assert.ok(
        perComponent.includes(uid) || perKind.includes(uid) || perEnvironment[uid],
        `${uid} has a failing-production and an under-threshold case`,
      )
  })

  it('every rule evaluated here is a shipped rule', () => {
    for (const uid of new Set(cases.map((c) => c.rule)))
      assert.ok(
        rules.some((r) => r.uid === uid),
        `${uid} is in grafana/alerting/rules.yaml`,
      )
  })

  it('every burn-rate alert has a case that fires and one that stays quiet', () => {
    for (const uid of [page(TURN_SLO), ticket(TURN_SLO), page(SPEECH_SLO), ticket(SPEECH_SLO)]) {
      assert.ok(
        cases.some((c) => c.rule === uid && c.fires),
        `${uid} fires`,
      )
      assert.ok(
        cases.some((c) => c.rule === uid && !c.fires),
        `${uid} stays quiet`,
      )
    }
  })

  for (const { rule, name, input, fires, interval = '10s', at = '5m' } of cases) {
    it(name, async () => {
      // The alert conditions read the recorded series: Prometheus' rule files load beside them.
      const result = await promtoolTest(dir, `${rule}-${name}`, [...KIT_RULE_FILES, 'rules.yaml'], {
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

/**
 * The shipped rule files as Prometheus and a Mimir ruler load them: promtool checks them,
 * Sloth regenerates the SLO rules byte for byte from the spec, and the exported Prometheus
 * alerts fire with their own `for` on the recorded series.
 */
describe('shipped rule files', { skip: missing }, () => {
  const run = promisify(execFile)
  const alertFiles = [rootPath('prometheus/alerts/layercode.yaml')]

  it('pass promtool check rules (recording, Sloth and the Prometheus alerts)', async () => {
    const { promtool } = await ensureBinaries()
    const { stdout } = await run(promtool, ['check', 'rules', ...KIT_RULE_FILES, ...alertFiles])
    assert.equal(
      stdout.match(/SUCCESS/g)?.length,
      KIT_RULE_FILES.length + alertFiles.length,
      stdout,
    )
  })

  it("are Sloth's output for the shipped spec (npm run slo --check, the real Sloth)", async () => {
    const { stderr } = await run(process.execPath, [rootPath('scripts/slo.ts'), '--check'], {
      cwd: rootPath('.'),
    })
    assert.doesNotMatch(stderr, /stale/)
  })

  it('fire as Prometheus alerts with their own for, labels and annotations', async () => {
    // The shipped annotations, templates rendered as Prometheus renders them (1 in 3 failing).
    const shipped = parse(readFileSync(alertFiles[0] ?? '', 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }>
    }
    const rule = shipped.groups[0]?.rules.find(
      (r) => r.alert === prometheusAlertName(ERROR_RATE_RULE),
    )
    const annotations = Object.fromEntries(
      Object.entries(rule?.annotations ?? {}).map(([k, v]) => [
        k,
        v
          .replace('{{ humanizePercentage $value }}', '33.33%')
          .replace('{{ index $labels "service_name" }}', DEFAULT_SERVICE_NAME)
          .replace('{{ index $labels "deployment_environment_name" }}', 'production'),
      ]),
    )
    assert.match(
      annotations.summary ?? '',
      /^33\.33% of turns fail \(service layercode-agent, production;/,
    )
    const dir = await mkdtemp(path.join(tmpdir(), 'kit-prom-alerts-'))
    try {
      const result = await promtoolTest(
        dir,
        'prometheus-alerts',
        [...KIT_RULE_FILES, ...alertFiles],
        {
          input_series: [
            turnsOf('production', 'ok', '0+2x40'),
            turnsOf('production', 'error', '0+1x40'),
          ],
          alert_rule_test: [
            // Pending for its `for` (2m) after the 5-minute window fills: not yet at 1m.
            { eval_time: '1m', alertname: prometheusAlertName(ERROR_RATE_RULE), exp_alerts: [] },
            {
              eval_time: '5m',
              alertname: prometheusAlertName(ERROR_RATE_RULE),
              exp_alerts: [
                {
                  exp_labels: { ...production, severity: 'critical' },
                  exp_annotations: annotations,
                },
              ],
            },
          ],
        },
      )
      assert.ok(result.ok, result.output)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
