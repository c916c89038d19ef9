/**
 * @layercode-kit/telemetry: what an agent needs for the kit's dashboards and alerts to work.
 * Start the SDK with `node --import @layercode-kit/telemetry/register` (configured by the
 * standard OTEL_* variables), put the webhook middleware on the LayerCode endpoint
 * (`/hono`, or `/fetch` for any fetch handler), wrap the AI SDK model once (`/ai`), and the
 * panels show it. This entry holds the contract and the explicit helpers, for what the
 * middleware cannot see (tools: `runTool`) or apps that record turns themselves.
 */

export * from './bootstrap.ts'
export * from './contract.ts'
export * from './errors.ts'
export * from './export-errors.ts'
export * from './fingerprint.ts'
export * from './first-speech.ts'
export * from './flush-on-exit.ts'
export * from './genai-generation.ts'
export { type InferenceRecord, recordFirstChunk, recordInference } from './genai-metrics.ts'
export * from './headers.ts'
export * from './helpers.ts'
export * from './instruments.ts'
export * from './log-format.ts'
export * from './pricing.ts'
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
export * from './tools.ts'
export * from './tracing.ts'
export { currentWebhook, type WebhookScope } from './webhook-context.ts'
export { rejectionReason, TURN_EVENTS, type WebhookEvent } from './webhook-event.ts'
