/*
 * Incubating semantic-convention names the contract uses (GenAI, gen_ai.*), copied here as
 * constants rather than imported from `@opentelemetry/semantic-conventions/incubating`, whose
 * exports may change in any minor release (the practice of opentelemetry-js-contrib's
 * instrumentation-openai/src/semconv.ts). Stable names are imported from the package.
 */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name' as const
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id' as const
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name' as const
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id' as const
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type' as const
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.cache_read.input_tokens' as const
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality' as const
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK =
  'gen_ai.response.time_to_first_chunk' as const
