import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { sendWebhook } from '@layercode-kit/protocol'
import { CREDENTIAL_HEADERS, settle, startOtlpReceiver } from '@layercode-kit/test-support'
import { spawnAgent } from '../testing/spawn-agent.ts'

/** One marker per place a secret can enter; none may leave the process. */
const MARKERS = {
  webhookSecret: 'whsec_leakmarker_webhook_0001',
  layercodeKey: 'LEAKMARKER-layercode-key-0002',
  openaiKey: 'sk-leakmarker-openai-key-0003',
  authorizationHeader: 'LEAKMARKER-authorization-0004',
  apiKeyHeader: 'LEAKMARKER-x-api-key-0005',
  queryToken: 'LEAKMARKER-query-token-0006',
  bodyField: 'LEAKMARKER-body-api-key-0007',
  cookie: 'LEAKMARKER-cookie-0008',
  smtpPassword: 'LEAKMARKER-smtp-password-0009',
} as const

/** An upstream that, like real providers, echoes the credential it was given in its error. */
async function echoingUpstream() {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '')
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${key}. You can find your API key at https://example.invalid.`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * The agent at debug, logging to stdout and a rotating file and exporting all three signals
 * to a receiver every few hundred ms: every place a secret could leave it.
 */
async function agentAtDebug(args: string[], env: Record<string, string>) {
  const receiver = await startOtlpReceiver()
  const logDir = mkdtempSync(path.join(tmpdir(), 'leak-'))
  const agent = await spawnAgent({
    args,
    env: {
      ...env,
      LOG_LEVEL: 'debug',
      LOG_FILE: path.join(logDir, 'agent.log'),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    },
  })
  let stdout = ''
  agent.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  /** Every log file the agent wrote, concatenated. */
  const logFiles = () =>
    readdirSync(logDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(path.join(logDir, f), 'utf8'))
      .join('\n')
  return { agent, receiver, stdout: () => stdout, logFiles }
}

