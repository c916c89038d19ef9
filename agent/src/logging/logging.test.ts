import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { SIGNATURE_HEADER, signPayload } from '@layercode-kit/protocol'
import { DEFAULT_SECRET_KEY_PATTERN } from '@layercode-kit/telemetry'
import { ids, startTestServer, TEST_SECRET } from '../testing/agent-server.ts'
import { runWithCallContext } from './context.ts'
import { closeLogger, createLogger } from './logger.ts'

const API_KEY = 'lc_live_key_do_not_log_9876543210'
const OPENAI_KEY = 'sk-proj-do-not-log-abcdefghijklmnop'
const COOKIE = 'session=cookie-value-do-not-log-42'

describe('logs', () => {
  it('never contain secret headers or keys, on stdout or in the file, even at debug level', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'agent-logs-'))
    const logFile = path.join(dir, 'agent.log')
    const server = await startTestServer({
      AGENT: 'echo',
      LOG_LEVEL: 'debug',
      LOG_FILE: logFile,
      LAYERCODE_API_KEY: API_KEY,
      OPENAI_API_KEY: OPENAI_KEY,
      DEFAULT_MODEL: 'offline',
      LOG_REDACT_PATTERN: '^x-tenant-token$',
    })
    let signature = ''
    try {
      const body = JSON.stringify({
        type: 'message',
        ...ids('redact'),
        turn_id: 'r1',
        // A caller reading a key aloud must not put it in the logs either.
        text: `my key is ${API_KEY}`,
      })
      signature = signPayload(TEST_SECRET, body)
      const res = await fetch(server.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signature,
          authorization: `Bearer ${API_KEY}`,
          cookie: COOKIE,
          'x-tenant-token': 'tenant-secret-value',
          'x-request-id': 'redaction-test', // an allowlisted header: its value is logged
        },
        body,
      })
      assert.equal(res.status, 200)
      await res.text()
    } finally {
      await server.stop()
    }
    const stdout = server
      .logs()
      .map((l) => JSON.stringify(l))
      .join('\n')
    const files = (await readdir(dir)).filter((f) => f.endsWith('.log') && f !== 'agent.log')
    assert.equal(files.length, 1, 'one dated log file')
    assert.match(files[0] ?? '', /^agent-\d{4}-\d{2}-\d{2}\.log$/)
    assert.equal(await readlink(logFile), files[0], 'agent.log links to the current file')
    const file = await readFile(path.join(dir, files[0] ?? ''), 'utf8')
    await rm(dir, { recursive: true })

    for (const [name, output] of [
      ['stdout', stdout],
      ['file', file],
    ] as const) {
      assert.match(output, /redaction-test/, `${name} has the debug header dump`)
      assert.match(output, /\[REDACTED\]/, `${name} shows where it redacted`)
      for (const secret of [
        API_KEY,
        OPENAI_KEY,
        TEST_SECRET,
        signature,
        COOKIE,
        'cookie-value',
        'tenant-secret-value',
      ]) {
        assert.ok(!output.includes(secret), `${name} must not contain ${secret.slice(0, 12)}…`)
      }
    }
    const headers = server.logs().find((l) => l.message === 'request')?.headers as Record<
      string,
      string
    >
    assert.equal(headers.authorization, '[REDACTED]')
    assert.equal(headers.cookie, '[REDACTED]')
    assert.equal(headers[SIGNATURE_HEADER], '[REDACTED]')
    assert.equal(headers['x-tenant-token'], '[REDACTED]')
  })

  it('carry the call context of the webhook without callers passing it', async () => {
    const server = await startTestServer({ AGENT: 'bakery', LOG_LEVEL: 'debug' })
    const conversation = ids('ctx')
    try {
      await server.send({
        type: 'message',
        ...conversation,
        turn_id: 'c1',
        text: "what's on the menu?",
      })
    } finally {
      await server.stop()
    }
    const turnLines = server.logs().filter((l) => l.turn_id === 'c1')
    const messages = turnLines.map((l) => l.message)
    for (const expected of ['turn received', 'tool call', 'tool result', 'turn completed']) {
      assert.ok(messages.includes(expected), `has "${expected}"`)
    }
    for (const line of turnLines) {
      assert.equal(line.conversation_id, conversation.conversation_id)
      assert.equal(line.session_id, conversation.session_id)
      assert.equal(line.event_type, 'message')
      assert.equal(line.agent, 'bakery')
    }
    const received = turnLines.find((l) => l.message === 'turn received')
    assert.equal(received?.text, "what's on the menu?", 'the transcript is logged at debug')
    const result = turnLines.find((l) => l.message === 'tool result')
    assert.equal(result?.tool, 'list_menu')
    assert.equal(typeof result?.result_length, 'number')
  })

  it('keep the transcript out at info level', async () => {
    const server = await startTestServer({ AGENT: 'echo' })
    try {
      await server.send({ type: 'message', ...ids('info'), turn_id: 'i1', text: 'private words' })
    } finally {
      await server.stop()
    }
    assert.ok(!JSON.stringify(server.logs()).includes('private words'))
    assert.ok(server.logs().some((l) => l.message === 'turn completed' && l.turn_id === 'i1'))
  })

  it('do no work for a record below the level: its fields are never read', async () => {
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (chunk) => (out += chunk))
    const logger = createLogger({ level: 'info', stdout })
    let read = 0
    const meta = {
      get costly() {
        read += 1
        return 'value'
      },
    }
    logger.debug('skipped', meta)
    logger.info('kept', meta)
    await closeLogger(logger)
    assert.equal(read, 1, 'read once, for the info record only')
    assert.deepEqual(
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).message),
      ['kept'],
    )
  })

  it('let explicit fields win over the context', async () => {
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (chunk) => (out += chunk))
    const logger = createLogger({ level: 'info', stdout })
    runWithCallContext(
      { conversation_id: 'c', session_id: 's', event_type: 'message', agent: 'echo' },
      () => logger.info('hello', { agent: 'override' }),
    )
    await closeLogger(logger)
    const line = JSON.parse(out.trim())
    assert.equal(line.agent, 'override')
    assert.equal(line.conversation_id, 'c')
  })

  it('redact top-level fields by key, the custom pattern included', async () => {
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (chunk) => (out += chunk))
    const logger = createLogger({
      level: 'info',
      stdout,
      keyPattern: new RegExp(`${DEFAULT_SECRET_KEY_PATTERN.source}|^x-tenant-id$`, 'i'),
    })
    logger.info('x', {
      api_key: 'top-api-key-value',
      authorization: 'Bearer top-authorization-value',
      client_secret: 'top-client-secret-value',
      'x-tenant-id': 'top-tenant-value',
      nested: { api_key: 'nested-api-key-value' },
      note: 'kept',
    })
    await closeLogger(logger)
    const line = JSON.parse(out.trim())
    for (const key of ['api_key', 'authorization', 'client_secret', 'x-tenant-id'])
      assert.equal(line[key], '[REDACTED]', key)
    assert.equal(line.nested.api_key, '[REDACTED]')
    assert.equal(line.note, 'kept')
    assert.ok(!out.includes('-value'), out)
  })
})
