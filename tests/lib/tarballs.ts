/**
 * The workspace packages a user installs, packed as `npm publish` would (their `prepack`
 * builds dist/), into one directory outside the repository. Packed once per test process.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { rootPath } from '../stack/support.ts'

const run = promisify(execFile)

export type Published = { name: string; version: string; dir: string }

/** Every workspace package that is not private: what the kit publishes. */
export function publishedPackages(): Published[] {
  return readdirSync(rootPath('packages'))
    .map((name) => path.join('packages', name))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(rootPath(dir, 'package.json'), 'utf8')) as {
        name: string
        version: string
        private?: boolean
      },
    }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name, version: manifest.version, dir }))
}

let packed: Promise<Map<string, string>> | undefined

/** Package name -> its tarball's absolute path. */
export function packTarballs(): Promise<Map<string, string>> {
  packed ??= (async () => {
    const destination = await mkdtemp(path.join(tmpdir(), 'kit-tarballs-'))
    const tarballs = new Map<string, string>()
    for (const pkg of publishedPackages()) {
      const { stdout } = await run(
        'npm',
        ['pack', '--json', '--pack-destination', destination, `--workspace=${pkg.dir}`],
        { cwd: rootPath(), maxBuffer: 64 * 2 ** 20 },
      )
      const [result] = JSON.parse(stdout) as Array<{ filename: string }>
      if (!result) throw new Error(`npm pack ${pkg.dir} printed no result`)
      tarballs.set(pkg.name, path.join(destination, result.filename))
    }
    return tarballs
  })()
  return packed
}

/** `npm <args>` in `cwd` as a user's shell runs it, quietly (no audit, fund or progress). */
export function npmAsUser(cwd: string, args: string[]) {
  return run('npm', ['--no-audit', '--no-fund', '--loglevel=error', ...args], {
    cwd,
    env: userEnv(),
    maxBuffer: 64 * 2 ** 20,
  })
}

/** A child's environment as a user's shell has it: no workspace resolution condition. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  delete env.NODE_OPTIONS
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key]
  return env
}

/**
 * `examples/<name>` as a user's own project: copied out of the workspace, its dependencies on
 * the kit's packages pointed at their tarballs, installed with a plain `npm install`. Returns
 * the project's directory.
 */
export async function installExample(name: string): Promise<string> {
  const tarballs = await packTarballs()
  const dir = path.join(await mkdtemp(path.join(tmpdir(), `kit-example-${name}-`)), name)
  await cp(rootPath('examples', name), dir, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes('node_modules'),
  })
  const manifestPath = path.join(dir, 'package.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    dependencies?: Record<string, string>
  }
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    const tarball = tarballs.get(dependency)
    if (tarball && manifest.dependencies) manifest.dependencies[dependency] = `file:${tarball}`
  }
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  await npmAsUser(dir, ['install'])
  return dir
}
