import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { METRIC_EXPORT_INTERVAL_MS, serviceVersion } from '@layercode-kit/telemetry'
import { attributesOf, startOtlpReceiver } from '@layercode-kit/test-support'
import { cleanEnv, REGISTER_PATH } from '../testing/spawn-agent.ts'

/** A user's own app in its own folder, with its own package.json, loading only register.ts. */
function userApp(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-app-'))
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'my-voice-agent', version: '9.8.7' }),
  )
  writeFileSync(path.join(dir, 'my-agent.mjs'), source)
  return path.join(dir, 'my-agent.mjs')
}

function runApp(file: string, receiverUrl: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', REGISTER_PATH, file], {
    env: cleanEnv({
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'my-voice-agent',
      // Nothing leaves on a timer: only the exit flush can deliver.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BLRP_SCHEDULE_DELAY: '600000',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  return { child, stdout: () => stdout, exited: once(child, 'exit') }
}

// An outgoing HTTP call is traced by the SDK's own instrumentation; the app imports nothing.
const CALL_HOME = `
import http from 'node:http'
const url = process.env.OTEL_EXPORTER_OTLP_ENDPOINT + '/ping'
await new Promise((resolve) => http.get(url, (res) => res.resume().on('end', resolve)))
console.log('called')
`

describe('register.ts in a user app', () => {
  it('flushes a short-lived app that simply ends, stamped with the app version', async () => {
    const receiver = await startOtlpReceiver()
    try {
      const app = runApp(userApp(CALL_HOME), receiver.url)
      const [code] = await app.exited
      assert.equal(code, 0)
      assert.match(app.stdout(), /called/)
      const span = receiver.items('traces').find((s) => s.kind === 3)
      assert.ok(span, 'the CLIENT span of the outgoing call was exported')
      assert.ok(receiver.items('metrics').length > 0, 'metrics were flushed')
      const resource = attributesOf(span.resource)
      assert.equal(resource['service.name'], 'my-voice-agent')
      assert.equal(resource['service.version'], '9.8.7', 'the app version, not the kit version')
    } finally {
      await receiver.close()
    }
  })

  it('flushes on SIGTERM and still ends the process by the signal', async () => {
    const receiver = await startOtlpReceiver()
    try {
      const app = runApp(
        userApp(`${CALL_HOME}\nsetInterval(() => {}, 1000)\nconsole.log('serving')\n`),
        receiver.url,
      )
      while (!app.stdout().includes('serving')) await new Promise((r) => setTimeout(r, 20))
      assert.equal(receiver.requests.filter((r) => r.path.startsWith('/v1/')).length, 0)
      app.child.kill('SIGTERM')
      const [code, signal] = await app.exited
      assert.equal(code, null)
      assert.equal(signal, 'SIGTERM')
      for (const signalName of ['traces', 'metrics'])
        assert.ok(
          receiver.requests.some((r) => r.path === `/v1/${signalName}`),
          `${signalName} were flushed`,
        )
    } finally {
      await receiver.close()
    }
  })
})

describe('serviceVersion', () => {
  it("is the nearest package.json's version above the entry script", () => {
    const file = userApp('')
    assert.equal(serviceVersion(file), '9.8.7')
    assert.equal(serviceVersion(path.join('/', 'no', 'such', 'dir', 'x.js')), undefined)
  })
})

describe('metric export interval', () => {
  it("defaults to the dashboards' 10 s, not the SDK's 60 s, and OTEL_METRIC_EXPORT_INTERVAL wins", async () => {
    const script = userApp(
      'await new Promise((r) => setTimeout(r, 50)); console.log(process.env.OTEL_METRIC_EXPORT_INTERVAL)',
    )
    for (const [env, expected] of [
      [{}, String(METRIC_EXPORT_INTERVAL_MS)],
      [{ OTEL_METRIC_EXPORT_INTERVAL: '60000' }, '60000'],
    ] as const) {
      const child = spawn(process.execPath, ['--import', REGISTER_PATH, script], {
        env: cleanEnv({
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
          ...env,
        }),
      })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      await once(child, 'exit')
      assert.equal(stdout.trim(), expected)
    }
  })
})

// winston's instrumentation (not among the kit's defaults) stamps trace ids into every line.
const WINSTON_IN_A_SPAN = `
import { trace } from '${import.meta.resolve('@opentelemetry/api')}'
const { default: winston } = await import('${import.meta.resolve('winston')}')
const logger = winston.createLogger({ transports: [new winston.transports.Console()] })
trace.getTracer('app').startActiveSpan('work', (span) => {
  logger.info('inside')
  span.end()
})
`

describe('the instrumentations the SDK loads', () => {
  for (const [label, env, stamped] of [
    ["only the contract's by default (no winston patch)", {}, false],
    [
      'the auto-instrumentations OTEL_NODE_ENABLED_INSTRUMENTATIONS names',
      { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'winston,http' },
      true,
    ],
  ] as const)
    it(label, async () => {
      const receiver = await startOtlpReceiver()
      try {
        const app = runApp(userApp(WINSTON_IN_A_SPAN), receiver.url, env)
        const [code] = await app.exited
        assert.equal(code, 0)
        const line = JSON.parse(app.stdout().trim().split('\n').at(-1) ?? '{}')
        assert.equal(line.message, 'inside')
        assert.equal(typeof line.trace_id === 'string', stamped, app.stdout())
      } finally {
        await receiver.close()
      }
    })
})
