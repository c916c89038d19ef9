import { percentile } from './loadgen/stats.ts'
import { sendWebhook } from './protocol/client.ts'
import { startOtlpReceiver } from './testing/otlp-receiver.ts'
import { spawnAgent } from './testing/spawn-agent.ts'

const SECRET = 'whsec_bench_0123456789abcdef'
const sink = await startOtlpReceiver()
async function run(label: string, env: Record<string, string>) {
  const agent = await spawnAgent({
    args: ['--agent', 'echo'],
    env: {
      LAYERCODE_WEBHOOK_SECRET: SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      ...env,
    },
  })
  const drive = async (ms: number) => {
    const lat: number[] = []
    const stopAt = Date.now() + ms
    let n = 0
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        while (Date.now() < stopAt) {
          n++
          const r = await sendWebhook({
            url: `${agent.url}/api/agent`,
            secret: SECRET,
            body: {
              type: 'message',
              session_id: 's',
              conversation_id: `c${w}`,
              turn_id: `t${n}`,
              text: 'bench',
            },
          })
          lat.push(r.totalMs)
        }
      }),
    )
    return lat
  }
  await drive(1500)
  const lat = await drive(5000)
  await agent.stop()
  console.log(
    label.padEnd(22),
    (lat.length / 5).toFixed(0).padStart(5),
    'req/s  p50',
    percentile(lat, 50)?.toFixed(2),
    'p99',
    percentile(lat, 99)?.toFixed(2),
  )
}
await run('off', { OTEL_SDK_DISABLED: 'true' })
await run('all on', {})
await run('traces only', { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' })
await run('metrics only', { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' })
await run('logs only', { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' })
await run('none exported', {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
})
await run('off again', { OTEL_SDK_DISABLED: 'true' })
await sink.close()
