import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  runScript,
  spawnAgent,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from '@layercode-kit/agent/testing'
import { formatSummary, type LoadSummary, runLoad } from './run.ts'

const rootPath = (file: string) => fileURLToPath(new URL(`../../../${file}`, import.meta.url))

describe('load generator', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({
      AGENT: 'bakery',
      SLOW_AGENT_DELAY_MS: '50',
      OFFLINE_MODEL_DELAY_MS: '1',
    })
  })
  after(async () => {
    await server.stop()
  })

  it('drives whole conversations with exactly the requested injected faults', async () => {
    const summary = await runLoad({
      url: server.webhookUrl,
      secret: TEST_SECRET,
      rate: 10,
      concurrency: 10,
      durationS: 1.5,
      messages: 3,
      failRate: 0.2,
      slowRate: 0.1,
      slowToolRate: 0.2,
      thinkTimeMs: 0,
    })
    const { conversations, turns } = summary
    // One tick per scheduled start: rate x duration, however the timers wake.
    assert.equal(conversations.started + conversations.skippedBusy, 15)
    assert.equal(conversations.completed, conversations.started)
    const messages = conversations.completed * 3
    assert.equal(
      turns.ok + turns.failed,
      conversations.completed * 4,
      'a start and three messages each',
    )
    assert.equal(turns.injectedErrors, Math.floor(messages * 0.2))
    assert.ok(turns.injectedSlow > 0)
    assert.ok(turns.injectedSlowTool > 0)
    // A slow tool's message asks about the menu, so the bakery's tool runs (and waits 50 ms; a
    // timer may fire a fraction of a millisecond early and the log rounds, hence 40).
    const slowTools = server
      .logs()
      .filter((l) => l.message === 'turn completed' && Number(l.first_speech_tools_ms) >= 40)
    assert.equal(slowTools.length, turns.injectedSlowTool, 'turns that waited for their tool')
    assert.equal(turns.failed, turns.injectedErrors, 'only injected errors fail')
    assert.equal(turns.unexpectedFailures, 0)
    assert.deepEqual(Object.keys(summary.failures), ['agent error'])
    assert.equal(summary.latencyMs.count, turns.ok)
    assert.ok((summary.firstTtsMs.p50 ?? 0) > 0)
    assert.ok((summary.latencyMs.p99 ?? 0) >= (summary.latencyMs.p50 ?? 0))
    assert.match(formatSummary(summary), /turns\s+\d+ ok, \d+ failed/)
    const ended = server.logs().filter((l) => l.message === 'session ended').length
    assert.ok(ended >= conversations.completed, 'every conversation ended with session.end')
  })

  it('marks every webhook of a synthetic run, its faults still applied', async () => {
    const before = server.logs().length
    const summary = await runLoad({
      url: server.webhookUrl,
      secret: TEST_SECRET,
      rate: 10,
      concurrency: 4,
      durationS: 0.3,
      messages: 2,
      failRate: 0.5,
      slowRate: 0,
      thinkTimeMs: 0,
      synthetic: true,
    })
    assert.ok(summary.conversations.completed >= 2)
    assert.equal(summary.turns.injectedErrors, summary.conversations.completed)
    const lines = server.logs().slice(before)
    // Every webhook logs with its context: session.start and messages, data and session.end.
    const byConversation = lines.filter((l) => typeof l.conversation_id === 'string')
    assert.ok(byConversation.some((l) => l.message === 'session ended'))
    for (const line of byConversation) {
      assert.match(String(line.conversation_id), /^conv_canary_/)
      assert.equal(line.synthetic, true, String(line.message))
    }
    const failed = byConversation.filter((l) => l.message === 'turn failed')
    assert.equal(failed.length, summary.turns.injectedErrors, 'the faults still apply')
  })

  it('hangs up on the requested share of messages and the agent records exactly those as aborted', async () => {
    const slow = await startTestServer({ AGENT: 'echo', SLOW_AGENT_DELAY_MS: '2000' })
    try {
      const summary = await runLoad({
        url: slow.webhookUrl,
        secret: TEST_SECRET,
        rate: 10,
        concurrency: 10,
        durationS: 0.5,
        messages: 4,
        failRate: 0,
        slowRate: 0,
        hangupRate: 0.25,
        thinkTimeMs: 0,
      })
      const { conversations, turns } = summary
      const messages = conversations.completed * 4
      assert.equal(turns.hungUp, messages / 4, 'one message in four')
      assert.equal(turns.failed, 0, 'a hang-up is not a failure')
      assert.equal(turns.ok, conversations.completed * 5 - turns.hungUp)
      assert.equal(summary.latencyMs.count, turns.ok, 'hang-ups stay out of the latency')
      assert.match(formatSummary(summary), new RegExp(`, ${turns.hungUp} hung up`))
      // The agent notices the closed stream and ends the turn aborted (a 2 s fault delay
      // would otherwise keep it running).
      const deadline = Date.now() + 1500
      const aborted = () =>
        slow.logs().filter((l) => l.message === 'turn completed' && l.outcome === 'aborted')
      while (aborted().length < turns.hungUp && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      assert.equal(aborted().length, turns.hungUp)
    } finally {
      await slow.stop()
    }
  })

  it('runs as a command, prints a JSON summary and keeps a status file', async () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
    const statusFile = path.join(await mkdtemp(path.join(tmpdir(), 'loadgen-')), 'status.json')
    const { code, stdout, stderr } = await runScript(cli, [
      '--url',
      server.webhookUrl,
      '--secret',
      TEST_SECRET,
      '--rate',
      '5',
      '--duration',
      '1',
      '--think-time',
      '0',
      '--json',
      '--status-file',
      statusFile,
    ])
    assert.equal(code, 0, stderr)
    const summary = JSON.parse(stdout) as LoadSummary
    assert.ok(summary.conversations.completed >= 3)
    assert.equal(summary.turns.failed, 0)
    const status = JSON.parse(await readFile(statusFile, 'utf8'))
    assert.equal(status.conversations, summary.conversations.completed)
    assert.equal(status.turnsOk, summary.turns.ok)
  })

  it('counts what the agent did, not what it asked for, when fault injection is off', async () => {
    const plain = await startTestServer({ AGENT: 'echo', AGENT_FAULT_INJECTION: 'false' })
    try {
      const summary = await runLoad({
        url: plain.webhookUrl,
        secret: TEST_SECRET,
        rate: 10,
        concurrency: 10,
        durationS: 0.5,
        messages: 3,
        failRate: 0.5,
        slowRate: 0.2,
        thinkTimeMs: 0,
      })
      const { turns } = summary
      assert.equal(turns.failed, 0)
      assert.equal(turns.injectedErrors, 0, 'no error was injected, so none is reported')
      assert.equal(turns.injectedSlow, 0)
      assert.ok(turns.faultsIgnored > 0)
      assert.match(
        formatSummary(summary),
        /fault request\(s\) ignored; .*AGENT_FAULT_INJECTION=true/,
      )
    } finally {
      await plain.stop()
    }
  })

  it('counts a wrong secret as failures and exits non-zero', async () => {
    const summary = await runLoad({
      url: server.webhookUrl,
      secret: 'not-the-secret',
      rate: 5,
      concurrency: 2,
      durationS: 0.3,
      messages: 1,
      failRate: 0,
      slowRate: 0,
      thinkTimeMs: 0,
    })
    assert.equal(summary.turns.ok, 0)
    assert.ok(summary.turns.unexpectedFailures > 0)
    assert.ok((summary.failures['http 401'] ?? 0) > 0)
  })
})

