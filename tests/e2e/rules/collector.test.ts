import { COLLECTOR_TIERS, SELF_METRICS } from '@layercode-kit/grafana-gen'
import { series } from '../../lib/promtool.ts'
import {
  capacity,
  checkRules,
  EXPORT_RULE,
  exporter,
  queue,
  type RuleCase,
  sendFailedSpans,
  sent,
  sentSpans,
  stuckReplica,
  tierExporter,
} from './cases.ts'

export const COLLECTOR_CASES: RuleCase[] = [
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
]

checkRules('collector alerts', COLLECTOR_CASES)
