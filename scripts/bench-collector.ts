/**
 * `npm run bench:collector`: the real collector (collector/manifest.yaml) with the shipped
 * collector/config.yaml, its exporters pointed at a sink, replaying OTLP/protobuf batches the
 * agent exported (bakery turns: spans, logs, metrics) as fast as it takes them, per signal and
 * mixed, then mixed at a fixed 30k items/s. Prints items per core-second of the collector
 * process, its RSS mean/max, and loss (accepted − sent after the queues drained: must be 0).
 * The only overrides (inline YAML after the shipped file) are endpoints on loopback, the
 * queue directory and host_metrics' root path.
 *   BENCH_SECONDS (default 10) per scenario, BENCH_TURNS (600) recorded, BENCH_CONCURRENCY (4),
 *   BENCH_COLLECTOR_CONFIG to measure another config file (the same overrides apply).
 * Then the cost of the kit's processors as a share of the collector's own: the shipped config
 * against a pass-through of it (OTLP in, the same exporters with their queues and batching, no
 * processors), both running, the mixed replay alternated round by round (BENCH_ROUNDS, 3),
 * printed as items per core-second and the shipped config's ratio to the pass-through's;
 * BENCH_PPROF=1 also prints where the shipped collector's CPU went in its last round (pprof).
 *   BENCH_COLLECTOR_TIER=gateway|sampler measures a tier of the scaled-out topology instead:
 *   config.yaml + gateway.yaml (its samplers replaced by one relay collector in front of the
 *   sink), or config.yaml + sampler.yaml on spans alone at fixed rates, keeping 100% (the
 *   most it exports), each replay pass with fresh trace ids so every trace is a new decision.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { spawnAgent } from '@layercode-kit/agent/testing'
import { SAMPLING } from '@layercode-kit/collector'
import { processStat } from '@layercode-kit/loadgen/process-stat'
import { sendWebhookOverHttp } from '@layercode-kit/protocol'
import { freePort, type OtlpRequest, startOtlpReceiver } from '@layercode-kit/test-support'
import { ensureCollector } from '../tools/binaries.ts'
import { rootPath } from '../tools/repo.ts'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const turns = Number(process.env.BENCH_TURNS ?? 600)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const run = promisify(execFile)
const FIXED_ITEMS_PER_SECOND = 30_000
const SECRET = 'whsec_bench_0123456789abcdef'
const SIGNALS = ['traces', 'logs', 'metrics'] as const
type Signal = (typeof SIGNALS)[number]
/** `traceIds`: where each span's trace id sits in `body` (to renumber traces per pass). */
type Batch = { path: string; body: Buffer; items: number; traceIds: number[] }
const tier = process.env.BENCH_COLLECTOR_TIER ?? ''
if (!['', 'gateway', 'sampler'].includes(tier))
  throw new Error(`BENCH_COLLECTOR_TIER is gateway or sampler, not ${tier}`)

/**
 * Counts the items of an OTLP/protobuf request by walking its wire format (no schema needed),
 * and finds its spans' trace ids (Span.trace_id = 1).
 */
