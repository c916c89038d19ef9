/** Nearest-rank percentile of unsorted samples; undefined when there are none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export type Distribution = { count: number; p50?: number; p95?: number; p99?: number; max?: number }

export function distribution(samples: readonly number[]): Distribution {
  const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10)
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(percentile(samples, 100)),
  }
}

/**
 * Marks exactly `rate` of all calls, spread evenly and deterministically: call k is marked
 * when floor(k * rate) steps up. Load tests then inject the same faults on every run.
 */
export function evenSpread(rate: number): () => boolean {
  let k = 0
  return () => {
    k += 1
    return Math.floor(k * rate) > Math.floor((k - 1) * rate)
  }
}
