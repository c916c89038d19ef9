import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { PANEL_QUERY, THRESHOLD } from '../queries.ts'
import { type DashboardSpec, explore, standardVariables, ts } from './parts.ts'

export const AGENT_OVERVIEW: DashboardSpec = {
  uid: 'layercode-agent-overview',
  title: 'LayerCode agent overview',
  description: 'Requests, latency, errors, turns, tools, tokens and sessions of your voice agents.',
  variables: standardVariables,
  links: [
    explore('Traces in Explore', 'tempo', `{resource.service.name="${DEFAULT_SERVICE_NAME}"}`),
    explore('Logs in Explore', 'loki', `{service_name="${DEFAULT_SERVICE_NAME}"}`),
  ],
  panels: [
    {
      title: 'Turn success rate',
      description:
        'What share of turns ended without an agent error over the time range? A turn the caller abandoned (hung up, barged in) is not a failure: Turns by outcome shows those.',
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'percentunit',
      width: 6,
      height: 5,
      queries: [{ expr: PANEL_QUERY.successRate, instant: true }],
    },
    {
      title: 'Active sessions',
      description: 'How many calls are in progress right now?',
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'short',
      width: 6,
      height: 5,
      queries: [
        { expr: PANEL_QUERY.activeSessions, legend: '{{gen_ai_agent_name}}', instant: true },
      ],
    },
    {
      title: 'Tokens in the last hour',
      description: 'How close is token usage to the alert threshold (1M tokens per hour)?',
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'short',
      threshold: THRESHOLD.tokensPerHour,
      width: 6,
      height: 5,
      queries: [{ expr: PANEL_QUERY.tokensLastHour, instant: true }],
    },
    {
      title: 'Turn error rate',
      description: 'What share of turns fail (alert above 5%)?',
      kind: 'stat',
      datasource: 'prometheus',
      unit: 'percentunit',
      threshold: THRESHOLD.errorRate,
      width: 6,
      height: 5,
      queries: [{ expr: PANEL_QUERY.turnErrorRate, instant: true }],
    },
    ts('Requests per minute', 'How much webhook traffic arrives, per route?', 'reqpm', [
      { expr: PANEL_QUERY.requestsPerMinute, legend: '{{http_route}}' },
    ]),
    ts(
      'HTTP latency',
      'How long do requests take, until the answer is complete (a turn: until its stream ended)? p50, p95 and p99.',
      's',
      [
        { expr: PANEL_QUERY.httpLatency(0.5), legend: 'p50' },
        { expr: PANEL_QUERY.httpLatency(0.95), legend: 'p95' },
        { expr: PANEL_QUERY.httpLatency(0.99), legend: 'p99' },
      ],
    ),
    ts(
      'Error rate',
      'What share of requests answer 5xx, and of turns fail?',
      'percentunit',
      [
        { expr: PANEL_QUERY.httpErrorRate, legend: 'HTTP 5xx' },
        { expr: PANEL_QUERY.turnErrorRate, legend: 'turns' },
      ],
      { threshold: THRESHOLD.errorRate },
    ),
    ts(
      'Rejected webhooks per minute',
      "How many webhooks are refused for their signature, and why? mismatch: LAYERCODE_WEBHOOK_SECRET differs from your LayerCode agent's (every webhook refused: no turn runs); stale: a clock off by more than 300 s; missing or malformed: not LayerCode (scanners, misrouted clients).",
      'short',
      [
        {
          expr: PANEL_QUERY.rejectedWebhooksPerMinute,
          legend: '{{layercode_webhook_rejection_reason}}',
        },
      ],
      // Empty while no webhook was ever refused (there is no series to show as 0).
      { needs: 'a rejected webhook' },
    ),
    ts(
      'Turns by outcome',
      'How many turns per minute succeed, fail or are abandoned by the caller?',
      'short',
      [{ expr: PANEL_QUERY.turnsByOutcome, legend: '{{layercode_outcome}}' }],
    ),
    ts(
      'Turn duration p95 by agent',
      'How long does a whole turn take, until response.end (alert above 2 s)?',
      's',
      [{ expr: PANEL_QUERY.turnDurationP95, legend: '{{gen_ai_agent_name}}' }],
      { threshold: THRESHOLD.latencyP95Seconds },
    ),
    ts(
      'Time to first speech by agent',
      "How long after the webhook arrives does the agent send its first spoken chunk? The agent's share of the caller's wait (LayerCode's transcription and speech synthesis come on top); failed turns left out. p50 and p95.",
      's',
      [
        { expr: PANEL_QUERY.firstSpeech(0.5), legend: 'p50 {{gen_ai_agent_name}}' },
        { expr: PANEL_QUERY.firstSpeech(0.95), legend: 'p95 {{gen_ai_agent_name}}' },
      ],
      { threshold: THRESHOLD.firstSpeechP95Seconds },
    ),
    ts('Tool calls per minute', 'Which tools are called, how often, and do they fail?', 'short', [
      {
        expr: PANEL_QUERY.toolCallsPerMinute,
        legend: '{{gen_ai_tool_name}} {{layercode_outcome}}',
      },
    ]),
    ts(
      'Tool latency p95 by tool',
      "How long do the tools take? A slow tool delays the turn's first words when the model waits for its result.",
      's',
      [{ expr: PANEL_QUERY.toolLatencyP95, legend: '{{gen_ai_tool_name}}' }],
    ),
    ts(
      'Tokens per minute by model',
      'How many input and output tokens does each model use?',
      'short',
      [
        {
          expr: PANEL_QUERY.tokensPerMinute,
          legend: '{{gen_ai_request_model}} {{gen_ai_token_type}}',
        },
      ],
    ),
    ts('Model call latency p95', 'How long do model calls take, per model?', 's', [
      { expr: PANEL_QUERY.modelLatencyP95, legend: '{{gen_ai_request_model}}' },
    ]),
    ts(
      'Speech per minute (LayerCode)',
      "How much of the callers' speech does LayerCode transcribe, and how much does it synthesize for the agent? Seconds of speech per minute, from session.end: what speech-to-text and text-to-speech are billed on.",
      's',
      [
        {
          expr: PANEL_QUERY.speechPerMinute('layercode.session.transcription.duration'),
          legend: 'transcribed {{gen_ai_agent_name}}',
        },
        {
          expr: PANEL_QUERY.speechPerMinute('layercode.session.tts.duration'),
          legend: 'synthesized {{gen_ai_agent_name}}',
        },
      ],
    ),
    ts(
      'Sessions: mean length and turns',
      "How long do calls last (LayerCode's duration in session.end), and how many turns does the agent run in one? Means over the sessions that ended.",
      'short',
      [
        {
          expr: PANEL_QUERY.sessionMean('layercode.session.duration'),
          legend: 'seconds {{gen_ai_agent_name}}',
        },
        {
          expr: PANEL_QUERY.sessionMean('layercode.session.turns'),
          legend: 'turns {{gen_ai_agent_name}}',
        },
      ],
    ),
    ts(
      "LayerCode's reported latency",
      "What latency does LayerCode itself report for the calls (session.end `latency`, a mean over the sessions that ended)? Its unit is undocumented: the kit reads it as milliseconds; compare with Time to first speech, the agent's share.",
      's',
      [
        {
          expr: PANEL_QUERY.sessionMean('layercode.session.latency'),
          legend: '{{gen_ai_agent_name}}',
        },
      ],
    ),
    ts(
      'Span latency from traces (with exemplars)',
      'Which spans are slow? From the span metrics Tempo generates; click an exemplar dot to open that trace.',
      's',
      [{ expr: PANEL_QUERY.spanLatencyFromTraces, legend: '{{span_name}}', exemplar: true }],
      { needs: 'tempo' },
    ),
  ],
}