function countItems(body: Buffer, signal: Signal): { items: number; traceIds: number[] } {
  // Field numbers: ExportXServiceRequest.resource_x = 1; ResourceX.scope_x = 2; ScopeX.x = 2;
  // Metric data points sit one level deeper (Metric.gauge/sum/histogram/... .data_points = 1).
  const fields = (buf: Buffer, wanted: number): Buffer[] => {
    const out: Buffer[] = []
    let at = 0
    const varint = () => {
      let value = 0
      let shift = 0
      for (;;) {
        const byte = buf[at++] ?? 0
        value += (byte & 0x7f) * 2 ** shift
        if (byte < 0x80) return value
        shift += 7
      }
    }
    while (at < buf.length) {
      const key = varint()
      const type = key & 7
      if (type === 0) varint()
      else if (type === 1) at += 8
      else if (type === 5) at += 4
      else if (type === 2) {
        const length = varint()
        if (key >>> 3 === wanted) out.push(buf.subarray(at, at + length))
        at += length
      } else throw new Error(`unexpected wire type ${type}`)
    }
    return out
  }
  const leaves = fields(body, 1)
    .flatMap((resource) => fields(resource, 2))
    .flatMap((scope) => fields(scope, 2))
  const traceIds =
    signal === 'traces'
      ? leaves.flatMap((span) => fields(span, 1).map((id) => id.byteOffset - body.byteOffset))
      : []
  if (signal !== 'metrics') return { items: leaves.length, traceIds }
  // Metric: gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11; data_points 1.
  const items = leaves
    .flatMap((metric) => [5, 7, 9, 10, 11].flatMap((field) => fields(metric, field)))
    .reduce((sum, data) => sum + fields(data, 1).length, 0)
  return { items, traceIds }
}

/** A copy of a traces batch whose trace ids are those of replay pass `pass` (none repeat). */
function renumbered(batch: Batch, pass: number): Buffer {
  const body = Buffer.from(batch.body)
  for (const at of batch.traceIds) body.writeUInt32BE(pass, at + 12)
  return body
}

/** Bakery conversations through the agent, its OTLP/protobuf requests kept whole. */
async function record(): Promise<Record<Signal, Batch[]>> {
  const receiver = await startOtlpReceiver({ keepBodies: true })
  const agent = await spawnAgent({
    args: ['--agent', 'bakery'],
    keepLogs: false,
    env: {
      LAYERCODE_WEBHOOK_SECRET: SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OFFLINE_MODEL_DELAY_MS: '1',
    },
  })
  const texts = ["what's on the menu?", 'two croissants please', 'is the bakery open today?']
  const keepAlive = new Agent({ keepAlive: true })
  for (let n = 0; n < turns; n += 20)
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendWebhookOverHttp({
          url: `${agent.url}/api/agent`,
          secret: SECRET,
          agent: keepAlive,
          body: {
            type: 'message',
            session_id: `s${(n + i) % 40}`,
            conversation_id: `c${(n + i) % 40}`,
            turn_id: `t${n + i}`,
            text: texts[(n + i) % texts.length],
          },
        }),
      ),
    )
  await sleep(1500) // one more metric export
  await agent.stop() // flushes the rest
  keepAlive.destroy()
  await receiver.close()
  const batches = (signal: Signal) =>
    receiver.requests
      .filter((r: OtlpRequest) => r.path.endsWith(`/v1/${signal}`) && r.body)
      .map((r) => ({
        path: `/v1/${signal}`,
        body: r.body as Buffer,
        ...countItems(r.body as Buffer, signal),
      }))
  return { traces: batches('traces'), logs: batches('logs'), metrics: batches('metrics') }
}

type Collector = {
  child: ChildProcess
  url: string
  metricsUrl: string
  /** The pprof extension's endpoint (Go's net/http/pprof). */
  pprofUrl: string
  stop(): Promise<void>
}

