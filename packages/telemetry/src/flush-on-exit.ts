import type { Telemetry } from './sdk.ts'

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * For any app loaded with `--import register.ts`: flush and stop telemetry when the event
 * loop runs dry (a short script) or on SIGTERM/SIGINT. An app with its own signal handler
 * owns its shutdown (the kit's CLI drains turns first, then runs the shutdown hooks); for
 * an app without one, the signal is raised again after the flush, so it still ends the
 * process the way Node's default would. A flush that gave up (no collector) says why on
 * stderr and ends the app at once: the exporters' pending retries would otherwise keep a
 * finished script alive for their whole timeout.
 */
export function flushOnExit(telemetry: Telemetry, proc: NodeJS.Process = process): void {
  proc.once('beforeExit', () => {
    void telemetry.shutdown().then((outcome) => {
      if (outcome.ok) return
      proc.stderr.write(`${JSON.stringify({ level: 'warn', message: outcome.problem })}\n`)
      proc.exit()
    })
  })
  for (const signal of SIGNALS) {
    const onSignal = () => {
      if (proc.listenerCount(signal) > 1) return
      proc.off(signal, onSignal)
      void telemetry.shutdown().finally(() => proc.kill(proc.pid, signal))
    }
    proc.on(signal, onSignal)
  }
}
