/**
 * Work to finish before the process exits (telemetry flush, CPU profile). Kept free of SDK
 * imports so the CLI can run the hooks whether or not telemetry was loaded with --import.
 */
type Hook = () => Promise<unknown>
const hooks: Hook[] = []

/**
 * A hook reports that it could not finish its work by resolving `false` or
 * `{ ok: false, problem }` (a flush that timed out), or by rejecting.
 */
export function onShutdown(hook: Hook): void {
  hooks.push(hook)
}

/** What flushing on exit did. */
export type ShutdownReport = {
  /** Every hook finished its work in time. */
  done: boolean
  /** Why not, one line per hook that did not (empty when done). */
  problems: string[]
}

function problemOf(result: PromiseSettledResult<unknown>): string | undefined {
  if (result.status === 'rejected')
    return result.reason instanceof Error ? result.reason.message : String(result.reason)
  const value = result.value as { ok?: unknown; problem?: unknown } | false | undefined
  if (value === false) return 'a shutdown hook could not finish'
  if (value && typeof value === 'object' && value.ok === false) return String(value.problem)
  return undefined
}

/** Runs every hook at once, and reports those that failed or outlived `timeoutMs`. */
export async function runShutdownHooks(timeoutMs: number): Promise<ShutdownReport> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<ShutdownReport>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          done: false,
          problems: [`shutdown hooks still running after ${timeoutMs} ms`],
        }),
      timeoutMs,
    )
  })
  const done = Promise.allSettled(hooks.splice(0).map((hook) => hook())).then((results) => {
    const problems = results.map(problemOf).filter((p): p is string => p !== undefined)
    return { done: problems.length === 0, problems }
  })
  try {
    return await Promise.race([done, timeout])
  } finally {
    clearTimeout(timer)
  }
}
