import { setGlobalErrorHandler } from '@opentelemetry/core'

export type ExportErrorReport = {
  'error.message': string
  /** Further failures since the last report, not reported one by one. */
  suppressed: number
}

type Reporter = (report: ExportErrorReport) => void

// Until the agent's logger exists, a JSON line on stderr.
let reporter: Reporter = (report) =>
  process.stderr.write(
    `${JSON.stringify({ level: 'warn', message: 'telemetry export failing', ...report })}\n`,
  )

/** Where export failures are reported (the agent's logger, once it exists). */
export function reportExportErrorsTo(next: Reporter): void {
  reporter = next
}

/**
 * Every failed export (a dead collector, a refused batch) reaches the SDK's global error
 * handler, which by default says nothing unless OTEL_LOG_LEVEL is raised. This reports the
 * first failure at once and then at most one every `intervalMs`, with a count of the rest.
 */
export function warnOnExportErrors(intervalMs = 60_000, now: () => number = Date.now): void {
  let last = Number.NEGATIVE_INFINITY
  let suppressed = 0
  setGlobalErrorHandler((error) => {
    const at = now()
    if (at - last < intervalMs) {
      suppressed += 1
      return
    }
    last = at
    const message = error instanceof Error ? error.message : String(error)
    reporter({ 'error.message': message.slice(0, 500), suppressed })
    suppressed = 0
  })
}
