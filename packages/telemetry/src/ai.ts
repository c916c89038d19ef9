/**
 * `@layercode-kit/telemetry/ai`: the AI SDK model wrapper. Wrap a model once
 * (`instrumentModel(openai('gpt-4o-mini'))`) and every call through it gets a `chat {model}`
 * span, token and cost metrics, time to first chunk, and reports to the running turn's
 * first-speech clock. Needs `ai` (a peer dependency); apps on other model clients use the
 * explicit helpers of the main entry instead.
 */
export { instrumentModel, type LanguageModelV4CallOptions, providerName } from './genai-model.ts'
