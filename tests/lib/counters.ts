/**
 * Reading counters on the real Prometheus the way the value tests need them: summed over
 * series (several replicas push at their own instants), settled before traffic, and the first
 * sample that holds all of it (the instant the panels are read at). Shared by values.test.ts
 * (the Node agent, two replicas) and python.test.ts.
 */
import assert from 'node:assert/strict'
import type { Harness } from './harness.ts'

/**
 * The raw samples of `selector` over the last `range`, summed over its series at every
 * sample's timestamp: each series counts with its latest value at that instant (what `sum()`
 * would say then), from the first instant every series has a sample.
 */
export async function sumsByTime(
  harness: Harness,
  selector: string,
  range: string,
): Promise<Map<number, number>> {
  const series = (await harness.samples(`${selector}[${range}]`)).map((s) =>
    s.values.map(([ts, v]) => [ts, Number(v)] as const),
  )
  const times = [...new Set(series.flatMap((s) => s.map(([ts]) => ts)))].sort((a, b) => a - b)
  const sums = new Map<number, number>()
  for (const t of times) {
    let sum = 0
    let complete = true
    for (const s of series) {
      const latest = s.filter(([ts]) => ts <= t).at(-1)
      if (!latest) complete = false
      else sum += latest[1]
    }
    if (complete) sums.set(t, sum)
  }
  return sums
}

/**
 * `sum(selector)` now or at `time` (0 while it has no series); a native histogram's
 * observations count.
 */
export const total = async (harness: Harness, selector: string, time?: number) =>
  Number(
    (await harness.query(`sum(histogram_count(${selector})) or sum(${selector})`, time))[0]
      ?.value[1] ?? 0,
  )

/**
 * Whether `selector` has stayed flat for 45 s: every 60 s window that ends after the traffic
 * starts then sees only the settled warm-up before it.
 */
export async function flat(harness: Harness, selector: string): Promise<boolean> {
  const sums = await sumsByTime(harness, selector, '45s')
  return sums.size >= 4 && new Set(sums.values()).size === 1
}

/**
 * From the raw samples of `selector` (summed over series): the first instant that reached
 * `finalValue` (reached), and the earliest instant whose window holds every pre-traffic value.
 */
export async function settledAt(
  harness: Harness,
  selector: string,
  before: number,
  finalValue: number,
) {
  const { final } = await reached(harness, selector, finalValue)
  // The earliest of every series' last sample before the traffic: a window back to it holds
  // each series' pre-traffic value (a series born in the traffic starts at zero in it).
  const lastBefore = (await harness.samples(`${selector}[3m]`)).flatMap((s) => {
    const ts = s.values.map(([t]) => t).filter((t) => t * 1000 < before)
    return ts.length > 0 ? [ts.at(-1) as number] : []
  })
  assert.ok(lastBefore.length > 0, `${selector} has a sample before the traffic`)
  return { final, base: Math.min(...lastBefore) }
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

/**
 * What the samples of `selector` in the `windowS` window ending at `at` span (last - first),
 * in seconds: the shortest over its series (the most any one of them extrapolates).
 */
export async function sampledSpan(harness: Harness, selector: string, at: number, windowS: number) {
  const spans = (await harness.samples(`${selector}[${windowS}s]`, at)).map((s) => {
    const ts = s.values.map(([t]) => t)
    return (ts.at(-1) ?? 0) - (ts[0] ?? 0)
  })
  return spans.length > 0 ? Math.min(...spans) : 0
}
