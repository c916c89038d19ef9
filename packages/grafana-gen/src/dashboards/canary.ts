import { Attr } from '@layercode-kit/telemetry'
import { CANARY, LOGQL, labelName, PANEL_QUERY } from '../queries.ts'
import { type DashboardSpec, standardVariables, ts } from './parts.ts'

const legend = '{{service_name}} · {{deployment_environment_name}}'
const outcome = labelName(Attr.Outcome)

export const CANARY_DASHBOARD: DashboardSpec = {
  uid: 'layercode-canary',
  title: 'LayerCode canary',
  description: `Synthetic conversations (compose's canary service: ${CANARY.conversationsPerMinute} a minute, tagged layercode.synthetic) that prove the whole path, agent to collector to Prometheus, even with no callers. Their turns are left out of every other dashboard, alert and SLO.`,
  variables: standardVariables.slice(0, 2),
  panels: [
    {
      title: 'Canary turns that succeeded',
      description: `How many of the canary's turns succeeded in the last ${CANARY.window}? None fires the canary alert: the canary, the agent or the pipeline has stopped.`,
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'short',
      width: 8,
      height: 6,
      queries: [
        { expr: PANEL_QUERY.canaryTurnsInWindow(`${outcome}!="error"`), legend, instant: true },
      ],
      needs: 'the canary',
    },
    {
      title: 'Canary turns that failed',
      description: `How many of the canary's turns failed in the last ${CANARY.window}? ${CANARY.failedTurns} or more fire the canary alert.`,
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'short',
      threshold: CANARY.failedTurns,
      width: 8,
      height: 6,
      queries: [
        { expr: PANEL_QUERY.canaryTurnsInWindow(`${outcome}="error"`), legend, instant: true },
      ],
      needs: 'the canary',
    },
    ts(
      'Canary time to first speech p95',
      "How long does the canary wait for its first words? A known conversation's wait: a rise with no real-traffic change is the agent or its model slowing down.",
      's',
      [{ expr: PANEL_QUERY.canaryFirstSpeechP95, legend: 'p95' }],
      { width: 8, height: 6, needs: 'the canary' },
    ),
    ts(
      'Canary turns per minute by outcome',
      'Is the canary running, and do its turns succeed?',
      'short',
      [{ expr: PANEL_QUERY.canaryTurnsPerMinute, legend: '{{layercode_outcome}}' }],
      { width: 24, needs: 'the canary' },
    ),
    {
      title: "The canary's warnings and errors",
      description:
        "Why did a canary turn fail? Each line links to its trace (the canary's conversations are named conv_canary_…; open one in the Conversation dashboard).",
      kind: 'logs',
      datasource: 'loki',
      width: 24,
      height: 10,
      queries: [{ expr: LOGQL.canaryProblems }],
      needs: 'a failing canary turn',
    },
  ],
}
