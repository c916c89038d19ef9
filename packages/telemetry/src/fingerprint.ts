/**
 * An error's fingerprint: which fault it is, the same on every replica, run and release until
 * the fault itself changes (as Sentry groups events into issues). The algorithm, documented in
 * docs/telemetry.md and shared with the Python integration (fingerprint-cases.json):
 *
 *   sha256(type + "\n" + normalized message + "\n" + frames, one "module:function" a line)
 *   as hex, its first 16 characters.
 *
 * `type` is `error.type`. The message is normalized: URLs, UUIDs, quoted values, then every
 * word holding a digit (numbers, ids, hex) become placeholders; whitespace collapses. Frames
 * are the top three of the app's own code (not node_modules, not the runtime), module as the
 * path from the app's root without extension, no line numbers; with none, the top three of
 * the libraries', module as the package name. An error with a `fingerprint` (a string or a
 * list, as Sentry's) is grouped by it instead.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'

/** One stack frame as the fingerprint reads it. */
export type Frame = { module: string; function: string }

/** What the fingerprint is made of. */
export type FingerprintInput = { type: string; message: string; frames: readonly Frame[] }

/** Frames the fingerprint keeps. */
export const FINGERPRINT_FRAMES = 3
/** Characters of the normalized message kept as its sample (the metric label, the log field). */
export const FINGERPRINT_MESSAGE_LENGTH = 160

// Applied in order; each pattern is written the same in Python (fingerprint.py).
const VOLATILE: ReadonlyArray<readonly [RegExp, string]> = [
  [/[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g, '<url>'],
  [/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g, '<uuid>'],
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>'],
  [/[A-Za-z0-9_.:/-]*[0-9][A-Za-z0-9_.:/-]*/g, '<n>'],
  [/\s+/g, ' '],
]

/** The message with its volatile parts replaced: the same for every occurrence of a fault. */
export function normalizeMessage(message: string): string {
  let text = message
  for (const [pattern, placeholder] of VOLATILE) text = text.replace(pattern, placeholder)
  return text.trim()
}

/** The fingerprint of a fault: 16 hex characters. */
export function fingerprintOf(input: FingerprintInput): string {
  const frames = input.frames.slice(0, FINGERPRINT_FRAMES).map((f) => `${f.module}:${f.function}`)
  const text = [input.type, normalizeMessage(input.message), ...frames].join('\n')
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)
}

/** An app's own grouping (Sentry's `fingerprint`): the parts joined, hashed the same way. */
export function fingerprintOfParts(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 16)
}

// `    at [async ][new ]name (location)` or `    at location`; location is file:line:col.
const FRAME = /^\s*at (?:async )?(?:new )?(?:(.+?) \()?(.+?)(?::\d+){1,2}\)?$/

/**
 * The frames of a V8 stack, the app's own first: module as the path from `root` without its
 * extension, function as V8 names it (without `Class.` receivers' generated suffixes).
 */
export function stackFrames(stack: string | undefined, root = process.cwd()): Frame[] {
  const own: Frame[] = []
  const libraries: Frame[] = []
  for (const line of (stack ?? '').split('\n')) {
    const match = FRAME.exec(line)
    if (!match) continue
    const [, name, location = ''] = match
    const file = location.startsWith('file://') ? new URL(location).pathname : location
    if (file.startsWith('node:') || !file.includes('/')) continue
    const fn = name?.replace(/ \[as [^\]]+\]$/, '') || '<anonymous>'
    const modules = file.split('/node_modules/')
    if (modules.length > 1) {
      const rest = modules.at(-1) ?? ''
      const parts = rest.split('/')
      const pkg = rest.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? rest)
      libraries.push({ module: pkg, function: fn })
      continue
    }
    const relative = path.relative(root, file).split(path.sep).join('/')
    const module = relative.startsWith('..') ? path.basename(file) : relative
    own.push({ module: module.replace(/\.[cm]?[jt]sx?$/, ''), function: fn })
  }
  return (own.length > 0 ? own : libraries).slice(0, FINGERPRINT_FRAMES)
}

/** What the kit records of an error: its type, normalized message and fingerprint. */
export type ErrorIdentity = { type: string; message: string; fingerprint: string }

/** An error's identity; `type` is its `error.type` (tracing.ts's errorType). */
export function errorIdentity(error: unknown, type: string, root?: string): ErrorIdentity {
  const message = normalizeMessage(
    error instanceof Error ? error.message : typeof error === 'string' ? error : String(error),
  ).slice(0, FINGERPRINT_MESSAGE_LENGTH)
  const own = (error as { fingerprint?: unknown } | null)?.fingerprint
  const parts = typeof own === 'string' ? [own] : Array.isArray(own) ? own.map(String) : undefined
  if (parts && parts.length > 0) return { type, message, fingerprint: fingerprintOfParts(parts) }
  const frames = error instanceof Error ? stackFrames(error.stack, root) : []
  const raw = error instanceof Error ? error.message : String(error)
  return { type, message, fingerprint: fingerprintOf({ type, message: raw, frames }) }
}
