import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DEV_WEBHOOK_SECRET, sendWebhook } from '@layercode-kit/protocol'
import { startOtlpReceiver } from '@layercode-kit/test-support'
import { AGENT_NAMES } from './agents/registry.ts'
import { CLI_PATH, runScript, spawnAgent } from './testing/spawn-agent.ts'

const runCli = (args: string[], options: { env?: Record<string, string>; cwd: string }) =>
  runScript(CLI_PATH, args, options)

describe('layercode-agent CLI', () => {
  let cwd: string
  before(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'agent-cli-'))
  })
  after(async () => {
    await rm(cwd, { recursive: true, force: true })
  })

  it('list-agents prints all four agents', async () => {
    const result = await runCli(['list-agents'], { cwd })
    assert.equal(result.code, 0)
    const names = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0])
    assert.deepEqual(names, AGENT_NAMES)
    assert.deepEqual(AGENT_NAMES, ['echo', 'starter', 'bakery', 'slow'])
  })

  it('outside development, exits 1 with one clear line when LAYERCODE_WEBHOOK_SECRET is missing', async () => {
    const result = await runCli(['run', '--port', '0'], { cwd, env: { APP_ENV: 'production' } })
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1)
    assert.match(
      lines[0] ?? '',
      /^layercode-agent: LAYERCODE_WEBHOOK_SECRET is not set \(APP_ENV=production\)/,
    )
  })

  it('starts telemetry for `run` only, after its configuration is known to be good', async () => {
    // A live collector: an SDK started by any of these would flush at least once on exit.
    const receiver = await startOtlpReceiver()
    try {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }
      for (const args of [
        ['--help'],
        ['run', '--help'],
        ['list-agents'],
        ['--version'],
        ['run', '--port', 'http'],
      ]) {
        const result = await runCli(args, { cwd, env: { ...env, APP_ENV: 'production' } })
        assert.doesNotMatch(result.stderr, /telemetry/, args.join(' '))
      }
      const refused = await runCli(['run'], { cwd, env: { ...env, APP_ENV: 'production' } })
      assert.equal(refused.code, 1)
      assert.equal(receiver.requests.length, 0, 'no SDK started, nothing exported')
    } finally {
      await receiver.close()
    }
  })

  it('in development with no .env, serves webhooks with the development secret and says so', async () => {
    const receiver = await startOtlpReceiver()
    const agent = await spawnAgent({
      cwd,
      args: ['--agent', 'echo'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    })
    try {
      const warning = agent.logs.find((l) => l.level === 'warn')
      assert.match(String(warning?.message), /public development secret/)
      const result = await sendWebhook({
        url: `${agent.url}/api/agent`,
        secret: DEV_WEBHOOK_SECRET,
        body: { type: 'message', session_id: 's', conversation_id: 'c', turn_id: 't', text: 'hi' },
      })
      assert.equal(result.events[0]?.event.content, 'You said: hi')
    } finally {
      assert.equal((await agent.stop()).code, 0)
      await receiver.close()
    }
    const paths = new Set(receiver.requests.map((r) => r.path))
    assert.deepEqual([...paths].sort(), ['/v1/logs', '/v1/metrics', '/v1/traces'], 'run starts it')
  })

  it('shuts down at once, saying why, when no collector is listening', async () => {
    const agent = await spawnAgent({
      cwd,
      args: ['--agent', 'echo'],
      // Nothing is exported before the stop, so only the shutdown flush meets the dead port.
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
      },
    })
    const { code } = await agent.stop()
    assert.equal(code, 0)
    const warnings = agent.logs.filter((l) => l.level === 'warn').map((l) => String(l.message))
    assert.ok(
      warnings.includes(
        'telemetry not flushed: the collector at http://127.0.0.1:9 was unreachable (ECONNREFUSED); what was not exported is lost',
      ),
      warnings.join('\n'),
    )
    assert.ok(!warnings.some((w) => /timed out/.test(w)), 'not a timeout: it did not wait')
  })

  it('exits 1 with one line for a missing env file, an unknown agent and a bad port', async () => {
    for (const [args, message] of [
      [['run', '--env-file', 'nope.env'], /env file not found: nope\.env/],
      [
        ['run', '--agent', 'robot'],
        /Invalid value for argument: --agent \(robot\)\. Expected one of: echo, starter, bakery, slow\./,
      ],
      [
        ['run', '--agnet', 'bakery'],
        /^layercode-agent: unknown option --agnet \(did you mean --agent\?\)$/m,
      ],
      [['run', '--port', 'http'], /PORT: /],
      [['fly'], /Unknown command/],
    ] as const) {
      const result = await runCli([...args], {
        cwd,
        env: { LAYERCODE_WEBHOOK_SECRET: 'x'.repeat(16) },
      })
      assert.equal(result.code, 1, args.join(' '))
      assert.equal(result.stderr.trim().split('\n').length, 1, args.join(' '))
      assert.match(result.stderr, message)
      assert.ok(!result.stderr.includes('\u001b['), 'no colour codes in piped output')
    }
  })

  it('runs with flags and an env file, serves, and shuts down cleanly on SIGTERM', async () => {
    const envFile = path.join(cwd, 'test.env')
    await writeFile(envFile, 'LAYERCODE_WEBHOOK_SECRET=from-env-file-secret\nAGENT=starter\n')
    const agent = await spawnAgent({
      viaShebang: true,
      cwd,
      // Blank, as compose passes unset variables: blank means unset.
      env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '', LAYERCODE_API_KEY: '' },
      args: ['--agent', 'echo', '--agent-route', '/hook', '--env-file', envFile, '--verbose'],
    })
    try {
      assert.equal(
        agent.logs.find((l) => l.message === 'agent listening')?.agent,
        'echo',
        'the flag wins over the env file',
      )
      const result = await sendWebhook({
        url: `${agent.url}/hook`,
        secret: 'from-env-file-secret',
        body: { type: 'message', session_id: 's', conversation_id: 'c', turn_id: 't', text: 'cli' },
      })
      assert.equal(result.events[0]?.event.content, 'You said: cli')
      assert.equal((await fetch(`${agent.url}/health`)).status, 200)
      assert.ok(
        agent.logs.some((l) => l.level === 'debug'),
        '--verbose turns on debug logs',
      )
    } finally {
      const { code, ms } = await agent.stop()
      assert.equal(code, 0)
      assert.ok(ms < 10_000, 'shutdown is bounded')
      assert.ok(agent.logs.some((l) => l.message === 'shutting down'))
    }
  })
})
