/**
 * The real OpenTelemetry Collector (from collector/manifest.yaml), Prometheus 3 (the version
 * docker-compose.yml pins), Helm and Sloth, built from source once and cached outside the
 * repo, keyed by release and by the hash of what they are built from. `npm run setup` builds
 * them ('build'); the test suites only find them ('find'), so a test run never builds.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { CACHE, loadCompose, readText, rootPath } from './repo.ts'

const run = promisify(execFile)

export { CACHE }

/** What to do about a tool that is not in the cache: build it, or only find it (tests). */
export type Provision = 'build' | 'find'

/** A tool the test suites need is not built: `npm run setup` builds it. */
export class NotSetUp extends Error {
  constructor(what: string) {
    super(`${what} is not built here: run \`npm run setup\` first`)
    this.name = 'NotSetUp'
  }
}

export type Binaries = { otelcol: string; prometheus: string; promtool: string }

/** Why the real binaries cannot be had here, or undefined when Go is available. */
export async function missingToolchain(): Promise<string | undefined> {
  try {
    await run('go', ['version'])
    return undefined
  } catch {
    return 'Go is not installed (needed to build the real collector and Prometheus)'
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12)

// GOWORK=off: a go.work above the cache must never change what is built.
export const goEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  GOWORK: 'off',
  GOFLAGS: '',
  ...extra,
})

async function logged<T>(how: Provision, what: string, work: () => Promise<T>): Promise<T> {
  if (how === 'find') throw new NotSetUp(what)
  const started = Date.now()
  console.error(`setup: building ${what} (once; cached in ${CACHE})`)
  const result = await work()
  console.error(`setup: built ${what} in ${Math.round((Date.now() - started) / 1000)} s`)
  return result
}

/** The collector distribution of collector/manifest.yaml, built with the Collector Builder. */
export async function ensureCollector(how: Provision = 'build'): Promise<string> {
  const manifestText = readText('collector/manifest.yaml')
  const manifest = parse(manifestText) as {
    dist: { version: string; name: string; output_path: string }
  }
  const version = manifest.dist.version
  const dir = path.join(CACHE, `otelcol-${version}-${hash(manifestText)}`)
  const binary = path.join(dir, manifest.dist.output_path, manifest.dist.name)
  if (existsSync(binary)) return binary
  await logged(how, `the collector ${version} from collector/manifest.yaml`, async () => {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    await cp(rootPath('collector/manifest.yaml'), path.join(dir, 'manifest.yaml'))
    const tools = path.join(dir, 'tools')
    await run('go', ['install', `go.opentelemetry.io/collector/cmd/builder@v${version}`], {
      env: goEnv({ GOBIN: tools }),
      maxBuffer: 64 * 2 ** 20,
    })
    await run(path.join(tools, 'builder'), ['--config', 'manifest.yaml'], {
      cwd: dir,
      env: goEnv(),
      maxBuffer: 64 * 2 ** 20,
    })
  })
  return binary
}

/** Prometheus and promtool at the compose image's version, from tools/prometheus/go.mod's tool deps. */
export async function ensurePrometheus(
  how: Provision = 'build',
): Promise<{ prometheus: string; promtool: string }> {
  const image = loadCompose().services.prometheus?.image ?? ''
  const version = /:v(3\.\d+\.\d+)$/.exec(image)?.[1]
  if (!version) throw new Error(`cannot read the Prometheus version from image "${image}"`)
  // Prometheus' Go module tags are v0.3XY.Z for release 3.XY.Z.
  const [, minor, patch] = version.split('.') as [string, string, string]
  const moduleVersion = `v0.3${minor.padStart(2, '0')}.${patch}`
  const goMod = readText('tools/prometheus/go.mod')
  if (!goMod.includes(`github.com/prometheus/prometheus ${moduleVersion}`)) {
    throw new Error(
      `tools/prometheus/go.mod does not pin github.com/prometheus/prometheus ${moduleVersion} (compose runs ${image})`,
    )
  }
  const goSum = readText('tools/prometheus/go.sum')
  const dir = path.join(CACHE, `prometheus-${version}-${hash(goMod + goSum)}`)
  const binaries = {
    prometheus: path.join(dir, 'prometheus'),
    promtool: path.join(dir, 'promtool'),
  }
  if (existsSync(binaries.prometheus) && existsSync(binaries.promtool)) return binaries
  await logged(how, `Prometheus ${version} and promtool`, async () => {
    await mkdir(dir, { recursive: true })
    const ldflags = `-s -w -X github.com/prometheus/common/version.Version=${version}`
    // No service discovery and no UI assets: the tests use the API and static targets only.
    await run(
      'go',
      [
        'build',
        '-tags',
        'remove_all_sd,netgo',
        '-trimpath',
        `-ldflags=${ldflags}`,
        '-o',
        `${dir}/`,
        'github.com/prometheus/prometheus/cmd/prometheus',
        'github.com/prometheus/prometheus/cmd/promtool',
      ],
      { cwd: rootPath('tools/prometheus'), env: goEnv(), maxBuffer: 64 * 2 ** 20 },
    )
  })
  return binaries
}

/**
 * A Go tool at the version a tool module pins (`tool <pkg>` in `<moduleDir>/go.mod`), built
 * once into the cache, keyed by the module's go.mod and go.sum.
 */
async function ensureGoTool(
  title: string,
  moduleDir: string,
  module: string,
  pkg: string,
  how: Provision,
): Promise<string> {
  const goMod = readText(`${moduleDir}/go.mod`)
  const version = new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod)?.[1]
  if (!version) throw new Error(`${moduleDir}/go.mod does not require ${module}`)
  const name = path.basename(pkg)
  const dir = path.join(
    CACHE,
    `${name}-${version}-${hash(goMod + readText(`${moduleDir}/go.sum`))}`,
  )
  const binary = path.join(dir, name)
  if (existsSync(binary)) return binary
  await logged(how, `${title} ${version}`, async () => {
    await mkdir(dir, { recursive: true })
    await run('go', ['build', '-trimpath', '-o', binary, pkg], {
      cwd: rootPath(moduleDir),
      env: goEnv(),
      maxBuffer: 64 * 2 ** 20,
    })
  })
  return binary
}

/** The Helm CLI at the version deploy/helm/check/go.mod pins, for the chart's checks. */
export const ensureHelm = (how: Provision = 'build') =>
  ensureGoTool('Helm', 'deploy/helm/check', 'helm.sh/helm/v3', 'helm.sh/helm/v3/cmd/helm', how)

/** Sloth at the version prometheus/slo/sloth/go.mod pins, for the SLO rules (npm run slo). */
export const ensureSloth = (how: Provision = 'build') =>
  ensureGoTool(
    'Sloth',
    'prometheus/slo/sloth',
    'github.com/slok/sloth',
    'github.com/slok/sloth/cmd/sloth',
    how,
  )

export async function ensureBinaries(how: Provision = 'build'): Promise<Binaries> {
  // One after the other: each build already uses every core.
  const otelcol = await ensureCollector(how)
  return { otelcol, ...(await ensurePrometheus(how)) }
}

/** The collector, Prometheus and promtool the native suites run, or NotSetUp. */
export const findBinaries = () => ensureBinaries('find')

/** Why the native suites cannot run here (no Go, or the binaries not built), or undefined. */
export async function missingBinaries(): Promise<string | undefined> {
  try {
    await findBinaries()
    return undefined
  } catch (error) {
    if (error instanceof NotSetUp) return (await missingToolchain()) ?? error.message
    throw error
  }
}
