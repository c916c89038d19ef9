/**
 * Load with `node --import @layercode-kit/telemetry/register` so instrumentation is in place
 * before the app's modules load. Telemetry is flushed when the app exits (flush-on-exit.ts).
 */

import { startTelemetryOnce } from './bootstrap.ts'

await startTelemetryOnce()
