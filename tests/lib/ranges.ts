/**
 * What a panel's value must be, as a range with its reason, and the check that evaluates a
 * panel's query as Grafana sends it against the real Prometheus: shared by the Node agent's
 * and the Python toolkit's value tests, so both meet the same expectations.
 */
import assert from 'node:assert/strict'
import { concrete, type InterpolationContext, type PanelQuery } from '@layercode-kit/grafana-gen'
import { SCRIPTED_LATENCY_MS } from '@layercode-kit/loadgen'
import { LATENCY_BUCKETS_S } from '@layercode-kit/telemetry'

export type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>

/** [lo, hi] for a value, and what it stands for (shown when the check fails). */
export type Range = { lo: number; hi: number; why: string }
export const between = (lo: number, hi: number, why: string): Range => ({ lo, hi, why })
export const exactly = (value: number, why: string) => between(value, value, why)
export const one = (range: Range) => [{ labels: {}, range }]
/** LayerCode's latency as its panel shows it: every scripted session.end reports the same. */
export const SCRIPTED_LATENCY = between(
  SCRIPTED_LATENCY_MS / 1000 - 1e-6,
  SCRIPTED_LATENCY_MS / 1000 + 1e-6,
  "every session.end's latency (ms, read as s)",
)

/** The histogram bucket holding x (upper bounds inclusive, as Prometheus's `le`). */
export function bucket(x: number, bounds: readonly number[] = LATENCY_BUCKETS_S): [number, number] {
  const i = bounds.findIndex((b) => x <= b)
  return i < 0
    ? [bounds.at(-1) ?? 0, Number.POSITIVE_INFINITY]
    : [bounds[i - 1] ?? 0, bounds[i] ?? 0]
}

/**
 * histogram_quantile interpolates inside the bucket that holds the q-th observation; the span's
 * and the metric's clocks differ by microseconds to milliseconds, so the neighbouring bucket
 * counts when the true value sits within 10% of an edge. Where q x n is a whole number the
 * quantile is anywhere between the observation of that rank and the next (Prometheus' float
 * sums of rates land on either side). A native histogram's buckets are narrower than these,
 * so its estimate falls inside the same range.
 */
export function quantileRange(
  observations: number[],
  q: number,
  why: string,
  bounds: readonly number[] = LATENCY_BUCKETS_S,
): Range {
  const sorted = [...observations].sort((a, b) => a - b)
  const x = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
  const next = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? x
  return between(
    bucket(x * 0.9, bounds)[0],
    bucket(next * 1.1, bounds)[1],
    `${why}: true p${q * 100} ${x}${next === x ? '' : ` to ${next}`}`,
  )
}

export type Expected = Array<{ labels: Record<string, string>; range: Range }>

/**
 * Evaluates panels' queries (with the dashboard's variables as `context` sets them) and checks
 * each returned series against the expected ones, by the expected labels; `checked` collects
 * `title#index` of every query checked.
 */
export function panelChecker(
  query: (promql: string, at: number) => Promise<Vector>,
  panels: readonly PanelQuery[],
  context: InterpolationContext = {},
) {
  const checked = new Set<string>()
  const text = (title: string, index: number) => {
    const found = panels.filter((p) => p.panel === title)[index]
    assert.ok(found, `panel "${title}" query ${index}`)
    return concrete(found, context)
  }
  async function expectPanel(title: string, index: number, at: number, expected: Expected) {
    const promql = text(title, index)
    checked.add(`${title}#${index}`)
    const result = await query(promql, at)
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort())
    const got = new Map(
      result.map((r) => {
        const labels = Object.fromEntries(
          Object.keys(expected[0]?.labels ?? {}).map((k) => [k, r.metric[k] ?? '']),
        )
        return [key(labels), Number(r.value[1])]
      }),
    )
    assert.deepEqual(
      [...got.keys()].sort(),
      expected.map((e) => key(e.labels)).sort(),
      `"${title}" series: ${JSON.stringify(result)}\n${promql}`,
    )
    for (const { labels, range } of expected) {
      const value = got.get(key(labels)) ?? Number.NaN
      assert.ok(
        value >= range.lo - 1e-9 && value <= range.hi + 1e-9,
        `"${title}" ${key(labels)} = ${value}, expected ${range.lo}..${range.hi} (${range.why})\n${promql}`,
      )
    }
  }
  return { expectPanel, checked, text }
}
