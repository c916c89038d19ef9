import { PANEL_QUERY, SELF_METRICS } from '../queries.ts'
import { type DashboardSpec, ts } from './parts.ts'

export const PIPELINE: DashboardSpec = {
  uid: 'layercode-pipeline',
  title: 'LayerCode telemetry pipeline',
  description:
    'Is telemetry getting through? The collector per signal, its queues, and what each backend ingests.',
  panels: [
    ts(
      'Accepted spans',
      'How many spans per second does the collector accept?',
      'short',
      [{ expr: PANEL_QUERY.accepted(SELF_METRICS.receiverAccepted[0]), legend: '{{receiver}}' }],
      { width: 8 },
    ),
    ts(
      'Accepted log records',
      'How many log records per second does the collector accept?',
      'short',
      [{ expr: PANEL_QUERY.accepted(SELF_METRICS.receiverAccepted[1]), legend: '{{receiver}}' }],
      { width: 8 },
    ),
    ts(
      'Accepted metric points',
      'How many metric points per second does the collector accept?',
      'short',
      [{ expr: PANEL_QUERY.accepted(SELF_METRICS.receiverAccepted[2]), legend: '{{receiver}}' }],
      { width: 8 },
    ),
    ts(
      'Refused or failed at the receiver',
      'Is the collector refusing data (memory_limiter) or failing to take it?',
      'short',
      [{ expr: PANEL_QUERY.refusedOrFailed, legend: 'refused + failed' }],
      { width: 8, threshold: 0 },
    ),
    ts(
      'Dropped (queue full)',
      'Is data dropped because an exporter queue is full?',
      'short',
      [{ expr: PANEL_QUERY.dropped, legend: 'enqueue failed' }],
      { width: 8, threshold: 0 },
    ),
    ts(
      'Send failures',
      'Is data failing to reach a backend after retries?',
      'short',
      [{ expr: PANEL_QUERY.sendFailures, legend: 'send failed' }],
      { width: 8, threshold: 0 },
    ),
    ts(
      'Exporter queue fill',
      'How full is each persistent queue (a backend down fills it)?',
      'percentunit',
      [{ expr: PANEL_QUERY.queueFill, legend: '{{exporter}}' }],
      { width: 12, threshold: 0.5 },
    ),
    ts(
      'Ingested by backend',
      'What does each backend take in: spans into Tempo, log records into Loki, samples into Prometheus?',
      'short',
      [
        { expr: PANEL_QUERY.ingestTempo, legend: 'Tempo spans/s' },
        { expr: PANEL_QUERY.ingestLoki, legend: 'Loki log records/s' },
        { expr: PANEL_QUERY.ingestPrometheus, legend: 'Prometheus samples/s' },
      ],
      { width: 12 },
    ),
  ],
}
