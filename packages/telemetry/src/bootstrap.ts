import { register } from 'node:module'
import { createAddHookMessageChannel } from 'import-in-the-middle'
import { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts'

/**
 * Registers import-in-the-middle's ESM loader hook, starts the SDK (whose instrumentations
 * tell the hook which modules to patch; only those are intercepted), and waits until the
 * hook has them, so modules imported afterwards are instrumented.
 */
export async function startInstrumented(
  options: TelemetryOptions = {},
): Promise<Telemetry | undefined> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel()
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions)
  const telemetry = await startTelemetry(options)
  await waitForAllMessagesAcknowledged()
  return telemetry
}
