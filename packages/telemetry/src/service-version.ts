import { readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * The version in the package.json nearest to the app's entry script (or the working
 * directory): a user's app is stamped with its own version, the kit's agent with the agent's.
 * OTEL_RESOURCE_ATTRIBUTES=service.version=... still wins (resource detection merges later).
 */
export function serviceVersion(
  entry: string | undefined = process.argv[1],
  cwd: string = process.cwd(),
): string | undefined {
  let dir = entry ? path.dirname(path.resolve(entry)) : cwd
  for (;;) {
    const version = packageVersion(path.join(dir, 'package.json'))
    if (version !== null) return version
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** The file's `version` (undefined if it has none), or null when there is no readable file. */
function packageVersion(file: string): string | undefined | null {
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }
    return typeof version === 'string' && version ? version : undefined
  } catch {
    return null
  }
}
