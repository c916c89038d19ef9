/**
 * Load with `node --import ./agent/src/telemetry/register.ts` so instrumentation is in place
 * before the app's modules load.
 */
import { startInstrumented } from './instrumented.ts'
import { onShutdown } from './shutdown.ts'

const telemetry = await startInstrumented()
if (telemetry) onShutdown(() => telemetry.shutdown())