async function startCollector(
  otelcol: string,
  configs: string[],
  sinkUrl: string,
  extra: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Collector & { grpc: number }> {
  const queueDir = await mkdtemp(path.join(tmpdir(), 'bench-collector-'))
  const [http, grpc, health, pprof, zpages, metrics] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  )
  const overrides = {
    'receivers::otlp::protocols::http::endpoint': `127.0.0.1:${http}`,
    'receivers::otlp::protocols::grpc::endpoint': `127.0.0.1:${grpc}`,
    'receivers::host_metrics::root_path': '/',
    'extensions::health_check::endpoint': `127.0.0.1:${health}`,
    'extensions::pprof::endpoint': `127.0.0.1:${pprof}`,
    'extensions::zpages::endpoint': `127.0.0.1:${zpages}`,
    'extensions::file_storage/queue::directory': queueDir,
    'exporters::otlp_http/traces::endpoint': sinkUrl,
    'exporters::otlp_http/metrics::metrics_endpoint': `${sinkUrl}/v1/metrics`,
    'exporters::otlp_http/logs::logs_endpoint': `${sinkUrl}/v1/logs`,
    'service::telemetry::metrics::readers': JSON.stringify([
      { pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics } } } },
    ]),
    'service::telemetry::logs::level': 'error',
    ...extra,
  }
  const child = spawn(
    otelcol,
    [
      ...configs.map((config) => `--config=${config}`),
      ...Object.entries(overrides).map(([key, value]) => `--config=yaml:${key}: ${value}`),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env },
  )
  const url = `http://127.0.0.1:${http}`
  const healthUrl = `http://127.0.0.1:${health}/`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the collector exited with ${child.exitCode}`)
    if (
      await fetch(healthUrl).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (i > 300) throw new Error('the collector did not become healthy in 30 s')
    await sleep(100)
  }
  return {
    child,
    url,
    grpc: grpc as number,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    pprofUrl: `http://127.0.0.1:${pprof}`,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      await rm(queueDir, { recursive: true, force: true })
    },
  }
}

/**
 * The collector's own counters, summed over labels (receivers, exporters): accepted and sent
 * items per signal. host_metrics' points count on both sides, so they cancel out in loss.
 */
