import { PANEL_QUERY, THRESHOLD } from '../queries.ts'
import { type DashboardSpec, standardVariables, ts } from './parts.ts'

export const SPEND: DashboardSpec = {
  uid: 'layercode-spend',
  title: 'LayerCode spend',
  description:
    "What the voice agents cost in US dollars, at the price table's prices (packages/telemetry/prices.json): model tokens by model, LayerCode's speech minutes, per hour and per call.",
  variables: standardVariables,
  panels: [
    {
      title: 'Spend in the last hour',
      description: `How much did the last hour cost, tokens and speech (alert above $${THRESHOLD.spendPerHourUsd} per service and environment)?`,
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'currencyUSD',
      threshold: THRESHOLD.spendPerHourUsd,
      width: 8,
      height: 6,
      queries: [{ expr: PANEL_QUERY.spendLastHour, instant: true }],
    },
    {
      title: 'Top models by spend',
      description: 'Which models cost the most over the time range?',
      kind: 'table',
      datasource: 'prometheus',
      unit: 'currencyUSD',
      width: 16,
      height: 6,
      queries: [
        { expr: PANEL_QUERY.spendByModel, legend: '{{gen_ai_request_model}}', instant: true },
      ],
    },
    ts(
      'Spend per hour by item',
      'At what rate is money going, and on what: input, cached input and output tokens, transcription, speech?',
      'currencyUSD',
      [{ expr: PANEL_QUERY.spendPerHourByItem, legend: '{{layercode_cost_item}}' }],
      { width: 24 },
    ),
    ts(
      'Spend per call',
      "What does one call cost, on average and for the most expensive 5%? Each session's model calls and speech, recorded at session.end.",
      'currencyUSD',
      [
        { expr: PANEL_QUERY.spendPerSessionMean, legend: '{{gen_ai_agent_name}} mean' },
        { expr: PANEL_QUERY.spendPerSessionP95, legend: '{{gen_ai_agent_name}} p95' },
      ],
      { width: 24 },
    ),
  ],
}
