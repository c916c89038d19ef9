/**
 * `npm run bench`: the agent's webhook throughput and latency with telemetry on (exporting
 * over OTLP/HTTP) against OTEL_SDK_DISABLED=true, in one run on one machine, alternating
 * the two so drift hits both. Compare the ratios, not the absolute numbers.
 * Two views: saturated (closed loop, every core busy: throughput and its cost) and a fixed
 * offered rate below capacity (open loop: the latency a caller feels at a load a voice agent
 * actually runs at; model calls keep real agents far from saturation).
 *   BENCH_SECONDS (default 8) per measured round, BENCH_ROUNDS (2), BENCH_CONCURRENCY (8),
 *   BENCH_OFFERED_SHARE (0.25) of the telemetry-off capacity for the open-loop phase,
 *   OTEL_EXPORTER_OTLP_ENDPOINT to export to a running collector instead of a local sink,
 *   BENCH_OTEL_ENV='{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE":"64"}' to try SDK settings on the telemetry side
 *   (e.g. '{"OTEL_METRICS_EXPORTER":"none","OTEL_LOGS_EXPORTER":"none"}' for the cost of traces alone).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent } from 'node:http'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { sendWebhookOverHttp } from '@layercode-kit/agent'
import { spawnAgent } from '@layercode-kit/agent/testing'
import { percentile } from '../stats.ts'
import { openLoopProblem, signedMs } from './report.ts'

const SECRET = 'whsec_bench_0123456789abcdef'
const seconds = Number(process.env.BENCH_SECONDS ?? 8)
const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8)
const offeredShare = Number(process.env.BENCH_OFFERED_SHARE ?? 0.25)
const otelEnv = parseOtelEnv(process.env.BENCH_OTEL_ENV)

function parseOtelEnv(json: string | undefined): Record<string, string> {
  const value: unknown = JSON.parse(json || '{}')
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== 'string')
  )
    throw new Error(`BENCH_OTEL_ENV must be a JSON object of strings, got ${json}`)
  return value as Record<string, string>
}

type Sample = {
  requests: number
  seconds: number
  latencies: number[]
  /** Turns answered without a complete stream, or not answered at all. */
  failed: number
  /** Open loop: requests not sent because 256 were already in flight. */
  skipped: number
  /** Share of one core the driver itself used: near 1, it (not the agent) set the pace. */
  driverLoad: number
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 })

/**
 * One signed turn, answered when its stream ends with `response.end`. node:http with
 * keep-alive rather than the kit's fetch-based sendWebhook: several times lighter, so the
 * driver keeps ahead of the agent on a shared machine.
 */
/** One turn through the agent's node:http client: ok when it ends with response.end. */
async function postTurn(url: string, body: object): Promise<{ ok: boolean; ms: number }> {
  const result = await sendWebhookOverHttp({ url, secret: SECRET, body, agent: keepAlive })
  const last = result.events.at(-1) as { type?: string } | undefined
  return { ok: result.status === 200 && last?.type === 'response.end', ms: result.totalMs }
}

/** Runs `fn` and measures it: wall time and this process's CPU share of one core. */
async function measured(
  fn: () => Promise<{ latencies: number[]; failed: number; skipped?: number }>,
): Promise<Sample> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const { latencies, failed, skipped = 0 } = await fn()
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return {
    requests: latencies.length,
    seconds,
    latencies,
    failed,
    skipped,
    driverLoad: (used.user + used.system) / 1e6 / seconds,
  }
}

/** Closed loop: `concurrency` callers, each sending its next turn when the last one ended. */
function drive(url: string, durationS: number): Promise<Sample> {
  return measured(async () => {
    const latencies: number[] = []
    let failed = 0
    let n = 0
    const stopAt = performance.now() + durationS * 1000
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (performance.now() < stopAt) {
          n += 1
          const body = {
            type: 'message',
            session_id: `s${worker}`,
            conversation_id: `c${worker}`,
            turn_id: `t${n}`,
            text: 'benchmark',
          }
          const result = await postTurn(url, body)
          if (result.ok) latencies.push(result.ms)
          else failed += 1
        }
      }),
    )
    return { latencies, failed }
  })
}

/** Open loop: one request every 1/rate s whatever the answers do, bounded in flight. */
function offer(url: string, rate: number, durationS: number): Promise<Sample> {
  return measured(async () => {
    const latencies: number[] = []
    let failed = 0
    let skipped = 0
    const inFlight = new Set<Promise<void>>()
    const started = performance.now()
    for (let i = 0; performance.now() - started < durationS * 1000; i++) {
      const due = started + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      if (inFlight.size >= 256) {
        skipped += 1 // the agent fell behind the offered rate
        continue
      }
      const body = {
        type: 'message',
        session_id: 's',
        conversation_id: `c${i % 64}`,
        turn_id: `t${i}`,
        text: 'benchmark',
      }
      const task = postTurn(url, body).then(
        (result) => {
          if (result.ok) latencies.push(result.ms)
          else failed += 1
        },
        () => {
          failed += 1
        },
      )
      const tracked: Promise<void> = task.finally(() => inFlight.delete(tracked))
      inFlight.add(tracked)
    }
    await Promise.all(inFlight)
    return { latencies, failed, skipped }
  })
}

