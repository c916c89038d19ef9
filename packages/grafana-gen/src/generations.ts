/**
 * Both generations of the GenAI names (the contract's GenAiGeneration) in one reading: every
 * panel, recording rule and alert on GenAI metrics goes through here, as every histogram query
 * goes through the classic/native helper. Each generation is summed per app (Prometheus' `job`
 * and `instance`, from service.name and service.instance.id) and the labels the reading keeps,
 * then joined with `or`: an app that sends both (`gen_ai_latest_experimental/dup`) counts once,
 * by its legacy series; apps on different generations each count.
 */
import {
  Attr,
  INFERENCE_OPERATIONS,
  type KitMetricName,
  metricSpec,
  prometheusLabel,
  prometheusName,
} from '@layercode-kit/telemetry'
import { aggregate, braces, call, joined } from './promql.ts'

/** The labels that tell one app (one SDK's export) from another. */
export const APP_IDENTITY = ['job', 'instance'] as const

/** The same measurement under each generation's name: [legacy, latest]. */
export const GENAI_PAIRS = {
  modelDuration: ['gen_ai.client.operation.duration', 'gen_ai.client.inference.duration'],
  firstChunk: [
    'gen_ai.client.operation.time_to_first_chunk',
    'gen_ai.client.inference.time_to_first_chunk',
  ],
  toolDuration: ['layercode.tool.duration', 'gen_ai.execute_tool.duration'],
} as const satisfies Record<string, readonly [KitMetricName, KitMetricName]>
export type GenAiPair = (typeof GENAI_PAIRS)[keyof typeof GENAI_PAIRS]

const name = (metric: KitMetricName) => prometheusName(metricSpec(metric))
/** The token series of each generation. */
export const TOKEN_SERIES = {
  legacy: name('gen_ai.client.token.usage'),
  input: name('gen_ai.client.inference.usage.input_tokens'),
  output: name('gen_ai.client.inference.usage.output_tokens'),
} as const
const tokenType = prometheusLabel(Attr.TokenType)

/**
 * Matchers one generation's series need beyond the reading's: the legacy duration also times
 * operations that are not inference (tools, agents, embeddings), which its successor leaves out.
 */
const ONLY_INFERENCE: Partial<Record<KitMetricName, string>> = {
  'gen_ai.client.operation.duration': `${prometheusLabel(Attr.Operation)}=~"${INFERENCE_OPERATIONS.join('|')}"`,
}
const matchersOf = (metric: KitMetricName, matchers: readonly string[]) => {
  const extra = ONLY_INFERENCE[metric]
  return extra ? [...matchers, extra] : [...matchers]
}

const sumBy = (by: readonly string[]) => (by.length > 0 ? `sum by (${by.join(', ')})` : 'sum')

/** `legacy` and `latest` (per-series expressions), summed by `by`, each app counted once. */
export function eitherGeneration(by: readonly string[], legacy: string, latest: string): string {
  const perApp = sumBy([...APP_IDENTITY, ...by])
  return aggregate(sumBy(by), joined('or', aggregate(perApp, legacy), aggregate(perApp, latest)))
}

/**
 * A quantile of a GenAI histogram in either generation, each in either kind: classic buckets
 * keep `le`, native series have none, so the two kinds never meet in the `or`.
 */
export function genAiQuantile(
  q: number,
  [legacy, latest]: GenAiPair,
  by: readonly string[],
  matchers: readonly string[],
  window: string,
): string {
  const rate = (metric: KitMetricName, suffix: string) =>
    `rate(${name(metric)}${suffix}${braces(matchersOf(metric, matchers))}[${window}])`
  const classic = eitherGeneration(['le', ...by], rate(legacy, '_bucket'), rate(latest, '_bucket'))
  const native = eitherGeneration(by, rate(legacy, ''), rate(latest, ''))
  return call('histogram_quantile', `${q},\n${joined('or', classic, native)}`)
}

/**
 * Tokens in either generation as `fn` (`rate` or `increase`) over `window`, summed by `by`,
 * which may hold `gen_ai_token_type`: the legacy histogram's sum carries it, the latest
 * counters get it from their names (input, output).
 */
export function genAiTokens(
  fn: 'rate' | 'increase',
  by: readonly string[],
  matchers: readonly string[],
  window: string,
): string {
  const range = `${braces(matchers)}[${window}]`
  const legacy = joined(
    'or',
    `${fn}(${TOKEN_SERIES.legacy}_sum${range})`,
    `histogram_sum(${fn}(${TOKEN_SERIES.legacy}${range}))`,
  )
  const typed = (kind: 'input' | 'output') =>
    call(
      'label_replace',
      `${fn}(${TOKEN_SERIES[kind]}${range}),\n"${tokenType}", "${kind}", "", ""`,
    )
  return eitherGeneration(by, legacy, joined('or', typed('input'), typed('output')))
}
