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
export async function resolveModel(options: ModelOptions): Promise<LanguageModelV4> {
  if (
    !options.openaiApiKey ||
    options.modelId === OFFLINE_MODEL_ID ||
    options.modelId === 'offline'
  ) {
    return new OfflineLanguageModel({ chunkDelayMs: options.offlineChunkDelayMs })
  }
  // @ai-sdk/openai builds a default provider when imported and rejects a blank
  // OPENAI_BASE_URL (compose passes one when it is unset): blank means unset, as everywhere.
  if (process.env.OPENAI_BASE_URL?.trim() === '') delete process.env.OPENAI_BASE_URL
  const { createOpenAI } = await import('@ai-sdk/openai')
  const openai = createOpenAI({ apiKey: options.openaiApiKey, baseURL: options.openaiBaseUrl })
  // Chat Completions, not the Responses API: it is what Ollama, vLLM and LiteLLM speak.
  return openai.chat(options.modelId ?? DEFAULT_OPENAI_MODEL)
}
