import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { ROOT, readText, rootPath } from './support.ts'

const run = promisify(execFile)
const GUARD = './scripts/require-node.mjs'
const required = Number(/\d+/.exec(JSON.parse(readText('package.json')).engines.node)?.[0])

/** Runs `node [--import <fake version>] --import GUARD -- agent/src/cli.ts --version`. */
async function cliVersion(node: string, pretend?: string) {
  const fake = pretend
    ? [
        '--import',
        `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${pretend}"});Object.defineProperty(process,"version",{value:"v${pretend}"})`,
      ]
    : []
  try {
    const { stdout, stderr } = await run(
      node,
      [...fake, '--import', GUARD, '--', 'agent/src/cli.ts', '--version'],
      { cwd: ROOT },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const EXPECTED = new RegExp(
  `^layercode-otel-kit needs Node.js ${required} or newer \\(this is v\\d+\\.\\d+\\.\\d+\\): run \`nvm install\``,
)

describe('an older Node is told what it needs in one line', () => {
  it('the files version managers and npm read agree with engines.node', () => {
    assert.equal(required, 24)
    assert.equal(readText('.nvmrc').trim(), String(required))
    assert.equal(readText('.node-version').trim(), String(required))
    assert.match(readText('.npmrc'), /^engine-strict=true$/m, 'npm install refuses an older Node')
  })

  it("the README's commands load the guard before any TypeScript", () => {
    const { scripts } = JSON.parse(readText('package.json')) as { scripts: Record<string, string> }
    for (const name of ['start', 'agent', 'loadgen'])
      assert.match(
        scripts[name] ?? '',
        /^node --import \.\/scripts\/require-node\.mjs -- \S+\.ts\b/,
        name,
      )
  })

  it('is silent on this Node, and stops Node 20 before the .ts entry point', async () => {
    const current = await cliVersion(process.execPath)
    assert.deepEqual(current, { code: 0, stdout: '0.1.0\n', stderr: '' })
    const old = await cliVersion(process.execPath, '20.19.0')
    assert.equal(old.code, 1)
    assert.equal(old.stdout, '')
    assert.equal(old.stderr.trim().split('\n').length, 1)
    assert.match(old.stderr, EXPECTED)
  })

  // The machine's own older Node, where it has one (Debian's, as on the CI machine).
  const older = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p))
  it('with a real older Node', {
    skip: older ? false : 'no older Node on this machine',
  }, async (t) => {
    const { stdout } = await run(older as string, ['-p', 'process.versions.node'])
    if (Number(stdout.split('.')[0]) >= required) return t.skip(`${older} is ${stdout.trim()}`)
    const result = await cliVersion(older as string)
    assert.equal(result.code, 1)
    assert.match(result.stderr, EXPECTED)
    assert.doesNotMatch(result.stderr, /ERR_UNKNOWN_FILE_EXTENSION/)
    assert.ok(existsSync(rootPath(GUARD)))
  })
})
