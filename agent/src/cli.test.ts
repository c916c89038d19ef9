import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { AGENT_NAMES } from './agents/registry.ts'
import { sendWebhook } from './protocol/client.ts'

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url))

/** The environment without anything the CLI reads, so the machine's settings cannot leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(LAYERCODE_|OPENAI_|OTEL_|LOG_|AGENT|DEFAULT_MODEL|PORT|HOST|APP_ENV)/.test(key))
      env[key] = value
  }
  return { ...env, ...extra }
}

type Result = { code: number | null; stdout: string; stderr: string }

async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd: string },
): Promise<Result> {
  const child = spawn(process.execPath, ['--', CLI, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const [code] = await once(child, 'exit')
  return { code, stdout, stderr }
}

/** Resolves with the first JSON log line matching `message`. */
function waitForLog(child: ChildProcess, message: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const timer = setTimeout(() => reject(new Error(`no "${message}" log within 10 s`)), 10_000)
    child.stdout?.on('data', (chunk) => {
      buffer += chunk
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue
        const parsed = JSON.parse(line)
        if (parsed.message === message) {
          clearTimeout(timer)
          resolve(parsed)
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
    })
  })
}

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

  it('exits 1 with one clear line when LAYERCODE_WEBHOOK_SECRET is missing', async () => {
    const result = await runCli(['run', '--port', '0'], { cwd })
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1)
    assert.match(lines[0] ?? '', /^layercode-agent: LAYERCODE_WEBHOOK_SECRET is not set/)
  })

  it('exits 1 with one line for a missing env file, an unknown agent and a bad port', async () => {
    for (const [args, message] of [
      [['run', '--env-file', 'nope.env'], /env file not found: nope\.env/],
      [['run', '--agent', 'robot'], /AGENT: /],
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
    }
  })

  it('runs with flags and an env file, serves, and shuts down cleanly on SIGTERM', async () => {
    const envFile = path.join(cwd, 'test.env')
    await writeFile(envFile, 'LAYERCODE_WEBHOOK_SECRET=from-env-file-secret\nAGENT=starter\n')
    // Through the shebang, as the `layercode-agent` bin runs it.
    const child = spawn(
      CLI,
      [
        'run',
        '--agent',
        'echo',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--agent-route',
        '/hook',
        '--env-file',
        envFile,
        '--verbose',
      ],
      { cwd, env: cleanEnv() },
    )
    try {
      const listening = await waitForLog(child, 'agent listening')
      assert.equal(listening.agent, 'echo', 'the flag wins over the env file')
      const result = await sendWebhook({
        url: `${listening.url}/hook`,
        secret: 'from-env-file-secret',
        body: { type: 'message', session_id: 's', conversation_id: 'c', turn_id: 't', text: 'cli' },
      })
      assert.equal(result.events[0]?.event.content, 'You said: cli')
      const health = await fetch(`${listening.url}/health`)
      assert.equal(health.status, 200)
      const debugSeen = waitForLog(child, 'shutting down')
      const started = Date.now()
      child.kill('SIGTERM')
      await debugSeen
      const [code] = await once(child, 'exit')
      assert.equal(code, 0)
      assert.ok(Date.now() - started < 10_000, 'shutdown is bounded')
    } finally {
      child.kill('SIGKILL')
    }
  })
})
