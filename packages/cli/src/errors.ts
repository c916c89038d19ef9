/** Every failure the kit reports on purpose carries one of these codes. */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  SecretMissing: 'secret_missing',
  EnvFileMissing: 'env_file_missing',
  UnknownAgent: 'unknown_agent',
  AgentFailed: 'agent_failed',
  InjectedFault: 'injected_fault',
  UsageError: 'usage_error',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export class KitError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KitError'
    this.code = code
  }
}

export function isKitError(error: unknown): error is KitError {
  return error instanceof KitError
}
