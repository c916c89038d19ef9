/** The kit's command-line plumbing: one error type with codes, env files, strict flags, one top-level catch, the development webhook secret. */
export * from './cli-support.ts'
export * from './dev-secret.ts'
export * from './errors.ts'
