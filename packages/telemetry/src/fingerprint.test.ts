import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import {
  errorIdentity,
  type Frame,
  fingerprintOf,
  normalizeMessage,
  stackFrames,
} from './fingerprint.ts'

type Case = { name: string; type: string; message: string; frames: Frame[] } & {
  normalized: string
  fingerprint: string
}
const { cases } = JSON.parse(
  readFileSync(new URL('../fingerprint-cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] }
const byName = (name: string) => cases.find((c) => c.name === name) as Case

describe('the fingerprint algorithm, on the cases shared with the Python integration', () => {
  for (const c of cases)
    it(c.name, () => {
      assert.equal(normalizeMessage(c.message), c.normalized)
      assert.equal(fingerprintOf(c), c.fingerprint)
    })

  it('groups messages that differ only in ids, numbers and spacing; not other types or call sites', () => {
    const same = byName('a tool failure').fingerprint
    assert.equal(byName('the same tool failure, other ids').fingerprint, same)
    assert.notEqual(byName('the same message from another call site').fingerprint, same)
    assert.notEqual(byName('the same message as another type').fingerprint, same)
    assert.equal(
      byName('the top three frames, a fourth changed').fingerprint,
      byName('only the top three frames count').fingerprint,
    )
  })
})

describe('stackFrames', () => {
  const root = '/srv/app'
  it("reads the app's own frames without line numbers, async and receivers included", () => {
    const stack = [
      'Error: kitchen closed',
      '    at placeOrder (file:///srv/app/agent/src/agents/tools.ts:41:11)',
      '    at Object.execute [as execute] (/srv/app/agent/src/agents/tools.ts:88:20)',
      '    at async runTool (/srv/app/agent/src/turn/run-turn.ts:95:22)',
      '    at async Promise.all (index 0)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
      '    at streamStep (/srv/app/node_modules/ai/dist/index.mjs:5000:10)',
    ].join('\n')
    assert.deepEqual(stackFrames(stack, root), [
      { module: 'agent/src/agents/tools', function: 'placeOrder' },
      { module: 'agent/src/agents/tools', function: 'Object.execute' },
      { module: 'agent/src/turn/run-turn', function: 'runTool' },
    ])
    const moved = stack.replace(':41:11', ':57:3').replace(':95:22', ':120:9')
    assert.deepEqual(stackFrames(moved, root), stackFrames(stack, root), 'lines do not count')
  })

  it("falls back to the libraries' frames, by package, when none is the app's", () => {
    const stack = [
      'AI_APICallError: Rate limit reached',
      '    at postToApi (/srv/app/node_modules/@ai-sdk/provider-utils/dist/index.mjs:700:14)',
      '    at async streamText (/srv/app/node_modules/ai/dist/index.mjs:5000:10)',
      '    at <anonymous> (node:internal/process/task_queues:105:5)',
    ].join('\n')
    assert.deepEqual(stackFrames(stack, root), [
      { module: '@ai-sdk/provider-utils', function: 'postToApi' },
      { module: 'ai', function: 'streamText' },
    ])
  })
})

describe('errorIdentity', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kit-fingerprint-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  /** A module whose call chain (three frames) throws: `padding` blank lines first. */
  const thrower = (padding: number) => {
    const file = path.join(dir, 'thrower.mjs')
    writeFileSync(
      file,
      `${'\n'.repeat(padding)}function placeOrder(id) {
  throw new Error('order ' + id + ' failed: kitchen closed')
}
function step(id) {
  return placeOrder(id)
}
export function attempt(id) {
  try {
    step(id)
  } catch (error) {
    return error
  }
}
`,
    )
    return `${pathToFileURL(file).href}?padding=${padding}`
  }
  const identityFrom = async (url: string, id: number) => {
    const { attempt } = (await import(url)) as { attempt: (id: number) => unknown }
    return errorIdentity(attempt(id), 'Error', dir)
  }

  it('is the same across runs, processes, ids in the message and line-number changes', async () => {
    const here = await identityFrom(thrower(0), 1)
    assert.equal(here.message, 'order <n> failed: kitchen closed')
    assert.equal((await identityFrom(thrower(0), 2)).fingerprint, here.fingerprint, 'another id')
    const moved = await identityFrom(thrower(7), 3)
    assert.equal(moved.fingerprint, here.fingerprint, 'the same code seven lines down')
    const child = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { errorIdentity } from ${JSON.stringify(new URL('./fingerprint.ts', import.meta.url).href)}
         const { attempt } = await import(${JSON.stringify(thrower(0))})
         console.log(errorIdentity(attempt(99), 'Error', ${JSON.stringify(dir)}).fingerprint)`,
      ],
      { encoding: 'utf8' },
    ).trim()
    assert.equal(child, here.fingerprint, 'another process')
  })

  it("takes the app's own fingerprint (Sentry's) over the computed one", () => {
    const error = Object.assign(new Error('a'), { fingerprint: ['payments', 'declined'] })
    const other = Object.assign(new Error('b'), { fingerprint: ['payments', 'declined'] })
    assert.equal(
      errorIdentity(error, 'Error').fingerprint,
      errorIdentity(other, 'Error').fingerprint,
    )
    assert.notEqual(
      errorIdentity(error, 'Error').fingerprint,
      errorIdentity(new Error('a'), 'Error').fingerprint,
    )
  })

  it('identifies values that are not errors', () => {
    assert.deepEqual(errorIdentity('boom 42', 'string'), {
      type: 'string',
      message: 'boom <n>',
      fingerprint: fingerprintOf({ type: 'string', message: 'boom 42', frames: [] }),
    })
  })
})
