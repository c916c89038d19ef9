import { alertIn, CONFIG, labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import {
  AGENT_DOWN_RULE,
  CANARY_RULE,
  canaryTurns,
  checkRules,
  ERROR_RATE_RULE,
  FIRST_SPEECH_RULE,
  inEnvironment,
  page,
  production,
  REJECTED_RULE,
  type RuleCase,
  rejected,
  SPEECH_SLO,
  speechPerMinute,
  TURN_SLO,
  target,
  ticket,
  turnsOf,
  turnsPerMinute,
} from './cases.ts'

export const ENVIRONMENT_CASES: RuleCase[] = []
// Every rule per service and environment (the pipeline's rules are per component): a failing
// production fires beside a busy, healthy staging, and two environments each under their
// own threshold (layercode-kit.yaml, staging's overrides included) stay quiet.
type State = 'failing' | 'healthy' | 'under'
const labelsIn = (environment: string, extra: Record<string, string> = {}) => ({
  ...inEnvironment(environment),
  [labelName(Attr.AgentName)]: 'echo',
  [labelName(Attr.EventType)]: 'message',
  ...extra,
})
/** Classic buckets of a latency histogram: `per10s` observations, all in (low, high]. */
const latency = (metric: string, environment: string, high: string, per10s: number) =>
  ['0.5', '1', '1.5', '2', '3', '+Inf'].map((le) =>
    series(
      `${seriesName(metric as 'layercode.turn.duration')}_bucket`,
      labelsIn(environment, { [labelName(Attr.Outcome)]: 'ok', le }),
      `0+${le === '+Inf' || Number(le) >= Number(high) ? per10s : 0}x40`,
    ),
  )
const within = (
  key: 'latency_p95' | 'first_speech_p95',
  metric: string,
  environment: string,
  state: State,
) => {
  const threshold = alertIn(CONFIG, key, environment).threshold
  // Failing: every turn slower than the threshold; otherwise every one within half of it.
  const bound = state === 'failing' ? '3' : threshold / 2 >= 1 ? '1' : '0.5'
  return latency(metric, environment, bound, state === 'healthy' ? 50 : 5)
}
const tokensIn = (environment: string, perMinute: number) =>
  series(
    `${seriesName('gen_ai.client.token.usage')}_sum`,
    { ...labelsIn(environment), gen_ai_token_type: 'input', gen_ai_request_model: 'gpt-4o' },
    `0+${perMinute}x60`,
  )
const costIn = (environment: string, perMinute: number) =>
  series(
    seriesName('layercode.cost'),
    { ...labelsIn(environment), [labelName(Attr.CostItem)]: 'output' },
    `0+${perMinute}x60`,
  )
export const perEnvironment: Record<
  string,
  { input: (environment: string, state: State) => unknown[]; minutes?: number; agent?: boolean }
> = {
  [ERROR_RATE_RULE]: {
    input: (env, state) =>
      state === 'failing'
        ? [turnsOf(env, 'ok', '0+2x40'), turnsOf(env, 'error', '0+1x40')]
        : state === 'healthy'
          ? [turnsOf(env, 'ok', '0+100x40')]
          : // 2.5% failing: under 5% (production) and 20% (staging's override).
            [turnsOf(env, 'ok', '0+39x40'), turnsOf(env, 'error', '0+1x40')],
  },
  'layercode-latency-p95': {
    input: (env, state) => within('latency_p95', 'layercode.turn.duration', env, state),
  },
  [FIRST_SPEECH_RULE]: {
    input: (env, state) =>
      within('first_speech_p95', 'layercode.turn.time_to_first_speech', env, state),
    agent: true,
  },
  'layercode-token-usage': {
    minutes: 60,
    input: (env, state) => {
      const hourly = alertIn(CONFIG, 'tokens_per_hour', env).threshold
      return [
        tokensIn(env, (state === 'failing' ? 2 : state === 'healthy' ? 0.9 : 0.5) * (hourly / 60)),
      ]
    },
  },
  'layercode-spend': {
    minutes: 60,
    input: (env, state) => {
      const hourly = alertIn(CONFIG, 'spend_per_hour', env).threshold
      return [
        costIn(env, (state === 'failing' ? 2 : state === 'healthy' ? 0.9 : 0.5) * (hourly / 60)),
      ]
    },
  },
  [REJECTED_RULE]: {
    input: (env, state) =>
      state === 'failing'
        ? [turnsOf(env, 'ok', '0+3x10 30x30'), rejected(env, 'mismatch', '0x10 0+3x30')]
        : state === 'healthy'
          ? [turnsOf(env, 'ok', '0+100x40'), rejected(env, 'mismatch', '0x40')]
          : [turnsOf(env, 'ok', '0+10x40'), rejected(env, 'mismatch', '0+1x40')],
  },
  [CANARY_RULE]: {
    input: (env, state) =>
      state === 'failing'
        ? [canaryTurns(env, 'ok', '0+3x40'), canaryTurns(env, 'error', '0+1x40')]
        : state === 'healthy'
          ? [canaryTurns(env, 'ok', '0+4x40')]
          : // One failure in the window: under two.
            [canaryTurns(env, 'ok', '0+3x40'), canaryTurns(env, 'error', '0x36 1x4')],
  },
  [AGENT_DOWN_RULE]: {
    input: (env, state) => [
      target(DEFAULT_SERVICE_NAME, state === 'failing' ? '1x20 _x20' : '1x40', env),
    ],
  },
  [page(TURN_SLO)]: {
    minutes: 70,
    input: (env, state) =>
      state === 'failing'
        ? [turnsPerMinute(env, 'ok', 60, 70), turnsPerMinute(env, 'error', 30, 70, 40)]
        : state === 'healthy'
          ? [turnsPerMinute(env, 'ok', 1000, 70)]
          : // 0.2% failing: under the 0.5% budget.
            [turnsPerMinute(env, 'ok', 998, 70), turnsPerMinute(env, 'error', 2, 70)],
  },
  [ticket(TURN_SLO)]: {
    minutes: 240,
    input: (env, state) =>
      state === 'failing'
        ? [turnsPerMinute(env, 'ok', 100, 240), turnsPerMinute(env, 'error', 1, 240)]
        : state === 'healthy'
          ? [turnsPerMinute(env, 'ok', 1000, 240)]
          : [turnsPerMinute(env, 'ok', 998, 240), turnsPerMinute(env, 'error', 2, 240)],
  },
  [page(SPEECH_SLO)]: {
    minutes: 70,
    input: (env, state) =>
      speechPerMinute(
        ...((state === 'failing' ? [2, 8] : state === 'healthy' ? [100, 0] : [99, 1]) as [
          number,
          number,
        ]),
        70,
        env,
      ),
  },
  [ticket(SPEECH_SLO)]: {
    minutes: 240,
    input: (env, state) =>
      speechPerMinute(
        ...((state === 'failing' ? [8, 2] : state === 'healthy' ? [100, 0] : [99, 1]) as [
          number,
          number,
        ]),
        240,
        env,
      ),
  },
}
for (const [rule, { input, minutes, agent }] of Object.entries(perEnvironment)) {
  const timing = minutes ? { interval: '1m', at: `${minutes}m` } : {}
  ENVIRONMENT_CASES.push(
    {
      rule,
      name: `${rule}: a failing production fires beside a busy, healthy staging`,
      input: [...input('production', 'failing'), ...input('staging', 'healthy')],
      fires: { ...production, ...(agent ? { [labelName(Attr.AgentName)]: 'echo' } : {}) },
      ...timing,
    },
    {
      rule,
      name: `${rule}: production and staging each under their threshold stay quiet`,
      input: [...input('production', 'under'), ...input('staging', 'under')],
      fires: null,
      ...timing,
    },
  )
}

checkRules('alerts per environment', ENVIRONMENT_CASES)
