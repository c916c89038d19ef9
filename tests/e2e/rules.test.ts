import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  labelName,
  ruleQueries,
  SCRAPED_COMPONENTS,
  SELF_METRICS,
  seriesName,
} from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { stringify } from 'yaml'
import { nativeSuiteGuard } from './guard.ts'
import { promtoolTest, series } from './promtool.ts'

const missing = await nativeSuiteGuard('alert rule unit tests', { root: false })

const EXPORT_RULE = 'layercode-collector-export'
const AGENT_DOWN_RULE = 'layercode-agent-down'
const rules = ruleQueries()
const exporter = { job: 'collector', instance: 'collector:8888', exporter: 'otlp_http/traces' }
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
const turnsOf = (environment: string, outcome: string, values: string) =>
  series(
    seriesName('layercode.turns'),
    {
      [labelName('service.name')]: DEFAULT_SERVICE_NAME,
      [ENV]: environment,
      [labelName(Attr.Outcome)]: outcome,
      [labelName(Attr.AgentName)]: 'echo',
      [labelName(Attr.EventType)]: 'message',
    },
    values,
  )

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
      fires: { exporter: exporter.exporter },
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for a backend down since the start (no sent series at all)',
      input: [queue('0+3x40'), capacity],
      fires: { exporter: exporter.exporter },
    },
    {
      rule: EXPORT_RULE,
      name: 'fires for a queue over half full even while it sends (backend too slow)',
      input: [queue('3000+0x40'), capacity, sent('0+50x40')],
      fires: { exporter: exporter.exporter },
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
      fires: { exporter: exporter.exporter },
    },
    {
      rule: 'layercode-collector-refusing',
      name: 'names the receiver that refuses data',
      input: [
        series(
          SELF_METRICS.receiverRefused[0],
          { job: 'collector', receiver: 'otlp', transport: 'http' },
          '0x10 0+20x30',
        ),
        series(
          SELF_METRICS.receiverAccepted[0],
          { job: 'collector', receiver: 'host_metrics', transport: 'x' },
          '0+20x40',
        ),
      ],
      fires: { receiver: 'otlp' },
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
      fires: { [labelName('service.name')]: 'python-slow', [labelName(Attr.AgentName)]: 'bakery' },
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
  ]

  it('every rule evaluated here is a shipped rule', () => {
    for (const uid of new Set(cases.map((c) => c.rule)))
      assert.ok(
        rules.some((r) => r.uid === uid),
        `${uid} is in grafana/alerting/rules.yaml`,
      )
  })

  for (const { rule, name, input, fires } of cases) {
    it(name, async () => {
      const result = await promtoolTest(dir, `${rule}-${name}`, ['rules.yaml'], {
        input_series: input,
        alert_rule_test: [
          { eval_time: '5m', alertname: rule, exp_alerts: fires ? [{ exp_labels: fires }] : [] },
        ],
      })
      assert.ok(result.ok, result.output)
    })
  }
})