describe('loadgen command as the README runs it', () => {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
  const run = (args: string[], cwd: string) => runScript(cli, args, { cwd })

  it('reads the webhook secret from .env after `cp .env.example .env`', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'loadgen-env-'))
    await copyFile(rootPath('.env.example'), path.join(cwd, '.env'))
    const secret = /^LAYERCODE_WEBHOOK_SECRET=(.+)$/m.exec(
      await readFile(rootPath('.env.example'), 'utf8'),
    )?.[1]
    assert.ok(secret)
    const server = await startTestServer({ AGENT: 'echo', LAYERCODE_WEBHOOK_SECRET: secret })
    try {
      const result = await run(['--url', server.webhookUrl, '--rate', '2', '--duration', '1'], cwd)
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /turns +\d+ ok, 0 failed/)
    } finally {
      await server.stop()
    }
  })

  it('with no secret anywhere, drives `npm start` (both fall back to the development secret)', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'loadgen-nosecret-'))
    const agent = await spawnAgent({ cwd, telemetry: false, args: ['--agent', 'echo'] })
    try {
      const url = `${agent.url}/api/agent`
      const result = await run(['--url', url, '--rate', '2', '--duration', '1'], cwd)
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /turns +[1-9]\d* ok, 0 failed/)
      assert.equal(result.stderr, '', 'nothing for the user to act on')
    } finally {
      await agent.stop()
    }
  })

  it("says in one line when the agent refuses the loadgen's signatures", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'loadgen-401-'))
    const server = await startTestServer({ AGENT: 'echo', LAYERCODE_WEBHOOK_SECRET: 'whsec_other' })
    try {
      const result = await run(['--url', server.webhookUrl, '--rate', '2', '--duration', '1'], cwd)
      assert.equal(result.code, 1)
      assert.match(
        result.stderr,
        /^loadgen: the agent refused signatures made with the development secret \(401\): pass the agent's LAYERCODE_WEBHOOK_SECRET/m,
      )
    } finally {
      await server.stop()
    }
  })

  it('says what is wrong in one line: a misspelt flag, a bad number', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'loadgen-bad-'))
    for (const [args, message] of [
      [
        ['--secret', 'x', '--rat', '2'],
        /^loadgen: unknown option --rat \(did you mean --rate\?\)$/m,
      ],
      [['--secret', 'x', '--rate', 'fast'], /^loadgen: --rate must be a number/],
    ] as const) {
      const result = await run([...args], cwd)
      assert.equal(result.code, 1, args.join(' '))
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
      assert.match(result.stderr, message)
      assert.ok(!result.stderr.includes('\u001b['), 'no colour codes in piped output')
    }
  })
})
