/**
 * The npm packages as a registry user gets them: each published workspace package packed
 * (its prepack builds dist/), accepted by publint and @arethetypeswrong/cli, publishable
 * (`npm publish --dry-run`), its entry points JavaScript, and installed outside the
 * repository: it runs under plain `node` from node_modules, typechecks for a TypeScript
 * consumer with `nodenext` and with `bundler` resolution, and an app on another framework
 * installs neither `hono` nor `ai`.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { npmAsUser as npm, packTarballs, publishedPackages, userEnv } from '../lib/tarballs.ts'
import { rootPath } from '../stack/support.ts'

const run = promisify(execFile)
const bin = (name: string) => rootPath('node_modules/.bin', name)
const TELEMETRY = '@layercode-kit/telemetry'
/**
 * What a TypeScript consumer of every entry installs beside the package (pinned as the repo).
 * `@types/json-schema`: the AI SDK's own `.d.ts` import it without depending on it, and the
 * check keeps `skipLibCheck` off so that the kit's declarations are checked too.
 */
const CONSUMER_DEPENDENCIES = [
  'hono@4.13.19',
  'ai@7.0.173',
  '@types/node@24.19.2',
  '@types/json-schema@7.0.15',
]

/** A new, empty ESM project, as `npm init` makes it. */
async function consumer(parent: string, name: string) {
  const app = path.join(parent, name)
  await mkdir(app)
  await npm(app, ['init', '-y', '--init-type=module'])
  return app
}

type Manifest = { exports: Record<string, string | Record<string, string>> }

describe('the published npm packages', () => {
  let tarballs: Map<string, string>
  let dir: string
  before(async () => {
    tarballs = await packTarballs()
    dir = await mkdtemp(path.join(tmpdir(), 'kit-consumers-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('publishes the telemetry package, and nothing private', () => {
    assert.ok(publishedPackages().some((p) => p.name === TELEMETRY))
    assert.equal(tarballs.size, publishedPackages().length)
  })

  it('each tarball passes publint (strict) and attw (ESM only), and npm publish --dry-run', async () => {
    for (const [name, tarball] of tarballs) {
      const lint = await run(bin('publint'), ['run', tarball, '--strict'])
      assert.match(lint.stdout, /All good/, `${name}: ${lint.stdout}`)
      await run(bin('attw'), ['--profile', 'esm-only', '--format', 'table-flipped', tarball])
      const pkg = publishedPackages().find((p) => p.name === name)
      const dry = await npm(rootPath(), ['publish', '--dry-run', `--workspace=${pkg?.dir}`])
      assert.ok(dry, name)
    }
  })

  it('every entry point a plain node resolves is JavaScript that ships in the tarball', async () => {
    for (const [name, tarball] of tarballs) {
      const { stdout: listing } = await run('tar', ['-tzf', tarball])
      const files = new Set(listing.split('\n').map((f) => f.replace(/^package\//, '')))
      const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json'])
      const manifest = JSON.parse(stdout) as Manifest
      for (const [entry, target] of Object.entries(manifest.exports)) {
        const targets = typeof target === 'string' ? { default: target } : target
        const resolved = targets.default as string
        assert.match(resolved, /\.(js|json)$/, `${name} ${entry}: ${resolved}`)
        assert.ok(files.has(resolved.slice(2)), `${name} ${entry}: ${resolved} is packed`)
        if (targets.types) assert.ok(files.has(targets.types.slice(2)), `${entry} types packed`)
      }
    }
  })

  it('an Express or Next.js app installs neither hono nor ai, and runs it with plain node', async () => {
    const app = await consumer(dir, 'plain')
    await npm(app, ['install', tarballs.get(TELEMETRY) as string])
    assert.ok(!existsSync(path.join(app, 'node_modules/hono')), 'no hono')
    assert.ok(!existsSync(path.join(app, 'node_modules/ai')), 'no ai')
    const script = [
      `const { withLayercodeTelemetry } = await import('${TELEMETRY}/fetch')`,
      `const { Attr, runTool } = await import('${TELEMETRY}')`,
      "const handler = withLayercodeTelemetry(async () => new Response('ok'), { agent: 'a' })",
      "const response = await handler(new Request('http://x/api/agent', { method: 'POST', body: '{}' }))",
      'console.log(response.status, typeof runTool, Attr.AgentName)',
    ].join('\n')
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: userEnv({ OTEL_SDK_DISABLED: 'true' }),
    })
    assert.equal(stdout.trim(), '200 function gen_ai.agent.name')
  })

  it('typechecks for a TypeScript consumer with nodenext and with bundler resolution', async () => {
    const app = await consumer(dir, 'typed')
    await npm(app, ['install', tarballs.get(TELEMETRY) as string, ...CONSUMER_DEPENDENCIES])
    await writeFile(
      path.join(app, 'index.ts'),
      [
        `import { Attr, runTool, type WebhookEvent } from '${TELEMETRY}'`,
        `import { instrumentModel } from '${TELEMETRY}/ai'`,
        `import { withLayercodeTelemetry } from '${TELEMETRY}/fetch'`,
        `import { layercodeTelemetry } from '${TELEMETRY}/hono'`,
        `import { captureTelemetry } from '${TELEMETRY}/testing'`,
        "import { Hono } from 'hono'",
        "export const app = new Hono().use('/api/agent', layercodeTelemetry({ agent: 'a' }))",
        "export const POST = withLayercodeTelemetry(async (_r: Request) => new Response('ok'), { agent: 'a' })",
        'export const name: string = Attr.AgentName',
        "export const tool: Promise<number> = runTool('t', () => 1)",
        'export type E = WebhookEvent',
        'export const wrap: typeof instrumentModel = instrumentModel',
        'export const capture: typeof captureTelemetry = captureTelemetry',
        // A wrong use must fail, or the check proves nothing.
        '// @ts-expect-error the agent name is required',
        'withLayercodeTelemetry(async () => new Response(), {})',
      ].join('\n'),
    )
    for (const [module, resolution] of [
      ['nodenext', 'nodenext'],
      ['esnext', 'bundler'],
    ] as const) {
      const tsconfig = `tsconfig.${resolution}.json`
      await writeFile(
        path.join(app, tsconfig),
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution: resolution,
            target: 'es2023',
            lib: ['es2023', 'dom'],
            types: ['node'],
            strict: true,
            noEmit: true,
          },
          files: ['index.ts'],
        }),
      )
      const check = await run(bin('tsc'), ['-p', tsconfig], { cwd: app }).catch(
        (error: { stdout?: string }) => ({ stdout: `failed: ${error.stdout}` }),
      )
      assert.equal(check.stdout.trim(), '', `${resolution}: ${check.stdout}`)
    }
  })
})
