import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sendWebhook } from '@layercode-kit/protocol'
import { attributesOf, freePort, settle, startOtlpReceiver } from '@layercode-kit/test-support'
import { spawnAgent } from '../testing/spawn-agent.ts'

const SECRET = 'whsec_otlp_test_0123456789'

async function conversation(url: string, id: string) {
  const base = { session_id: `s_${id}`, conversation_id: `c_${id}` }
  const post = (body: Record<string, unknown>) =>
    sendWebhook({ url: `${url}/api/agent`, secret: SECRET, body: { ...base, ...body } })
  const answers = []
  for (const body of [
    { type: 'session.start', turn_id: 't0' },
    { type: 'message', turn_id: 't1', text: "What's on the menu?" },
    { type: 'message', turn_id: 't2', text: 'Thanks' },
    { type: 'session.end' },
  ]) {
    const result = await post(body)
    answers.push({
      status: result.status,
      events: result.events.map((e) => e.event),
      json: result.json,
    })
  }
  return answers
}

const fastExport = {
  OTEL_METRIC_EXPORT_INTERVAL: '300',
  OTEL_BSP_SCHEDULE_DELAY: '100',
  OTEL_BLRP_SCHEDULE_DELAY: '100',
}

describe('OTLP export from the agent started as users start it', () => {
  it('sends traces (with a route-aware server span), metrics and logs to an OTLP/HTTP endpoint', async () => {
    const receiver = await startOtlpReceiver()
    const agent = await spawnAgent({
      args: ['--agent', 'bakery'],
      env: {
        LAYERCODE_WEBHOOK_SECRET: SECRET,
        OFFLINE_MODEL_DELAY_MS: '0',
        APP_ENV: 'e2e',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=voice',
        ...fastExport,
      },
    })
    try {
      await conversation(agent.url, 'wire')
      const spans = await settle(
        () => receiver.items('traces').map((s) => s.name),
        (names) =>
          ['POST /api/agent', 'invoke_agent bakery', 'execute_tool list_menu'].every((n) =>
            names.includes(n),
          ),
        10_000,
        50,
      )
      assert.ok(spans.done, `spans arrived: ${[...new Set(spans.value)].join(', ')}`)
      const server = receiver.items('traces').find((s) => s.name === 'POST /api/agent')
      assert.equal(server?.kind, 2, 'SPAN_KIND_SERVER')
      assert.equal(attributesOf(server)['http.route'], '/api/agent')
      const metrics = await settle(
        () => receiver.items('metrics').map((m) => m.name),
        (names) =>
          [
            'layercode.turn.duration',
            'gen_ai.client.token.usage',
            'http.server.request.duration',
          ].every((n) => names.includes(n)),
        10_000,
        50,
      )
      assert.ok(metrics.done, `metrics arrived: ${[...new Set(metrics.value)].join(', ')}`)
      const logs = () => receiver.items('logs')
      const completed = await settle(
        logs,
        (records) =>
          records.some(
            (l) =>
              (l.body as { stringValue?: string })?.stringValue === 'turn completed' &&
              attributesOf(l).turn_id === 't1',
          ),
        10_000,
        50,
      )
      assert.ok(completed.done, 'the "turn completed" log of t1 arrived')
      const turnLog = logs().find((l) => attributesOf(l).turn_id === 't1')
      assert.match(String(turnLog?.traceId), /^[0-9a-f]{32}$/)
      assert.equal(attributesOf(turnLog).conversation_id, 'c_wire')
      const resource = attributesOf(turnLog?.resource)
      assert.equal(resource['service.name'], 'layercode-agent')
      assert.equal(resource['service.namespace'], 'voice')
      assert.equal(resource['deployment.environment.name'], 'e2e')
      assert.ok(resource['service.instance.id'])
      assert.ok(resource['service.version'])
    } finally {
      assert.equal((await agent.stop()).code, 0)
      await receiver.close()
    }
  })

  it('flushes all three signals on SIGTERM (default http/protobuf)', async () => {
    const receiver = await startOtlpReceiver()
    const agent = await spawnAgent({
      args: ['--agent', 'echo'],
      env: {
        LAYERCODE_WEBHOOK_SECRET: SECRET,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Nothing is exported on a timer during the test: only the shutdown flush can deliver.
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_BLRP_SCHEDULE_DELAY: '600000',
      },
    })
    await conversation(agent.url, 'flush')
    assert.equal(receiver.requests.length, 0)
    const { code, ms } = await agent.stop()
    assert.equal(code, 0)
    assert.ok(ms < 10_000)
    for (const signal of ['traces', 'metrics', 'logs']) {
      const request = receiver.requests.find((r) => r.path === `/v1/${signal}`)
      assert.ok(request, `${signal} were flushed`)
      assert.equal(request.contentType, 'application/x-protobuf')
      assert.ok(request.bytes > 100)
    }
    await receiver.close()
  })
})

