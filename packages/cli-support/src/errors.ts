/**
 * A failure written for the user who ran a command, with a code a program can match. Each
 * package owns its codes (the agent's are its own); runCli prints any of them as one line.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** The codes of the kit's commands' own failures. */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  SecretMissing: 'secret_missing',
  EnvFileMissing: 'env_file_missing',
  UsageError: 'usage_error',
  TimedOut: 'timed_out',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** A usage or configuration error of a kit command. */
export class KitError extends CodedError<ErrorCode> {}
