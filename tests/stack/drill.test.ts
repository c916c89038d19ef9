/**
 * `npm run drill` as a user meets it without a stack: the list, and one-line errors for what
 * it cannot do (the drills themselves run in tests/e2e/alerts.test.ts on the real Prometheus).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { startTestServer, TEST_SECRET, type TestServer } from '@layercode-kit/agent/testing'
import { drillFor, mailFor } from '@layercode-kit/cli'
import { ALERTS } from '@layercode-kit/grafana-gen'
import { rootPath } from './support.ts'

async function drill(...args: string[]) {
  const child = spawn(
    process.execPath,
    ['packages/cli/src/drill-command.ts', ...args, '--env-file=/dev/null'],
    {
      cwd: rootPath('.'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => {
    stdout += c
  })
  child.stderr.on('data', (c) => {
    stderr += c
  })
  const [code] = await once(child, 'exit')
  return { code, stdout, stderr }
}

describe('npm run drill', () => {
  let agent: TestServer
  before(async () => {
    agent = await startTestServer({ AGENT: 'echo', AGENT_FAULT_INJECTION: 'false' })
  })
  after(async () => {
    await agent.stop()
  })

  it('has a decision for every alert, and lists each with how it is drilled', async () => {
    for (const alert of ALERTS) assert.ok(drillFor(alert.uid), `${alert.uid} has a drill entry`)
    const { code, stdout } = await drill()
    assert.equal(code, 0)
    for (const alert of ALERTS) assert.ok(stdout.includes(alert.uid.replace(/^layercode-/, '')))
    assert.match(
      stdout,
      /agent-down\s+Agent sends no telemetry\n\s+you run: docker compose stop agent/,
    )
  })

  it('says in one line what it cannot do', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['no-such-alert'], /^drill: no alert "no-such-alert"; npm run drill lists them\n$/],
      [['collector-refusing'], /^drill: layercode-collector-refusing has no drill: /],
      [['error-rate', '--until=firing'], /^drill: --until=firing needs --prometheus\n$/],
      [['error-rate', '--until=soon'], /^drill: --until must be 'email' or 'firing'\n$/],
      [
        ['error-rate', '--timout=5'],
        /^drill: unknown option --timout \(did you mean --timeout\?\)\n$/,
      ],
      [
        ['error-rate', '--mailpit=http://127.0.0.1:9', `--secret=${TEST_SECRET}`],
        /^drill: no Mailpit reachable at http:\/\/127\.0\.0\.1:9 \(.*\): start the stack/,
      ],
    ]
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await drill(...args)
      assert.equal(code, 1, `${args.join(' ')}: ${stdout}${stderr}`)
      assert.match(stderr, message, args.join(' '))
    }
  })

  it('stops at once when the agent ignores injected faults, naming the setting', async () => {
    const { code, stderr } = await drill(
      'error-rate',
      `--agent-url=${agent.webhookUrl}`,
      `--secret=${TEST_SECRET}`,
      '--until=firing',
      '--prometheus=http://127.0.0.1:9',
    )
    assert.equal(code, 1)
    assert.match(
      stderr,
      /^drill: the agent ignores injected faults: set AGENT_FAULT_INJECTION=true/,
    )
  })

  it("knows Grafana's firing e-mail from a resolved one and from an older one", () => {
    const at = (s: string) => `2026-11-28T02:00:${s}Z`
    const messages = [
      { ID: 'a', Subject: '[FIRING:1] Turn error rate above 5% (LayerCode)', Created: at('10') },
      { ID: 'b', Subject: '[RESOLVED] Turn error rate above 5% (LayerCode)', Created: at('40') },
      { ID: 'c', Subject: '[FIRING:2] Turn error rate above 5% (LayerCode)', Created: at('30') },
    ]
    assert.equal(mailFor(messages, Date.parse(at('20')))?.ID, 'c')
    assert.equal(mailFor(messages, Date.parse(at('05')))?.ID, 'c', 'the newest')
    assert.equal(mailFor(messages, Date.parse(at('50'))), undefined)
  })
})
