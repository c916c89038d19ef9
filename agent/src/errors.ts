import { CodedError } from '@layercode-kit/cli-support'

/**
 * Every failure the agent reports on purpose carries one of these codes: the SSE error event's
 * `code`, the `error.code` of its log line and the `error.type` of its spans.
 */
export const AgentErrorCode = {
  ConfigInvalid: 'config_invalid',
  SecretMissing: 'secret_missing',
  UnknownAgent: 'unknown_agent',
  AgentFailed: 'agent_failed',
  InjectedFault: 'injected_fault',
} as const
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode]

export class AgentError extends CodedError<AgentErrorCode> {}
