import { LOGQL, PANEL_QUERY, TRACEQL } from '../queries.ts'
import { type DashboardSpec, standardVariables, ts } from './parts.ts'

export const TRACES_ERRORS: DashboardSpec = {
  uid: 'layercode-traces-errors',
  title: 'LayerCode traces and errors',
  description:
    'Slow and failed turns as traces, exceptions by type, and error logs linked to their traces.',
  variables: standardVariables,
  panels: [
    {
      title: 'Turns over 1 s',
      description:
        "Which turns took over 1 s? Up to 20 as Tempo's search finds them, not sorted by duration: sort the table by Duration. Click a trace to open it.",
      kind: 'table',
      datasource: 'tempo',
      width: 12,
      height: 10,
      queries: [{ expr: TRACEQL.slowestTurns }],
    },
    {
      title: 'Failed turns',
      description: 'Which turns failed, and where in the trace?',
      kind: 'table',
      datasource: 'tempo',
      width: 12,
      height: 10,
      queries: [{ expr: TRACEQL.failedTurns }],
    },
    {
      title: 'Exceptions by type',
      description: 'Which errors happen, how often, over the time range?',
      kind: 'table',
      datasource: 'loki',
      width: 12,
      height: 8,
      queries: [{ expr: LOGQL.errorsByType, instant: true }],
    },
    ts('Failing turns per minute', 'When did turns start failing, and how many?', 'short', [
      { expr: PANEL_QUERY.failedTurnsPerMinute, legend: 'failed turns' },
    ]),
    {
      title: 'Error logs',
      description: 'Every error logged, newest first; the trace_id field opens the trace.',
      kind: 'logs',
      datasource: 'loki',
      width: 24,
      height: 10,
      queries: [{ expr: LOGQL.errorLogs }],
    },
  ],
}
