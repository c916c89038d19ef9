import { PANEL_QUERY, SELF_METRICS } from '../queries.ts'
import { type DashboardSpec, ts } from './parts.ts'

export const PIPELINE: DashboardSpec = {
  uid: 'layercode-pipeline',
  title: 'LayerCode telemetry pipeline',
  description:
    "Is telemetry getting through? The collectors per tier (one collector, or gateways and samplers when scaled out) and signal, their queues, the sampling tier's decisions, and what each backend ingests.",
  panels: [
    // One per signal, in SELF_METRICS.receiverAccepted's order.
    ...(['spans', 'log records', 'metric points'] as const).map((items, signal) =>
      ts(
        `Accepted ${items}`,
        `How many ${items} per second do the collectors of each tier accept?`,
        'short',
        [
          {
            expr: PANEL_QUERY.accepted(SELF_METRICS.receiverAccepted[signal] as string),
            legend: '{{service_name}} {{receiver}}',
          },
        ],
        { width: 8 },
      ),
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
      'How full is each persistent queue (a backend down fills it)? The fullest replica of each tier.',
      'percentunit',
      [{ expr: PANEL_QUERY.queueFill, legend: '{{service_name}} {{exporter}}' }],
      { width: 12, threshold: 0.5 },
    ),
    ts(
      'Traces kept, by sampling policy',
      'Which policies keep traces in the sampling tier (a trace matching several counts under each)?',
      'short',
      [{ expr: PANEL_QUERY.sampled, legend: '{{policy}}' }],
      { width: 12, needs: 'the sampling tier' },
    ),
    ts(
      'Share of traces kept',
      'What share of all traces does the sampling tier keep?',
      'percentunit',
      [{ expr: PANEL_QUERY.keptShare, legend: 'kept' }],
      { width: 12, needs: 'the sampling tier' },
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