describe('no secret leaves the agent', () => {
  it('masks every marker in stdout, the log file and every exported span, event, status, log and metric', async () => {
    const upstream = await echoingUpstream()
    const {
      agent,
      receiver,
      stdout: output,
      logFiles,
    } = await agentAtDebug(['--agent', 'starter', '--model', 'gpt-4o-mini'], {
      LAYERCODE_WEBHOOK_SECRET: MARKERS.webhookSecret,
      LAYERCODE_API_KEY: MARKERS.layercodeKey,
      LAYERCODE_API_BASE_URL: upstream.url,
      OPENAI_API_KEY: MARKERS.openaiKey,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      SMTP_PASSWORD: MARKERS.smtpPassword,
    })
    try {
      const ids = { session_id: 'sess_leak', conversation_id: 'conv_leak' }
      const headers = {
        authorization: `Bearer ${MARKERS.authorizationHeader}`,
        'x-api-key': MARKERS.apiKeyHeader,
        cookie: `session=${MARKERS.cookie}`,
      }
      const url = `${agent.url}/api/agent?token=${MARKERS.queryToken}`
      const post = (body: Record<string, unknown>) =>
        sendWebhook({ url, secret: MARKERS.webhookSecret, body: { ...ids, ...body }, headers })
      await post({ type: 'session.start', turn_id: 't0' })
      const failed = await post({
        type: 'message',
        turn_id: 't1',
        text: `my key is ${MARKERS.openaiKey}`,
        custom_metadata: { api_key: MARKERS.bodyField },
      })
      assert.equal(failed.status, 200)
      assert.ok(
        failed.events.some((e) => e.event.type === 'response.end'),
        'the failing turn still ends',
      )
      const authorize = await fetch(`${agent.url}/api/authorize?token=${MARKERS.queryToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          agent_id: 'a1',
          custom_headers: { 'x-api-key': MARKERS.bodyField },
        }),
      })
      assert.equal(authorize.status, 401, 'the upstream status is passed through')
      await authorize.text()
      await post({ type: 'session.end' })
      // The model's failure reached every layer before we look for the key.
      const spans = await settle(
        () => receiver.items('traces').map((s) => s.name),
        (names) => ['chat gpt-4o-mini', 'invoke_agent starter'].every((n) => names.includes(n)),
        10_000,
        50,
      )
      assert.ok(spans.done, `spans: ${[...new Set(spans.value)].join(', ')}`)
    } finally {
      assert.equal((await agent.stop()).code, 0)
      await receiver.close()
      await upstream.close()
    }
    const chat = receiver.items('traces').find((s) => s.name === 'chat gpt-4o-mini')
    const status = chat?.status as { message?: string } | undefined
    assert.match(String(status?.message), /Incorrect API key provided: \[REDACTED\]/)
    const server = receiver.items('traces').find((s) => s.name === 'POST /api/agent')
    assert.ok(server, 'the server span was exported')

    const stdout = output()
    assert.ok(logFiles().length > 0, 'a log file was written')
    const sinks: Record<string, string> = {
      stdout,
      'log file': logFiles(),
      ...Object.fromEntries(
        ['traces', 'metrics', 'logs'].map((signal) => [
          `OTLP ${signal}`,
          JSON.stringify(receiver.requests.filter((r) => r.path.endsWith(`/v1/${signal}`))),
        ]),
      ),
    }
    for (const [sink, text] of Object.entries(sinks)) {
      assert.ok(text.length > 100, `${sink} received data`)
      for (const [name, marker] of Object.entries(MARKERS))
        assert.ok(!text.includes(marker), `${name} leaked into ${sink}`)
    }
    assert.ok(sinks['OTLP traces']?.includes('token=REDACTED'), 'url.full keeps the query key')
    assert.ok(
      stdout.includes('Incorrect API key provided: [REDACTED]'),
      'the error is still logged',
    )
  })

  it(`logs no value of ${CREDENTIAL_HEADERS.length} credential headers at debug, whatever their names`, async () => {
    const secret = 'whsec_header_leak_test_0001'
    const {
      agent,
      receiver,
      stdout: output,
      logFiles,
    } = await agentAtDebug(['--agent', 'echo'], {
      LAYERCODE_WEBHOOK_SECRET: secret,
    })
    // A distinct marker per header, none of them credential-shaped, so only the allowlist can hide them.
    const marker = (i: number) => `HDRMARKER${String(i).padStart(3, '0')}plain`
    const headers = Object.fromEntries(
      CREDENTIAL_HEADERS.filter((h) => h !== 'layercode-signature').map((h, i) => [h, marker(i)]),
    )
    try {
      const result = await sendWebhook({
        url: `${agent.url}/api/agent`,
        secret,
        body: { type: 'message', session_id: 's', conversation_id: 'c', turn_id: 't', text: 'hi' },
        headers: { ...headers, 'x-request-id': 'req-visible-1' },
      })
      assert.equal(result.status, 200)
      const logged = await settle(
        () =>
          receiver
            .items('logs')
            .filter((l) => (l.body as { stringValue?: string }).stringValue === 'request'),
        (lines) => lines.length > 0,
        10_000,
        50,
      )
      assert.ok(logged.done, 'the debug request line reached OTLP')
    } finally {
      assert.equal((await agent.stop()).code, 0)
      await receiver.close()
    }
    const stdout = output()
    const line = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'request')
    const logged = line?.headers as Record<string, string> | undefined
    assert.equal(logged?.['x-request-id'], 'req-visible-1', 'allowlisted values are logged')
    for (const name of Object.keys(headers))
      assert.equal(logged?.[name], '[REDACTED]', `${name} is shown present, masked`)
    const sinks: Record<string, string> = {
      stdout,
      'log file': logFiles(),
      'OTLP logs and spans': JSON.stringify(receiver.requests),
    }
    for (const [sink, text] of Object.entries(sinks)) {
      assert.ok(text.includes('req-visible-1'), `${sink} has the request`)
      for (const [i] of Object.keys(headers).entries())
        assert.ok(
          !text.includes(marker(i)),
          `${Object.keys(headers)[i]}'s value leaked into ${sink}`,
        )
    }
  })
})
