/** The kit's command-line plumbing: a usage error type with codes, env files, strict flags, one top-level catch. */
export * from './cli-support.ts'
export * from './errors.ts'
