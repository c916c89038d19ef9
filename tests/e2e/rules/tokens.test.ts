import { alertIn, CONFIG, labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import { checkRules, inEnvironment, minuteCase, production, type RuleCase } from './cases.ts'

export const TOKEN_CASES: RuleCase[] = []
// The token alert in either generation of the GenAI names (docs/telemetry.md): an app on the
// latest counters alone, an app on both (the /dup switch) counted once, and two replicas of
// one service on different generations counted both.
{
  const hourly = alertIn(CONFIG, 'tokens_per_hour', 'production').threshold
  const app = (instance: string) => ({
    ...inEnvironment('production'),
    job: `layercode/${DEFAULT_SERVICE_NAME}`,
    instance,
    [labelName(Attr.AgentName)]: 'echo',
    [labelName(Attr.RequestModel)]: 'gpt-4o',
  })
  /** `share` of the hourly threshold a minute for an hour, as input tokens. */
  const legacy = (instance: string, share: number) =>
    series(
      `${seriesName('gen_ai.client.token.usage')}_sum`,
      { ...app(instance), [labelName(Attr.TokenType)]: 'input' },
      `0+${(share * hourly) / 60}x60`,
    )
  const latest = (instance: string, share: number) =>
    series(
      seriesName('gen_ai.client.inference.usage.input_tokens'),
      { ...app(instance), [labelName(Attr.TokenModality)]: 'text' },
      `0+${(share * hourly) / 60}x60`,
    )
  const TOKEN_RULE = 'layercode-token-usage'
  TOKEN_CASES.push(
    minuteCase(
      TOKEN_RULE,
      'fires on the latest token counters alone',
      [latest('i1', 2)],
      60,
      production,
    ),
    minuteCase(
      TOKEN_RULE,
      'stays quiet for the latest counters under the threshold',
      [latest('i1', 0.6)],
      60,
    ),
    minuteCase(
      TOKEN_RULE,
      'stays quiet for an app on both generations (/dup) under the threshold: counted once',
      [legacy('i1', 0.6), latest('i1', 0.6)],
      60,
    ),
    minuteCase(
      TOKEN_RULE,
      'fires for two replicas of one service, one per generation, over it together',
      [legacy('i1', 0.6), latest('i2', 0.6)],
      60,
      production,
    ),
  )
}

checkRules('token alert', TOKEN_CASES)
