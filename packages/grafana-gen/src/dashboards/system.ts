import { QueryVariableBuilder, VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard'
import { PANEL_QUERY, SELF_METRICS } from '../queries.ts'
import { ALL, type DashboardSpec, PANEL_DATASOURCES, standardVariables, ts } from './parts.ts'

export const SYSTEM: DashboardSpec = {
  uid: 'layercode-system',
  title: 'LayerCode system',
  description: 'The host (from the collector) and the agent process (Node runtime) per instance.',
  variables: [
    ...standardVariables,
    new QueryVariableBuilder('host')
      .label('Host')
      .query(`label_values(${SELF_METRICS.hostCpu}, host_name)`)
      .datasource(PANEL_DATASOURCES.prometheus)
      .includeAll(true)
      .allValue(ALL)
      .multi(true)
      .refresh(VariableRefresh.OnTimeRangeChanged),
  ],
  panels: [
    ts('Host CPU', 'How busy are the host CPUs, by state?', 'percentunit', [
      { expr: PANEL_QUERY.hostCpu, legend: '{{host_name}} {{state}}' },
    ]),
    ts('Host memory', 'How much of the host memory is used?', 'percentunit', [
      { expr: PANEL_QUERY.hostMemory, legend: '{{host_name}}' },
    ]),
    ts(
      'Network I/O',
      "How many bytes go in and out of the collector's network namespace? In compose that is the collector container's own interfaces, not the host's (/hostfs does not change network counters).",
      'Bps',
      [{ expr: PANEL_QUERY.hostNetwork, legend: '{{host_name}} {{direction}}' }],
    ),
    ts('Disk I/O', 'How many bytes are read and written?', 'Bps', [
      { expr: PANEL_QUERY.hostDisk, legend: '{{host_name}} {{direction}}' },
    ]),
    ts(
      'Filesystem usage',
      'How full is each filesystem, as df shows it? (blocks reserved for root count as unavailable)',
      'percentunit',
      [{ expr: PANEL_QUERY.hostFilesystem, legend: '{{host_name}} {{mountpoint}}' }],
      { threshold: 0.9 },
    ),
    ts(
      'Event-loop delay p99',
      'Is the agent process blocked? (voice turns stall when it is)',
      's',
      [{ expr: PANEL_QUERY.eventLoopDelayP99, legend: '{{service_instance_id}}' }],
    ),
    ts('Event-loop utilization', 'How much of the time is the event loop busy?', 'percentunit', [
      { expr: PANEL_QUERY.eventLoopUtilization, legend: '{{service_instance_id}}' },
    ]),
    ts('Heap used', 'How much JavaScript heap does each instance use?', 'bytes', [
      { expr: PANEL_QUERY.heapUsed, legend: '{{service_instance_id}}' },
    ]),
    ts('GC time', 'How much time goes to garbage collection, by kind?', 's', [
      { expr: PANEL_QUERY.gcTime, legend: '{{service_instance_id}} {{v8js_gc_type}}' },
    ]),
    ts('Process CPU', 'How many CPU seconds per second does each instance use?', 'short', [
      { expr: PANEL_QUERY.processCpu, legend: '{{service_instance_id}}' },
    ]),
    ts('Process memory (RSS)', 'How much memory does each instance hold?', 'bytes', [
      { expr: PANEL_QUERY.processMemory, legend: '{{service_instance_id}}' },
    ]),
  ],
}
