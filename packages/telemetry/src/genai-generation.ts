/**
 * Which generation of the GenAI names the kit emits (contract.ts, GenAiGeneration), read from
 * OTEL_SEMCONV_STABILITY_OPT_IN as OpenTelemetry's GenAI instrumentations read it: unset, the
 * legacy names; `gen_ai_latest_experimental`, the latest; `gen_ai_latest_experimental/dup`,
 * both (the `http/dup` transition's form), for dashboards that still read the old ones.
 */
import {
  GenAiGeneration,
  GenAiOptIn,
  METRICS,
  type MetricSpec,
  SEMCONV_OPT_IN_ENV,
} from './contract.ts'

/** The generations the switch in `env` asks for: never empty. */
export function genAiGenerations(
  env: Record<string, string | undefined> = process.env,
): ReadonlySet<GenAiGeneration> {
  const values = new Set(
    (env[SEMCONV_OPT_IN_ENV] ?? '')
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  )
  if (values.has(GenAiOptIn.Dup)) return new Set([GenAiGeneration.Legacy, GenAiGeneration.Latest])
  if (values.has(GenAiOptIn.Latest)) return new Set([GenAiGeneration.Latest])
  return new Set([GenAiGeneration.Legacy])
}

/** Whether a metric is emitted under these generations (names outside GenAI always are). */
function emitted(metric: MetricSpec, generations: ReadonlySet<GenAiGeneration>): boolean {
  return metric.generation === undefined || generations.has(metric.generation)
}

/** The contract's metrics an app on these generations emits. */
export function metricsEmitted(generations: ReadonlySet<GenAiGeneration>): MetricSpec[] {
  return METRICS.filter((metric) => emitted(metric, generations))
}

let inUse: ReadonlySet<GenAiGeneration> | undefined

/** The generations the kit records: the SDK's environment's switch, else the process's. */
export function genAiGenerationsInUse(): ReadonlySet<GenAiGeneration> {
  inUse ??= genAiGenerations()
  return inUse
}

/** Records the generations `env`'s switch asks for from now on (the SDK's start does). */
export function useGenAiGenerations(env: Record<string, string | undefined>): void {
  inUse = genAiGenerations(env)
}
