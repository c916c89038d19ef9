import { labelName, SCRAPED_COMPONENTS } from '@layercode-kit/grafana-gen'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import {
  AGENT_DOWN_RULE,
  COMPONENT_DOWN_RULE,
  checkRules,
  ENV,
  ERROR_RATE_RULE,
  queue,
  type RuleCase,
  target,
  turnsOf,
  up,
} from './cases.ts'

export const COMPONENT_CASES: RuleCase[] = [
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

checkRules('outage alerts', COMPONENT_CASES)
