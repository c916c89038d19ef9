import { createOpenAI } from '@ai-sdk/openai'
import type { LanguageModelV4 } from '@ai-sdk/provider'
import { OFFLINE_MODEL_ID, OfflineLanguageModel } from './offline.ts'

export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini'

export type ModelOptions = {
  /** `--model` / `DEFAULT_MODEL`; `offline` forces the built-in model. */
  modelId?: string
  openaiApiKey?: string
  /** For OpenAI-compatible servers (Ollama, vLLM, LiteLLM...). */
  openaiBaseUrl?: string
  offlineChunkDelayMs?: number
}

/** An OpenAI-compatible model when a key is set, else the offline model. */
export function resolveModel(options: ModelOptions): LanguageModelV4 {
  if (
    !options.openaiApiKey ||
    options.modelId === OFFLINE_MODEL_ID ||
    options.modelId === 'offline'
  ) {
    return new OfflineLanguageModel({ chunkDelayMs: options.offlineChunkDelayMs })
  }
  const openai = createOpenAI({ apiKey: options.openaiApiKey, baseURL: options.openaiBaseUrl })
  // Chat Completions, not the Responses API: it is what Ollama, vLLM and LiteLLM speak.
  return openai.chat(options.modelId ?? DEFAULT_OPENAI_MODEL)
}
