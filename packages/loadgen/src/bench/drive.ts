import { Agent } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { sendWebhookOverHttp } from '@layercode-kit/protocol'
import { processStat } from './process-stat.ts'

export type Sample = {
  /** Turns answered with a complete stream. */
  turns: number
  seconds: number
  /** Whole-turn latencies (ms) of the answered turns. */
  latencies: number[]
  /** Time to the first `response.tts` (ms): the silence a caller hears. */
  firstSpeech: number[]
  /** Turns answered without a complete stream, or not answered at all. */
  failed: number
  /**
   * Why they failed: `http 500` or `no response.end` (the load generator's names for them),
   * or the network error's code (ECONNRESET...).
   */
  failures: Record<string, number>
  /** Open loop: requests not sent because 256 were already in flight. */
  skipped: number
  /** Share of one core the driver itself used: near 1, it (not the agent) set the pace. */
  driverLoad: number
  /** CPU seconds the agent process used during the run (all its threads). */
  agentCpuSeconds: number
}

export type Target = {
  url: string
  secret: string
  /** The agent's pid, for its CPU time. */
  pid: number
  /** The n-th turn's webhook body. */
  body: (n: number) => object
}

// Idle sockets close after 2 s, before the servers' own idle timeouts (Node's and uvicorn's
// 5 s): a socket the server closes just as a turn reuses it fails that turn with ECONNRESET,
// and the server did nothing wrong (Node's docs, request.reusedSocket).
const keepAlive = new Agent({ keepAlive: true, maxSockets: 256, timeout: 2_000 })

/** Closes the driver's idle connections (at the end of a benchmark). */
export function closeConnections(): void {
  keepAlive.destroy()
}

type Tally = {
  latencies: number[]
  firstSpeech: number[]
  failed: number
  failures: Record<string, number>
}

function fail(tally: Tally, reason: string): void {
  tally.failed += 1
  tally.failures[reason] = (tally.failures[reason] ?? 0) + 1
}

/** One signed turn through the agent's node:http client; ok when it ends with response.end. */
async function turn(target: Target, n: number, tally: Tally): Promise<void> {
  try {
    const result = await sendWebhookOverHttp({
      url: target.url,
      secret: target.secret,
      body: target.body(n),
      agent: keepAlive,
    })
    const last = result.events.at(-1) as { type?: string } | undefined
    if (result.status !== 200 || last?.type !== 'response.end') {
      fail(tally, result.status !== 200 ? `http ${result.status}` : 'no response.end')
      return
    }
    tally.latencies.push(result.totalMs)
    if (result.firstTtsMs !== undefined) tally.firstSpeech.push(result.firstTtsMs)
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    fail(tally, code ?? message ?? String(error))
  }
}

/** Runs `fn`, measuring wall time, the driver's CPU share of one core and the agent's CPU. */
async function measured(target: Target, fn: (tally: Tally) => Promise<number>): Promise<Sample> {
  const tally: Tally = { latencies: [], firstSpeech: [], failed: 0, failures: {} }
  const agentBefore = processStat(target.pid).cpuSeconds
  const started = performance.now()
  const cpu = process.cpuUsage()
  const skipped = await fn(tally)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return {
    turns: tally.latencies.length,
    seconds,
    latencies: tally.latencies,
    firstSpeech: tally.firstSpeech,
    failed: tally.failed,
    failures: tally.failures,
    skipped,
    driverLoad: (used.user + used.system) / 1e6 / seconds,
    agentCpuSeconds: processStat(target.pid).cpuSeconds - agentBefore,
  }
}

/** Closed loop: `concurrency` callers, each sending its next turn when the last one ended. */
export function closedLoop(target: Target, concurrency: number, seconds: number): Promise<Sample> {
  return measured(target, async (tally) => {
    let n = 0
    const stopAt = performance.now() + seconds * 1000
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < stopAt) await turn(target, n++, tally)
      }),
    )
    return 0
  })
}

/** Open loop: one turn every 1/rate s whatever the answers do, at most 256 in flight. */
export function openLoop(target: Target, rate: number, seconds: number): Promise<Sample> {
  return measured(target, async (tally) => {
    let skipped = 0
    const inFlight = new Set<Promise<void>>()
    const started = performance.now()
    for (let i = 0; performance.now() - started < seconds * 1000; i++) {
      const wait = started + (i * 1000) / rate - performance.now()
      if (wait > 0) await sleep(wait)
      if (inFlight.size >= 256) {
        skipped += 1 // the agent fell behind the offered rate
        continue
      }
      const task: Promise<void> = turn(target, i, tally).finally(() => inFlight.delete(task))
      inFlight.add(task)
    }
    await Promise.all(inFlight)
    return skipped
  })
}

/** One mode's rounds, and them merged. */
export type Rounds = Sample & { rounds: Sample[] }

/**
 * `ratio` over the merged samples, then over each round's: round i of every mode ran back to
 * back, so a round's ratio shows how far the run's moves within it.
 */
export function ratioByRound<M extends string>(
  samples: Record<M, Rounds>,
  ratio: (sample: Record<M, Sample>) => number,
): { merged: number; rounds: number[] } {
  const modes = Object.keys(samples) as M[]
  const count = Math.min(...modes.map((m) => samples[m].rounds.length))
  const round = (i: number) =>
    Object.fromEntries(modes.map((m) => [m, samples[m].rounds[i]])) as Record<M, Sample>
  return {
    merged: ratio(samples),
    rounds: Array.from({ length: count }, (_, i) => ratio(round(i))),
  }
}

/** Several rounds of one mode as one sample. */
export function merge(samples: readonly Sample[]): Sample {
  const seconds = samples.reduce((s, x) => s + x.seconds, 0)
  return {
    turns: samples.reduce((s, x) => s + x.turns, 0),
    seconds,
    latencies: samples.flatMap((x) => x.latencies),
    firstSpeech: samples.flatMap((x) => x.firstSpeech),
    failed: samples.reduce((s, x) => s + x.failed, 0),
    failures: tallyReasons(samples.map((x) => x.failures)),
    skipped: samples.reduce((s, x) => s + x.skipped, 0),
    driverLoad: samples.reduce((s, x) => s + x.driverLoad * x.seconds, 0) / seconds,
    agentCpuSeconds: samples.reduce((s, x) => s + x.agentCpuSeconds, 0),
  }
}

/** The agent's CPU per answered turn, in µs. */
export function cpuPerTurnUs(sample: Sample): number {
  return sample.turns > 0 ? (sample.agentCpuSeconds / sample.turns) * 1e6 : Number.NaN
}

/** Failure reasons of several samples, counted together. */
function tallyReasons(all: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const reasons of all)
    for (const [reason, n] of Object.entries(reasons)) out[reason] = (out[reason] ?? 0) + n
  return out
}
