import { FIRST_SPEECH_PARTS } from '@layercode-kit/telemetry'
import { PANEL_QUERY, TRACEQL } from '../queries.ts'
import { SLO_TARGETS } from '../slos.ts'
import { type DashboardSpec, standardVariables, ts } from './parts.ts'

const agent = '{{gen_ai_agent_name}}'

export const LATENCY_BUDGET: DashboardSpec = {
  uid: 'layercode-latency-budget',
  title: 'LayerCode turn latency budget',
  description:
    "Why the caller waits: each message turn's time to first speech split into waiting for the conversation's previous turn, model calls, tool calls, assembling the first sentence, and the agent's own work, per agent.",
  variables: standardVariables,
  panels: [
    ts(
      'Where the wait for first speech goes',
      "Of the mean time to a message turn's first speech, how much is queue (the conversation's previous turn), model (calls until the spoken text began), tools, sentence (the model's first words until a whole sentence), and the agent's own work (the rest)? The stack's top is the mean time to first speech. A part the agent does not report (no queue, or no model wrapper) is absent, and so is the own-work remainder: not reported, never guessed.",
      's',
      [
        ...FIRST_SPEECH_PARTS.map(([part]) => ({
          expr: PANEL_QUERY.firstSpeechPartMean(part),
          legend: `${agent} · ${part}`,
        })),
        { expr: PANEL_QUERY.firstSpeechOwnWork, legend: `${agent} · agent's own work` },
      ],
      { stack: true, width: 24, height: 10 },
    ),
    ts(
      'Time to first speech: mean',
      "The mean time to first speech of message turns that did not fail: the height of the stack, to compare with the objective's threshold.",
      's',
      [{ expr: PANEL_QUERY.firstSpeechMean, legend: agent }],
      { threshold: SLO_TARGETS.firstSpeechSeconds },
    ),
    ...(
      [
        [
          0.5,
          'How long is each part for the typical (median) message turn? A part the agent does not report is absent.',
        ],
        [
          0.95,
          'How long is each part for the slowest 5% of message turns? A part whose p95 is far above its p50 waits only sometimes (a slow tool, a queued turn). A part the agent does not report is absent.',
        ],
      ] as const
    ).map(([q, question]) =>
      ts(
        `First speech parts p${q * 100} by agent`,
        question,
        's',
        FIRST_SPEECH_PARTS.map(([part]) => ({
          expr: PANEL_QUERY.firstSpeechPartQuantile(q, part),
          legend: `${agent} · ${part}`,
        })),
      ),
    ),
    ts(
      'Model time to first chunk p95 by model',
      "How long does each model take to start answering (gen_ai.client.operation.time_to_first_chunk, or gen_ai.client.inference.time_to_first_chunk under the latest GenAI names; every streaming call)? The provider's share of the model part.",
      's',
      [{ expr: PANEL_QUERY.timeToFirstChunkP95, legend: '{{gen_ai_request_model}}' }],
    ),
    {
      title: `Turns over ${SLO_TARGETS.firstSpeechSeconds} s`,
      description: `Which turns took longer than the first-speech objective's ${SLO_TARGETS.firstSpeechSeconds} s? Up to 20 as Tempo's search finds them; open one to see its model calls and tools in order, and its logs.`,
      kind: 'table',
      datasource: 'tempo',
      width: 12,
      height: 10,
      queries: [{ expr: TRACEQL.turnsOver(SLO_TARGETS.firstSpeechSeconds * 1000) }],
    },
  ],
}
