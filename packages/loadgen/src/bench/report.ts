/** A difference with its sign, once: "+1.20 ms", "-0.35 ms" (never "+-0.35"). */
export function signedMs(delta: number): string {
  if (!Number.isFinite(delta)) return 'n/a'
  return `${delta < 0 ? '-' : '+'}${Math.abs(delta).toFixed(2)} ms`
}

export type OpenLoopRun = {
  /** Requests per second the run was meant to offer. */
  offeredRps: number
  seconds: number
  /** Requests answered (successfully or not). */
  sent: number
  /** Requests not sent because the cap of requests in flight was reached. */
  skipped: number
}

/**
 * Why an open-loop run cannot be compared, or undefined when it can: a run that skipped
 * requests, or sent under 95% of the offered rate, measured the driver, not a fixed load.
 */
export function openLoopProblem(run: OpenLoopRun): string | undefined {
  const achieved = run.sent / run.seconds
  if (run.skipped > 0)
    return `${run.skipped} requests skipped with the in-flight cap reached (the agent fell behind ${run.offeredRps} req/s)`
  if (achieved < run.offeredRps * 0.95)
    return `the driver sent ${achieved.toFixed(0)} req/s of the ${run.offeredRps} offered`
  return undefined
}
