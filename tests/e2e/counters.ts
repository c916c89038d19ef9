/**
 * Reading counters on the real Prometheus the way the value tests need them: summed per
 * timestamp, settled before traffic, and the first sample that holds all of it (the instant the
 * panels are read at). Shared by values.test.ts (the Node agent) and python.test.ts.
 */
import assert from 'node:assert/strict'
import type { Harness } from './harness.ts'

/** The raw samples of `selector` over the last `range`, summed per timestamp. */
export async function sumsByTime(
  harness: Harness,
  selector: string,
  range: string,
): Promise<Map<number, number>> {
  const sums = new Map<number, number>()
  for (const s of await harness.samples(`${selector}[${range}]`))
    for (const [ts, v] of s.values) sums.set(ts, (sums.get(ts) ?? 0) + Number(v))
  return sums
}

/** `sum(selector)` now or at `time` (0 while it has no series). */
export const total = async (harness: Harness, selector: string, time?: number) =>
  Number((await harness.query(`sum(${selector})`, time))[0]?.value[1] ?? 0)

/**
 * Whether `selector` has stayed flat for 45 s: every 60 s window that ends after the traffic
 * starts then sees only the settled warm-up before it.
 */
export async function flat(harness: Harness, selector: string): Promise<boolean> {
  const sums = await sumsByTime(harness, selector, '45s')
  return sums.size >= 4 && new Set(sums.values()).size === 1
}

/**
 * From the raw samples of `selector` (summed per timestamp): the first sample that reached
 * `finalValue` (reached), and the last sample before `before` (ms).
 */
export async function settledAt(
  harness: Harness,
  selector: string,
  before: number,
  finalValue: number,
) {
  const { final, times } = await reached(harness, selector, finalValue)
  const base = times.filter((ts) => ts * 1000 < before).at(-1)
  assert.ok(base !== undefined, `${selector} has a sample before the traffic`)
  return { final, base }
}

/**
 * The first sample of `selector` (summed per timestamp, over the last 3 minutes) that reached
 * `finalValue`, for a series that may have started with the traffic; and every sample's time.
 */
export async function reached(harness: Harness, selector: string, finalValue: number) {
  const sums = await sumsByTime(harness, selector, '3m')
  const times = [...sums.keys()].sort((a, b) => a - b)
  const final = times.find((ts) => sums.get(ts) === finalValue)
  assert.ok(final !== undefined, `${selector} reaches ${finalValue}: ${JSON.stringify([...sums])}`)
  return { final, times }
}

/** What the samples of `selector` in the `windowS` window ending at `at` span (last - first), in seconds. */
export async function sampledSpan(harness: Harness, selector: string, at: number, windowS: number) {
  const [first] = await harness.samples(`${selector}[${windowS}s]`, at)
  const ts = first?.values.map(([t]) => t) ?? []
  return (ts.at(-1) ?? 0) - (ts[0] ?? 0)
}
