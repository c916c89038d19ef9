/**
 * Work to finish before the process exits (telemetry flush, CPU profile). Kept free of SDK
 * imports so the CLI can run the hooks whether or not telemetry was loaded with --import.
 */
type Hook = () => Promise<unknown>
const hooks: Hook[] = []

/** A hook resolves `false` when it could not finish its work (a flush that timed out). */
export function onShutdown(hook: Hook): void {
  hooks.push(hook)
}

/**
 * Runs every hook at once; resolves true when all completed, false when one failed,
 * reported false, or `timeoutMs` passed first.
 */
export async function runShutdownHooks(timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  const done = Promise.allSettled(hooks.splice(0).map((hook) => hook())).then((results) =>
    results.every((r) => r.status === 'fulfilled' && r.value !== false),
  )
  try {
    return await Promise.race([done, timeout])
  } finally {
    clearTimeout(timer)
  }
}
