import { setTimeout as sleep } from 'node:timers/promises'

export type Settled<T> = { done: boolean; value: T | undefined; error: unknown }

/**
 * Calls `probe` every `intervalMs` until `done(value)` holds or `timeoutMs` has passed (a probe
 * that throws counts as "not yet"). Returns the last value either way, so a test asserts on
 * what it actually saw instead of reporting a bare timeout.
 */
export async function settle<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<Settled<T>> {
  const deadline = Date.now() + timeoutMs
  let value: T | undefined
  let error: unknown
  for (;;) {
    try {
      value = await probe()
      error = undefined
      if (done(value)) return { done: true, value, error }
    } catch (caught) {
      error = caught
    }
    if (Date.now() > deadline) return { done: false, value, error }
    await sleep(intervalMs)
  }
}

/** Waits until `check` returns true; throws, naming `what` and the last error, on timeout. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<void> {
  const { done, error } = await settle(check, Boolean, timeoutMs, intervalMs)
  if (done) return
  const cause = error instanceof Error ? `: ${error.message}` : ''
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`)
}

/**
 * Waits until `count()` holds still across one `intervalMs` (a receiver's count that stopped
 * moving for a batch delay: everything sent so far has arrived), and returns it.
 */
export async function untilStill(
  what: string,
  count: () => number | Promise<number>,
  timeoutMs = 60_000,
  intervalMs = 6_000,
): Promise<number> {
  let last = -1
  await waitFor(
    what,
    async () => {
      const now = await count()
      const still = now === last
      last = now
      return still
    },
    timeoutMs,
    intervalMs,
  )
  return last
}
