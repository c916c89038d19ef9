/**
 * The repository's files read the way Compose and the components read them: shared by the
 * setup, the commands that need a stack file and the test suites.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** Where the tools the kit builds are cached, outside the repository. */
export const CACHE = path.join(
  process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
  'layercode-otel-kit',
)

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const rootPath = (...parts: string[]) => path.join(ROOT, ...parts)
export const readText = (file: string) => readFileSync(rootPath(file), 'utf8')
export const readYaml = <T = Record<string, unknown>>(file: string): T =>
  parse(readText(file), { merge: true }) as T

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$` interpolation. */
export function interpolate(text: string, env: Record<string, string | undefined> = {}): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (match, name, op, fallback) => {
      if (match === '$$') return '$'
      const value = env[name]
      if (op === ':-') return value ? value : (fallback ?? '')
      if (op === '-') return value ?? fallback ?? ''
      return value ?? ''
    },
  )
}

export type ComposeService = {
  image?: string
  build?: { context: string; dockerfile?: string }
  command?: string[] | string
  entrypoint?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[]; interval?: string }
  mem_limit?: string
  restart?: string
  scale?: number
}
export type Compose = { services: Record<string, ComposeService>; volumes: Record<string, unknown> }

/**
 * docker-compose.yml as Compose sees it on a fresh clone (no .env): parsed first, then every
 * string interpolated (so `KEY: ${VAR:-}` is an empty string, not null), numbers as numbers.
 */
export function loadCompose(env: Record<string, string | undefined> = {}): Compose {
  const resolve = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const value = interpolate(node, env)
      return /^\d+$/.test(value) && value !== node ? Number(value) : value
    }
    if (Array.isArray(node)) return node.map(resolve)
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]))
    return node
  }
  return resolve(parse(readText('docker-compose.yml'), { merge: true })) as Compose
}
