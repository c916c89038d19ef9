/**
 * layercode-kit.yaml: what users tune (thresholds, minimum volumes, `for` durations,
 * objectives, per-environment overrides, notification routing, the price table), validated
 * by one zod schema. A wrong key or value fails with its file, line, key and what was expected.
 * The generator holds no threshold: every rule and panel threshold comes from here.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { LATENCY_BUCKETS_S, parsePriceTable } from '@layercode-kit/telemetry'
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'

/** The repository's own file (the one compose runs with). */
export const DEFAULT_CONFIG_FILE = fileURLToPath(
  new URL('../../../layercode-kit.yaml', import.meta.url),
)
/** Names another config file for the generator and the export command. */
export const CONFIG_FILE_ENV = 'LAYERCODE_KIT_CONFIG'

/** A Prometheus duration, as `for` takes it: `30s`, `2m`, `1h`. */
const duration = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d))+$/, 'a Prometheus duration such as 30s, 2m or 1h')
const share = z.number().gt(0).lt(1)
const count = z.number().int().min(1)
const positive = z.number().gt(0)
const forDuration = { for: duration.optional() }

const alerts = z.strictObject({
  error_rate: z.strictObject({ threshold: share, min_turns: count, ...forDuration }),
  latency_p95: z.strictObject({ threshold: positive, ...forDuration }),
  first_speech_p95: z.strictObject({ threshold: positive, ...forDuration }),
  tokens_per_hour: z.strictObject({ threshold: positive, ...forDuration }),
  spend_per_hour: z.strictObject({ threshold: positive, ...forDuration }),
  webhooks_rejected: z.strictObject({ threshold: share, min_rejections: count, ...forDuration }),
  canary: z.strictObject({ failed_turns: count, ...forDuration }),
  new_error: z.strictObject({
    lookback: duration,
    new_for: duration,
    min_occurrences: count,
    ...forDuration,
  }),
  error_regression: z.strictObject({
    absent_for: duration,
    min_occurrences: count,
    ...forDuration,
  }),
})
export type AlertName = keyof z.infer<typeof alerts>

/** Per environment: thresholds and minimum volumes only (`for` is the rule's). */
const override = z.strictObject({
  error_rate: z.strictObject({ threshold: share, min_turns: count }).partial(),
  latency_p95: z.strictObject({ threshold: positive }).partial(),
  first_speech_p95: z.strictObject({ threshold: positive }).partial(),
  tokens_per_hour: z.strictObject({ threshold: positive }).partial(),
  spend_per_hour: z.strictObject({ threshold: positive }).partial(),
  webhooks_rejected: z.strictObject({ threshold: share, min_rejections: count }).partial(),
  new_error: z.strictObject({ min_occurrences: count }).partial(),
  error_regression: z.strictObject({ min_occurrences: count }).partial(),
})

const channel = z.enum(['slack', 'webhook', 'pager'])
const route = z.strictObject({
  channels: z.array(channel),
  group_wait: duration,
  repeat_interval: duration,
})

const buckets = LATENCY_BUCKETS_S as readonly number[]
export const KIT_CONFIG_SCHEMA = z.strictObject({
  alerts,
  slos: z.strictObject({
    window_days: z.number().int().min(1).max(90),
    min_events: count,
    turn_success: z.strictObject({ objective: share }),
    first_speech: z.strictObject({
      objective: share,
      within_seconds: z
        .number()
        .refine((s) => buckets.includes(s), `one of the latency buckets ${buckets.join(', ')}`),
    }),
  }),
  environments: z
    .record(z.string().regex(/^[^"\\|]+$/, 'an environment name'), override.partial())
    .default({}),
  notifications: z.strictObject({ critical: route, warning: route }),
  prices: z.string().min(1),
  /** Where docs/runbooks/ is published (a repository URL); Grafana's Runbooks dashboard otherwise. */
  runbooks_url: z.url().optional(),
})
export type KitConfig = z.infer<typeof KIT_CONFIG_SCHEMA>

/** A config file that does not validate: every problem, each with its line. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Where a key path is in the file: the key itself for an unknown key, its value otherwise,
 * or the deepest parent that exists (a missing key is reported on its parent).
 */
function offsetOf(node: unknown, keys: readonly PropertyKey[], atKey: boolean): number {
  let current = node
  let offset = 0
  for (const [i, key] of keys.entries()) {
    if (!isMap(current)) break
    const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key))
    if (!pair) break
    const last = i === keys.length - 1
    const target = last && atKey ? pair.key : (pair.value ?? pair.key)
    offset = (target as { range?: [number, number, number] }).range?.[0] ?? offset
    current = pair.value
  }
  return offset
}

/** `a.b.c` for a zod issue path. */
const dotted = (keys: readonly PropertyKey[]) => keys.map(String).join('.')

/**
 * Parses and validates a config text. `file` names it in errors; a relative `prices` path is
 * resolved against its directory and the table is parsed.
 */
export function parseKitConfig(text: string, file: string): KitConfig {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const where = (offset: number) => `${file}:${lines.linePos(offset).line}`
  if (doc.errors.length > 0)
    throw new ConfigError(
      doc.errors.map((e) => `${where(e.pos[0])}: not valid YAML: ${e.message}`).join('\n'),
    )
  const result = KIT_CONFIG_SCHEMA.safeParse(doc.toJS())
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const unknown = issue.code === 'unrecognized_keys'
      const keys = unknown ? [...issue.path, String(issue.keys[0])] : issue.path
      const what = unknown
        ? `unknown key "${String(issue.keys[0])}"${issue.path.length ? ` in ${dotted(issue.path)}` : ''}`
        : `${dotted(keys) || '(top level)'}: ${issue.message}`
      return `${where(offsetOf(doc.contents, keys, unknown))}: ${what}`
    })
    throw new ConfigError(problems.join('\n'))
  }
  const config = result.data
  const prices = path.resolve(path.dirname(file), config.prices)
  let table: string
  try {
    table = readFileSync(prices, 'utf8')
  } catch {
    throw new ConfigError(
      `${where(offsetOf(doc.contents, ['prices'], false))}: prices: no price table at ${prices}`,
    )
  }
  parsePriceTable(table, prices)
  return { ...config, prices }
}

/** The config file LAYERCODE_KIT_CONFIG names, or the repository's. */
export function loadKitConfig(file = process.env[CONFIG_FILE_ENV] || DEFAULT_CONFIG_FILE) {
  return parseKitConfig(readFileSync(file, 'utf8'), file)
}

/** The config every rule and panel is generated from, read once. */
export const CONFIG: KitConfig = loadKitConfig()

/** An alert's values in an environment: its overrides over the defaults. */
export function alertIn<A extends keyof z.infer<typeof override>>(
  config: KitConfig,
  alert: A,
  environment?: string,
): KitConfig['alerts'][A] {
  const overrides = environment ? config.environments[environment]?.[alert] : undefined
  return { ...config.alerts[alert], ...overrides }
}

/** The environments that override an alert, with their values. */
export function overridesOf<A extends keyof z.infer<typeof override>>(config: KitConfig, alert: A) {
  return Object.keys(config.environments)
    .filter((env) => config.environments[env]?.[alert] !== undefined)
    .map((env) => ({ environment: env, values: alertIn(config, alert, env) }))
}

/** The schema as JSON Schema, for editors (the config's first line names it). */
export const configJsonSchema = () =>
  `${JSON.stringify(z.toJSONSchema(KIT_CONFIG_SCHEMA, { io: 'input' }), null, 2)}\n`