describe('a broken collector never changes the answers nor blocks shutdown', () => {
  const answersWith = async (env: Record<string, string>) => {
    const agent = await spawnAgent({
      args: ['--agent', 'echo'],
      env: { LAYERCODE_WEBHOOK_SECRET: SECRET, ...fastExport, ...env },
    })
    try {
      const answers = await conversation(agent.url, 'fault')
      // Let the exporters try (and fail, or hang) a few times before shutting down.
      await new Promise((resolve) => setTimeout(resolve, 800))
      return { answers, stop: await agent.stop() }
    } catch (error) {
      await agent.stop()
      throw error
    }
  }

  it('refusing connections, then accepting and never answering', async () => {
    const baseline = await answersWith({ OTEL_SDK_DISABLED: 'true' })
    const port = await freePort() // refuses connections
    const refused = await answersWith({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` })
    const hanging = await startOtlpReceiver({ mode: 'hang' })
    const hung = await answersWith({ OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url })
    assert.ok(hanging.requests.length > 0, 'the agent did try to export to the hanging collector')
    await hanging.close()
    for (const [name, run] of [
      ['refusing', refused],
      ['hanging', hung],
    ] as const) {
      assert.deepEqual(run.answers, baseline.answers, `${name}: answers unchanged`)
      assert.equal(run.stop.code, 0, `${name}: clean exit`)
      assert.ok(run.stop.ms < 10_000, `${name}: shutdown took ${run.stop.ms} ms`)
    }
  })
})

describe('a dead collector is not silent', () => {
  it('warns once, concisely, when exports fail, and not again for every batch', async () => {
    const port = await freePort() // refuses connections
    const agent = await spawnAgent({
      args: ['--agent', 'echo'],
      env: {
        LAYERCODE_WEBHOOK_SECRET: SECRET,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        ...fastExport,
      },
    })
    try {
      await conversation(agent.url, 'dead')
      const warnings = () => agent.logs.filter((l) => l.message === 'telemetry export failing')
      // The exporters retry with backoff first, so the first failure takes a few seconds.
      const first = await settle(warnings, (w) => w.length > 0, 30_000, 100)
      assert.ok(first.done, 'a warning was logged')
      // Every signal keeps failing every 100-300 ms; the warning is not repeated.
      await new Promise((resolve) => setTimeout(resolve, 3000))
      assert.equal(warnings().length, 1, JSON.stringify(warnings()))
      assert.equal(warnings()[0]?.level, 'warn')
      assert.match(String(warnings()[0]?.['error.message']), /ECONNREFUSED/)
      assert.equal(
        warnings()[0]?.hint,
        `no OpenTelemetry collector is listening at http://127.0.0.1:${port}: start the kit's (docker compose up -d collector), set OTEL_EXPORTER_OTLP_ENDPOINT to yours, or OTEL_SDK_DISABLED=true to run without telemetry`,
      )
    } finally {
      assert.equal((await agent.stop()).code, 0)
    }
  })
})