async function counters(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text()
  const totals: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const name =
      /^otelcol_(?:receiver_accepted|receiver_refused|exporter_sent|exporter_send_failed)_(?:spans|log_records|metric_points)(?=(?:_total)?[{ ])/.exec(
        line,
      )?.[0]
    if (name) totals[name] = (totals[name] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return totals
}

const UNITS = { traces: 'spans', logs: 'log_records', metrics: 'metric_points' } as const

function post(url: string, batch: Batch, agent: Agent, pass: number): Promise<number> {
  const body = tier === 'sampler' ? renumbered(batch, pass) : batch.body
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${batch.path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

type Result = {
  items: number
  seconds: number
  cpuSeconds: number
  rssMeanMb: number
  rssMaxMb: number
  loss: number
  refused: number
}

/** Replays `batches` for `seconds`: closed loop, or paced to `itemsPerSecond`. */
async function replay(
  collector: Collector,
  batches: Batch[],
  signals: readonly Signal[],
  itemsPerSecond?: number,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const before = await counters(collector.metricsUrl)
  const pid = collector.child.pid as number
  const cpuBefore = processStat(pid).cpuSeconds
  const rss: number[] = []
  const sampler = setInterval(() => rss.push(processStat(pid).rssBytes / 2 ** 20), 200)
  const started = performance.now()
  const stopAt = started + seconds * 1000
  let sent = 0
  let next = 0
  let refused = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        const index = next++
        const batch = batches[index % batches.length] as Batch
        if (itemsPerSecond) {
          const due = started + (sent / itemsPerSecond) * 1000
          sent += batch.items
          const wait = due - performance.now()
          if (wait > 0) await sleep(wait)
        }
        const status = await post(collector.url, batch, agent, Math.floor(index / batches.length))
        if (status !== 200) refused += 1
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const cpuSeconds = processStat(pid).cpuSeconds - cpuBefore
  clearInterval(sampler)
  agent.destroy()
  // Drained when every accepted item was sent (or failed): loss is what never left.
  let after = await counters(collector.metricsUrl)
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0)
  const accepted = () =>
    signals.reduce((s, sig) => s + delta(`otelcol_receiver_accepted_${UNITS[sig]}`), 0)
  const left = () =>
    signals.reduce(
      (s, sig) =>
        s +
        delta(`otelcol_exporter_sent_${UNITS[sig]}`) +
        delta(`otelcol_exporter_send_failed_${UNITS[sig]}`),
      0,
    )
  // Up to 30 s, or 80 s for a sampler: it decides a trace up to decision_wait after its first span.
  const drainTicks = tier === 'sampler' ? (SAMPLING.decisionWaitS + 50) * 5 : 150
  for (let i = 0; i < drainTicks && left() < accepted(); i++) {
    await sleep(200)
    after = await counters(collector.metricsUrl)
  }
  const failed = signals.reduce(
    (s, sig) => s + delta(`otelcol_exporter_send_failed_${UNITS[sig]}`),
    0,
  )
  return {
    items: accepted(),
    seconds: elapsed,
    cpuSeconds,
    rssMeanMb: rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length),
    rssMaxMb: Math.max(...rss),
    loss: accepted() - left() + failed,
    refused,
  }
}

/** The shipped config as a pass-through: every pipeline without processors, OTLP in only. */
const PASS_THROUGH = {
  'service::pipelines::traces::processors': '[]',
  'service::pipelines::logs::processors': '[]',
  'service::pipelines::metrics::processors': '[]',
  'service::pipelines::metrics::receivers': '[otlp]',
}

const otelcol = await ensureCollector()
console.log(`recording ${turns} bakery turns from the agent...`)
const recorded = await record()
for (const signal of SIGNALS)
  console.log(
    `  ${signal}: ${recorded[signal].length} requests, ${recorded[signal].reduce((s, b) => s + b.items, 0)} items`,
  )
const sink = await startOtlpReceiver()
const shipped = (file: string) => rootPath(`collector/${file}`)
const configs = tier
  ? [shipped('config.yaml'), shipped(`${tier}.yaml`)]
  : [path.resolve(process.env.BENCH_COLLECTOR_CONFIG ?? shipped('config.yaml'))]
// The gateway's samplers: one relay collector (OTLP gRPC in, the sink out), found by the
// gateway's DNS resolver as an IP literal.
const relay =
  tier === 'gateway' ? await startCollector(otelcol, [shipped('config.yaml')], sink.url) : undefined
const collector = await startCollector(
  otelcol,
  configs,
  sink.url,
  relay
    ? {
        'exporters::load_balancing/traces::resolver::dns::hostname': '127.0.0.1',
        'exporters::load_balancing/traces::resolver::dns::port': `"${relay.grpc}"`,
      }
    : {},
  tier === 'sampler' ? { ...process.env, [SAMPLING.percentageEnv]: '100' } : process.env,
)
const config = configs.map((c) => path.relative(process.cwd(), c)).join(' + ')
const mixed = SIGNALS.flatMap((s) => recorded[s])
const all = mixed.reduce((s, b) => s + b.items, 0)
let lost = 0
console.log(
  `\n${config} on ${path.basename(otelcol)}, ${concurrency} posters, ${seconds} s per scenario`,
)
console.log('scenario            items/s   items per core-s   RSS mean/max MB   loss   refused')
try {
  // A sampler holds num_traces traces until it decides them (2 s after a root): replayed as
  // fast as it takes them it evicts undecided traces (loss), so it is measured at fixed rates.
  const samplerScenarios: Array<[string, Batch[], readonly Signal[], number | undefined]> = [
    ['spans at 10k/s', recorded.traces, ['traces'], 10_000],
    ['spans at 20k/s', recorded.traces, ['traces'], 20_000],
  ]
  const scenarios: Array<[string, Batch[], readonly Signal[], number | undefined]> =
    tier === 'sampler'
      ? samplerScenarios
      : [
          ['traces', recorded.traces, ['traces'], undefined],
          ['logs', recorded.logs, ['logs'], undefined],
          ['metrics', recorded.metrics, ['metrics'], undefined],
          ['mixed', mixed, SIGNALS, undefined],
          [`mixed at ${FIXED_ITEMS_PER_SECOND / 1000}k/s`, mixed, SIGNALS, FIXED_ITEMS_PER_SECOND],
        ]
  for (const [name, batches, signals, rate] of scenarios) {
    if (batches.length === 0) continue
    const r = await replay(collector, batches, signals, rate)
    lost += r.loss
    console.log(
      `${name.padEnd(18)} ${(r.items / r.seconds).toFixed(0).padStart(8)} ${(r.items / r.cpuSeconds).toFixed(0).padStart(18)} ${`${r.rssMeanMb.toFixed(0)}/${r.rssMaxMb.toFixed(0)}`.padStart(17)} ${String(r.loss).padStart(6)} ${String(r.refused).padStart(9)}`,
    )
  }
  console.log(`(the mixed replay is ${all} items per pass over ${mixed.length} requests)`)
  if (!tier) lost += await againstPassThrough(collector, mixed)
} finally {
  await collector.stop()
  await relay?.stop()
  await sink.close()
}
/**
 * The shipped config's processors as a share of the collector's cost: the same binary with a
 * pass-through of the config (no processors; the receivers and exporters, with their queues
 * and batching, as shipped), the mixed replay alternated round by round with `shipped`.
 */
async function againstPassThrough(shipped: Collector, batches: Batch[]): Promise<number> {
  const passThrough = await startCollector(otelcol, configs, sink.url, PASS_THROUGH)
  const totals = { shipped: { items: 0, cpu: 0 }, passThrough: { items: 0, cpu: 0 } }
  const profiles: string[] = []
  let lostHere = 0
  console.log(`\nshipped config vs pass-through (no processors), mixed, ${rounds} rounds`)
  console.log('round   shipped items/core-s   pass-through items/core-s   ratio')
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so drift within a round hits both.
      const order =
        round % 2 ? (['shipped', 'passThrough'] as const) : (['passThrough', 'shipped'] as const)
      const perCore = { shipped: 0, passThrough: 0 }
      for (const which of order) {
        const profiling =
          process.env.BENCH_PPROF && which === 'shipped' && round === rounds
            ? profile(shipped, seconds - 2)
            : undefined
        const r = await replay(which === 'shipped' ? shipped : passThrough, batches, SIGNALS)
        if (profiling) profiles.push(await profiling)
        lostHere += r.loss
        totals[which].items += r.items
        totals[which].cpu += r.cpuSeconds
        perCore[which] = r.items / r.cpuSeconds
      }
      console.log(
        `${String(round).padStart(5)} ${perCore.shipped.toFixed(0).padStart(22)} ${perCore.passThrough.toFixed(0).padStart(27)} ${(perCore.shipped / perCore.passThrough).toFixed(2).padStart(7)}`,
      )
    }
  } finally {
    await passThrough.stop()
  }
  const shippedPerCore = totals.shipped.items / totals.shipped.cpu
  const passPerCore = totals.passThrough.items / totals.passThrough.cpu
  console.log(
    `  all ${shippedPerCore.toFixed(0).padStart(22)} ${passPerCore.toFixed(0).padStart(27)} ${(shippedPerCore / passPerCore).toFixed(2).padStart(7)}  (target >= 0.85)`,
  )
  for (const top of profiles)
    console.log(`\nthe shipped collector's CPU, last round (pprof -top):\n${top}`)
  return lostHere
}

/** A CPU profile of the collector over `forSeconds`, as `go tool pprof -top` prints it. */
async function profile(collector: Collector, forSeconds: number): Promise<string> {
  const response = await fetch(`${collector.pprofUrl}/debug/pprof/profile?seconds=${forSeconds}`)
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-pprof-'))
  try {
    const file = path.join(dir, 'cpu.pprof')
    await writeFile(file, Buffer.from(await response.arrayBuffer()))
    const { stdout } = await run('go', ['tool', 'pprof', '-top', '-nodecount=25', otelcol, file])
    return stdout
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (lost > 0) {
  console.log(`\n${lost} items lost: not comparable (exit 1)`)
  process.exitCode = 1
}
