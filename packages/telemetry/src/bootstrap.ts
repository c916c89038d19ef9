import { register } from 'node:module'
import { createAddHookMessageChannel } from 'import-in-the-middle'
import { flushOnExit } from './flush-on-exit.ts'
import { sdkDisabled } from './otlp-endpoints.ts'
import { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts'
import { onShutdown } from './shutdown.ts'

/**
 * Registers import-in-the-middle's ESM loader hook, starts the SDK (whose instrumentations
 * tell the hook which modules to patch; only those are intercepted), and waits until the
 * hook has them, so modules imported afterwards are instrumented.
 */
export async function startInstrumented(
  options: TelemetryOptions = {},
): Promise<Telemetry | undefined> {
  if (sdkDisabled(options.env ?? process.env)) return undefined
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel()
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions)
  const telemetry = await startTelemetry(options)
  await waitForAllMessagesAcknowledged()
  return telemetry
}

// On globalThis, so a second copy of this package in one process still starts one SDK.
const STARTED = Symbol.for('layercode-kit.telemetry.started')
type Started = { [STARTED]?: Promise<Telemetry | undefined> }

/**
 * What `--import @layercode-kit/telemetry/register` does, once per process: the instrumented
 * SDK, flushed by the shutdown hooks and when the app exits. A program that validates its
 * configuration first calls this afterwards, then imports the modules to instrument; later
 * calls (or a `--import` before) return the same telemetry.
 */
export function startTelemetryOnce(): Promise<Telemetry | undefined> {
  const started = globalThis as Started
  started[STARTED] ??= startInstrumented().then((telemetry) => {
    if (telemetry) {
      onShutdown(() => telemetry.shutdown())
      flushOnExit(telemetry)
    }
    return telemetry
  })
  return started[STARTED]
}
