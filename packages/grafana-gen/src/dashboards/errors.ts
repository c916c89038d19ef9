import { Attr } from '@layercode-kit/telemetry'
import { LOGQL, labelName, PANEL_QUERY, TRACEQL } from '../queries.ts'
import { type DashboardSpec, standardVariables, ts } from './parts.ts'

const fingerprint = labelName(Attr.ErrorFingerprint)
const type = labelName(Attr.ErrorType)
const message = labelName(Attr.ErrorMessage)
const version = labelName('service.version')
const kindColumns = { [type]: 'Type', [message]: 'Message', [fingerprint]: 'Fingerprint' }
/** The cell's fingerprint, for the links. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable, not a placeholder.
const CELL = '${__value.raw}'

export const ERRORS: DashboardSpec = {
  uid: 'layercode-errors',
  title: 'LayerCode errors',
  description:
    'The errors inbox: every kind of error (its fingerprint), how often, how many calls it touched, when it was first and last seen, in which releases; new kinds and what each release brought.',
  variables: standardVariables,
  panels: [
    {
      title: 'Errors inbox',
      description:
        "Which faults fail the calls, most frequent first? One row per kind of error (the fingerprint: type, message without ids and numbers, top of the stack; docs/telemetry.md): occurrences and calls touched in the time range, first and last seen (within the new-error lookback), releases it occurred in. The fingerprint's links open that kind's error logs and its traces (and from a trace its conversation).",
      kind: 'table',
      datasource: 'prometheus',
      needs: 'an error',
      width: 24,
      height: 10,
      queries: [
        { expr: PANEL_QUERY.errorOccurrences },
        { expr: PANEL_QUERY.errorConversations },
        { expr: PANEL_QUERY.errorFirstSeen },
        { expr: PANEL_QUERY.errorLastSeen },
        { expr: PANEL_QUERY.errorReleases },
      ],
      table: {
        columns: {
          ...kindColumns,
          'Value #A': 'Occurrences',
          'Value #B': 'Calls affected',
          'Value #C': 'First seen',
          'Value #D': 'Last seen',
          'Value #E': 'Releases',
        },
        times: ['Value #C', 'Value #D'],
        sortBy: 'Occurrences',
        links: [
          {
            field: fingerprint,
            title: 'Error logs',
            datasource: 'loki',
            expr: LOGQL.errorsOfKind(CELL),
          },
          {
            field: fingerprint,
            title: 'Traces',
            datasource: 'tempo',
            expr: TRACEQL.errorsOfKind(CELL),
          },
        ],
      },
    },
    {
      ...ts('Errors per minute by kind', 'Which kinds of error grow, and since when?', 'short', [
        { expr: PANEL_QUERY.errorsPerMinute, legend: `{{${type}}}: {{${message}}}` },
      ]),
      needs: 'an error',
    },
    {
      title: 'New kinds in the last 24 hours',
      description:
        'Which kinds of error appeared today (not seen in the new-error lookback before)? When each was first seen: after a deploy, most often a bug it brought.',
      kind: 'table',
      datasource: 'prometheus',
      needs: 'an error',
      width: 12,
      height: 8,
      queries: [{ expr: PANEL_QUERY.newErrorKinds }],
      table: {
        columns: { ...kindColumns, Value: 'First seen' },
        times: ['Value'],
        sortBy: 'First seen',
      },
    },
    {
      title: 'Errors by release',
      description:
        'Which release brought each kind of error? When each service_version first showed it: the earliest release is the one that introduced it, a later one alone a regression.',
      kind: 'table',
      datasource: 'prometheus',
      needs: 'an error',
      width: 24,
      height: 8,
      queries: [{ expr: PANEL_QUERY.errorsByRelease }],
      table: {
        columns: { [version]: 'Release', ...kindColumns, Value: 'First seen in it' },
        times: ['Value'],
        sortBy: 'First seen in it',
      },
    },
  ],
}
