import { TextBoxVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { LOGQL, TRACEQL } from '../queries.ts'
import { type DashboardSpec, standardVariables } from './parts.ts'

export const CONVERSATION: DashboardSpec = {
  uid: 'layercode-conversation',
  title: 'LayerCode conversation',
  description:
    'One call from start to end: pick a conversation_id (Recent conversations lists them) to see its webhooks as traces, every log line in order (each turn\'s first-speech parts on its "turn completed" line), and the session\'s LayerCode figures, turns and spend.',
  variables: [
    ...standardVariables.slice(0, 2),
    new TextBoxVariableBuilder('conversation_id').label('conversation_id').defaultValue(''),
  ],
  panels: [
    {
      title: 'Recent conversations',
      description:
        'Which calls started in the time range? Copy a conversation id into conversation_id above; click a row to open its session.start trace.',
      kind: 'table',
      datasource: 'tempo',
      width: 12,
      height: 9,
      queries: [{ expr: TRACEQL.recentConversations }],
    },
    {
      title: 'Turns of the conversation',
      description:
        'Every webhook of this call, one trace each (event type, turn id, outcome): open one to see its model calls and tools in order, and its logs.',
      kind: 'table',
      datasource: 'tempo',
      width: 12,
      height: 9,
      queries: [{ expr: TRACEQL.conversationTurns }],
      needs: 'a conversation_id',
    },
    {
      title: 'The session as LayerCode reported it',
      description:
        "The session.end line: the call's length, LayerCode's latency, transcription and speech seconds, the turns the agent ran and what the call cost.",
      kind: 'logs',
      datasource: 'loki',
      width: 24,
      height: 5,
      queries: [{ expr: LOGQL.conversationEnd }],
      needs: 'a conversation_id',
    },
    {
      title: 'What happened, line by line',
      description:
        'Every log line of the call in order, each with its trace: turns received and completed (with time to first speech and its parts), tool calls, failures.',
      kind: 'logs',
      datasource: 'loki',
      width: 24,
      height: 14,
      queries: [{ expr: LOGQL.conversation }],
      needs: 'a conversation_id',
    },
  ],
}
