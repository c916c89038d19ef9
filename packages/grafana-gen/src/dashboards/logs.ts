import { TextBoxVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { LOGQL } from '../queries.ts'
import type { DashboardSpec } from './parts.ts'
import { standardVariables } from './parts.ts'

export const LOGS: DashboardSpec = {
  uid: 'layercode-logs',
  title: 'LayerCode logs',
  description: "The agent's logs by level, and one conversation or turn at a time.",
  variables: [
    ...standardVariables,
    new TextBoxVariableBuilder('conversation_id').label('conversation_id').defaultValue('.*'),
    new TextBoxVariableBuilder('turn_id').label('turn_id').defaultValue('.*'),
  ],
  panels: [
    {
      title: 'Log volume by level',
      description: 'How many lines per level: is something suddenly noisy?',
      kind: 'timeseries',
      datasource: 'loki',
      width: 24,
      height: 7,
      queries: [{ expr: LOGQL.volumeByLevel, legend: '{{severity_text}}' }],
    },
    {
      title: 'Logs of a conversation or turn',
      description: 'Set conversation_id and/or turn_id (regular expressions) to follow one call.',
      kind: 'logs',
      datasource: 'loki',
      width: 24,
      height: 16,
      queries: [{ expr: LOGQL.byConversation }],
    },
  ],
}