async function withAgent<T>(
  telemetry: boolean,
  endpoint: string,
  run: (url: string) => Promise<T>,
): Promise<T> {
  const agent = await spawnAgent({
    args: ['--agent', 'echo'],
    keepLogs: false,
    env: {
      LAYERCODE_WEBHOOK_SECRET: SECRET,
      HISTORY_MAX_TURNS: '5',
      ...(telemetry
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '5000', ...otelEnv }
        : { OTEL_SDK_DISABLED: 'true' }),
    },
  })
  try {
    const url = `${agent.url}/api/agent`
    await drive(url, 2) // warm up JIT and connections
    return await run(url)
  } finally {
    await agent.stop()
  }
}

function merge(samples: Sample[]): Sample {
  const seconds = samples.reduce((s, x) => s + x.seconds, 0)
  return {
    requests: samples.reduce((s, x) => s + x.requests, 0),
    seconds,
    latencies: samples.flatMap((x) => x.latencies),
    failed: samples.reduce((s, x) => s + x.failed, 0),
    skipped: samples.reduce((s, x) => s + x.skipped, 0),
    driverLoad: samples.reduce((s, x) => s + x.driverLoad * x.seconds, 0) / seconds,
  }
}

/** A local OTLP/HTTP endpoint in its own process (see otlp-sink.ts). */
async function startSink() {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./otlp-sink.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const { url } = JSON.parse(String((await lines.next()).value)) as { url: string }
  return {
    url,
    async stop(): Promise<{ requests: number; bytes: number }> {
      child.kill('SIGTERM')
      const summary = JSON.parse(String((await lines.next()).value))
      await once(child, 'exit')
      return summary
    },
  }
}

const sink = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? undefined : await startSink()
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? sink?.url ?? ''
const off: Sample[] = []
const on: Sample[] = []
for (let round = 0; round < rounds; round++) {
  off.push(await withAgent(false, endpoint, (url) => drive(url, seconds)))
  on.push(await withAgent(true, endpoint, (url) => drive(url, seconds)))
}
const offered = Math.round((merge(off).requests / merge(off).seconds) * offeredShare)
const offOpen: Sample[] = []
const onOpen: Sample[] = []
for (let round = 0; round < rounds; round++) {
  offOpen.push(await withAgent(false, endpoint, (url) => offer(url, offered, seconds)))
  onOpen.push(await withAgent(true, endpoint, (url) => offer(url, offered, seconds)))
}
const exported = await sink?.stop()
keepAlive.destroy()

const summary = (label: string, s: Sample) => {
  const rps = s.requests / s.seconds
  const p50 = percentile(s.latencies, 50) ?? Number.NaN
  const p99 = percentile(s.latencies, 99) ?? Number.NaN
  console.log(
    `${label.padEnd(14)} ${rps.toFixed(0).padStart(6)} req/s   p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   failed turns ${s.failed}${s.skipped ? `   skipped (256 in flight) ${s.skipped}` : ''}   driver ${(s.driverLoad * 100).toFixed(0)}% of a core`,
  )
  return { rps, p50, p99 }
}
console.log(
  `echo agent, ${concurrency} concurrent callers, ${rounds} x ${seconds} s per mode, exporting to ${sink ? 'a local OTLP/HTTP sink (own process)' : endpoint}`,
)
if (Object.keys(otelEnv).length > 0)
  console.log(`telemetry side also runs with ${JSON.stringify(otelEnv)}`)
console.log('saturated (closed loop)')
const a = summary('telemetry off', merge(off))
const b = summary('telemetry on', merge(on))
console.log(
  `ratio          throughput ${((b.rps / a.rps) * 100).toFixed(1)}% (loss ${((1 - b.rps / a.rps) * 100).toFixed(1)}%)   p50 ${signedMs(b.p50 - a.p50)}   p99 ${signedMs(b.p99 - a.p99)}`,
)
if (merge(off).driverLoad > 0.9)
  console.log(
    'warning: the driver used over 90% of its core with telemetry off, so it may have set the pace and the loss is understated',
  )
console.log(
  `offered ${offered} req/s (open loop, ${offeredShare * 100}% of the telemetry-off capacity)`,
)
const c = summary('telemetry off', merge(offOpen))
const d = summary('telemetry on', merge(onOpen))
const problems = [merge(offOpen), merge(onOpen)].flatMap((run) => {
  const problem = openLoopProblem({
    offeredRps: offered,
    seconds: run.seconds,
    sent: run.requests + run.failed,
    skipped: run.skipped,
  })
  return problem ? [problem] : []
})
if (problems.length > 0) {
  console.log(`added          not reported: ${problems.join('; ')}`)
  process.exitCode = 1
} else console.log(`added          p50 ${signedMs(d.p50 - c.p50)}   p99 ${signedMs(d.p99 - c.p99)}`)
if (exported)
  console.log(
    `exported: ${exported.requests} OTLP requests, ${(exported.bytes / 1024).toFixed(0)} KiB`,
  )
