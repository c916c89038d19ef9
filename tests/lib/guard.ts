/**
 * One guard for every native suite: what it needs that this machine lacks (the real binaries
 * `npm run setup` builds; root for namespaces, mounts and cgroups), undefined when nothing.
 * Without it a suite skips with one line saying why; under CI=true it fails instead.
 */
import { missingBinaries } from '../../tools/binaries.ts'
import { missingPrivileges } from './netns.ts'

export async function nativeSuiteGuard(
  suite: string,
  needs: { root: boolean } = { root: true },
): Promise<string | undefined> {
  const missing = (await missingBinaries()) ?? (needs.root ? await missingPrivileges() : undefined)
  if (missing && process.env.CI) throw new Error(`e2e: ${missing}; CI must run ${suite}`)
  if (missing) console.log(`# SKIP ${suite}: ${missing}`)
  return missing
}
