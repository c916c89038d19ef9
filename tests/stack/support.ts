/** Reading the stack's files for tests: the repository helpers (tools/repo.ts) and Compose's view. */
import { existsSync, readdirSync } from 'node:fs'
import { type Compose, loadCompose, readText, rootPath } from '../../tools/repo.ts'

export * from '../../tools/repo.ts'

/** The webhook secret compose gives the agent and the load generator (its default on a fresh clone). */
export const composeWebhookSecret = (compose: Compose = loadCompose()): string =>
  compose.services.agent?.environment?.LAYERCODE_WEBHOOK_SECRET ?? ''

/** Variables docker-compose.yml reads. */
export function composeVariables(): string[] {
  return [
    ...new Set(
      [...readText('docker-compose.yml').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map(
        (m) => m[1] as string,
      ),
    ),
  ]
}

/** One-shot services (other services wait for them to complete, not to be healthy). */
export function oneShotServices(compose: Compose): string[] {
  return Object.keys(compose.services).filter((name) =>
    Object.values(compose.services).some(
      (s) => s.depends_on?.[name]?.condition === 'service_completed_successfully',
    ),
  )
}

/** Workspace packages by name → their folder, from the root package.json's globs. */
export function workspaceDirs(): Map<string, string> {
  const globs: string[] = JSON.parse(readText('package.json')).workspaces
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(rootPath(glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`)
      : [glob],
  )
  return new Map(
    dirs
      .filter((dir) => existsSync(rootPath(dir, 'package.json')))
      .map((dir) => [JSON.parse(readText(`${dir}/package.json`)).name as string, dir]),
  )
}
