import { setGlobalErrorHandler } from '@opentelemetry/core'
import { UNREACHABLE_CODES } from './collector-probe.ts'

/** A failing export, as the one-line warning reports it. */
export type ExportErrorReport = {
  'error.message': string
  /** Further failures since the last report, not reported one by one. */
  suppressed: number
  /** What to do about it, when the failure says (no collector listening). */
  hint?: string
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

const NOTHING_LISTENING = new RegExp(UNREACHABLE_CODES.join('|'))

/** The hint for a failure that means no collector is there, naming where the SDK sends. */
function exportErrorHint(message: string, endpoints: readonly string[]): string | undefined {
  if (!NOTHING_LISTENING.test(message)) return undefined
  const where = endpoints.length ? [...new Set(endpoints)].join(', ') : 'the OTLP endpoint'
  return `no OpenTelemetry collector is listening at ${where}: start the kit's (docker compose up -d collector), set OTEL_EXPORTER_OTLP_ENDPOINT to yours, or OTEL_SDK_DISABLED=true to run without telemetry`
}

/**
 * Every failed export (a dead collector, a refused batch) reaches the SDK's global error
 * handler, which by default says nothing unless OTEL_LOG_LEVEL is raised. This reports the
 * first failure at once and then at most one every `intervalMs`, with a count of the rest.
 */
export function warnOnExportErrors(
  endpoints: readonly string[] = [],
  intervalMs = 60_000,
  now: () => number = Date.now,
): void {
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
    const hint = exportErrorHint(message, endpoints)
    reporter({ 'error.message': message.slice(0, 500), suppressed, ...(hint ? { hint } : {}) })
    suppressed = 0
  })
}
