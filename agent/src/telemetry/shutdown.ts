/**
 * Work to finish before the process exits (telemetry flush, CPU profile). Kept free of SDK
 * imports so the CLI can run the hooks whether or not telemetry was loaded with --import.
 */
const hooks: Array<() => Promise<unknown>> = []

export function onShutdown(hook: () => Promise<unknown>): void {
  hooks.push(hook)
}

/** Runs every hook at once; resolves when all settled or `timeoutMs` passed, whichever is first. */
export async function runShutdownHooks(timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  const done = Promise.allSettled(hooks.splice(0).map((hook) => hook())).then(() => true as const)
  try {
    return await Promise.race([done, timeout])
  } finally {
    clearTimeout(timer)
  }
}
