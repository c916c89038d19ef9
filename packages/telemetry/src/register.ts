/**
 * Load with `node --import @layercode-kit/telemetry/register` so instrumentation is in place
 * before the app's modules load. Telemetry is flushed when the app exits (flush-on-exit.ts).
 */

import { startInstrumented } from './bootstrap.ts'
import { flushOnExit } from './flush-on-exit.ts'
import { onShutdown } from './shutdown.ts'

const telemetry = await startInstrumented()
if (telemetry) {
  onShutdown(() => telemetry.shutdown())
  flushOnExit(telemetry)
}
