/**
 * @layercode-kit/telemetry: what an agent needs for the kit's dashboards and alerts to work.
 * Start the SDK with `node --import @layercode-kit/telemetry/register` (configured by the
 * standard OTEL_* variables), record with the contract's names, and the panels show it.
 */

export * from './bootstrap.ts'
export * from './contract.ts'
export * from './doc.ts'
export * from './export-errors.ts'
export * from './first-speech.ts'
export * from './flush-on-exit.ts'
export * from './genai-model.ts'
export * from './headers.ts'
export * from './helpers.ts'
export * from './instruments.ts'
export * from './log-format.ts'
export * from './pricing.ts'
export * from './python.ts'
export * from './recording.ts'
export * from './redact.ts'
export * from './redact-spans.ts'
export * from './scope.ts'
export * from './sdk.ts'
export * from './sdk-limits.ts'
export * from './service-version.ts'
export * from './sessions.ts'
export * from './shutdown.ts'
export * from './span-processors.ts'
export * from './spend.ts'
export * from './synthetic.ts'
export * from './tracing.ts'
