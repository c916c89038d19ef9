import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'my-voice-agent',
      // Unless the test says otherwise, nothing leaves on a timer: only the exit flush delivers.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BLRP_SCHEDULE_DELAY: '600000',
      ...env,
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

  it('ends a finished app at once when no collector listens, saying so, with its exit code', async () => {
    const refusing = await startOtlpReceiver()
    const deadUrl = refusing.url
    await refusing.close()
    const app = runApp(userApp(`process.exitCode = 3\nconsole.log('done')\n`), deadUrl)
    let stderr = ''
    app.child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const [code] = await app.exited
    assert.equal(code, 3, "the app's own exit code")
    assert.deepEqual(
      stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      [
        {
          level: 'warn',
          message: `telemetry not flushed: the collector at ${deadUrl} was unreachable (ECONNREFUSED); what was not exported is lost`,
        },
      ],
      'one line, not a timeout',
    )
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

/** Every data point of a metric, across all the OTLP/JSON exports received. */
function dataPoints(metrics: Array<Record<string, unknown>>, name: string) {
  return metrics
    .filter((m) => m.name === name)
    .flatMap((m) => ((m.histogram ?? m.sum ?? m.gauge) as { dataPoints: unknown[] }).dataPoints)
    .map((p) => p as { count?: string | number; attributes: unknown[] })
}

describe("the SDK's own exports are not the app's outbound HTTP", () => {
  it('leave no CLIENT span and no http.client.request.duration point, while the app call does', async () => {
    const receiver = await startOtlpReceiver()
    try {
      // The app calls once, then idles through many exports of every signal before it ends.
      const app = runApp(
        userApp(`${CALL_HOME}\nawait new Promise((resolve) => setTimeout(resolve, 1500))\n`),
        receiver.url,
        {
          OTEL_METRIC_EXPORT_INTERVAL: '100',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_BLRP_SCHEDULE_DELAY: '50',
        },
      )
      const [code] = await app.exited
      assert.equal(code, 0)
      const exports = receiver.requests.filter((r) => r.path.startsWith('/v1/')).length
      assert.ok(exports >= 5, `the SDK exported ${exports} times during the run`)
      const clientSpans = receiver.items('traces').filter((s) => s.kind === 3)
      assert.deepEqual(
        clientSpans.map((s) => attributesOf(s)['url.full']),
        [`${receiver.url}/ping`],
        'one CLIENT span: the app call',
      )
      // Cumulative temporality: the last export's point holds every request measured.
      const points = dataPoints(receiver.items('metrics'), 'http.client.request.duration')
      assert.ok(points.length > 0)
      assert.equal(Number(points.at(-1)?.count), 1, 'one request measured: the app call')
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
        if (!stamped)
          assert.deepEqual(receiver.items('logs'), [], 'a plain winston logger is not forwarded')
      } finally {
        await receiver.close()
      }
    })
})

describe("agent/README.md's winston setup for your own app", () => {
  it('sends each record over OTLP with its trace, as the README says', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const after = readme.slice(readme.indexOf('Logs reach OTLP only through'))
    const snippet = /```ts\n([\s\S]*?)```/.exec(after)?.[1]
    assert.ok(snippet, 'the README shows the code')
    const source = snippet
      .replace(
        "from '@layercode-kit/telemetry'",
        `from '${import.meta.resolve('@layercode-kit/telemetry')}'`,
      )
      .replace("from 'winston'", `from '${import.meta.resolve('winston')}'`)
    const receiver = await startOtlpReceiver()
    try {
      const app = runApp(
        userApp(
          `import { trace } from '${import.meta.resolve('@opentelemetry/api')}'\n${source}\n` +
            "trace.getTracer('app').startActiveSpan('work', (span) => {\n" +
            "  logger.info('order placed', { order_id: 'o1' })\n  span.end()\n})\n",
        ),
        receiver.url,
      )
      const [code] = await app.exited
      assert.equal(code, 0)
      const [record, ...rest] = receiver.items('logs')
      assert.equal(rest.length, 0)
      assert.equal((record?.body as { stringValue?: string })?.stringValue, 'order placed')
      assert.equal(attributesOf(record).order_id, 'o1')
      const [span] = receiver.items('traces')
      assert.equal(record?.traceId, span?.traceId, "the record carries its span's trace")
    } finally {
      await receiver.close()
    }
  })
})
