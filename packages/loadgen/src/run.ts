import { setTimeout as sleep } from 'node:timers/promises'
import { type ConversationRecord, type Fault, runConversation, SCRIPTS } from './conversation.ts'
import { type Distribution, distribution, evenSpread } from './stats.ts'

export type LoadOptions = {
  url: string
  secret: string
  /** New conversations per second. */
  rate: number
  /** Conversations in flight at most; a tick that finds them all busy starts none. */
  concurrency: number
  /** Seconds to keep starting conversations; 0 runs until `signal` aborts. */
  durationS: number
  /** Share of messages sent with an injected error / an injected delay (0..1). */
  failRate: number
  slowRate: number
  /** Share of messages asking about the menu with a delayed tool call (the latency budget's tools part). */
  slowToolRate?: number
  /** Share of messages whose model usage is reported 5000x (a token-burst drill). */
  tokenRate?: number
  /** Share of messages the caller hangs up on mid-answer (the agent records them aborted). */
  hangupRate?: number
  thinkTimeMs: number
  /** Messages per conversation (the script is repeated as needed). */
  messages: number
  /** Every conversation marked synthetic (the canary). */
  synthetic?: boolean
  /** Injected errors are of this kind: a fingerprint of their own (ERROR_KIND_METADATA_KEY). */
  errorKind?: string
  /** Shares of messages whose tool throws, whose model call fails, whose tool's upstream fails. */
  toolErrorRate?: number
  modelErrorRate?: number
  upstreamErrorRate?: number
  signal?: AbortSignal
  /** Called with every finished conversation (the compose service logs progress with it). */
  onConversation?: (record: ConversationRecord) => void
}

export type LoadSummary = {
  durationS: number
  conversations: { started: number; completed: number; skippedBusy: number }
  turns: {
    ok: number
    failed: number
    injectedErrors: number
    injectedSlow: number
    injectedSlowTool: number
    /** Turns the caller hung up on by design (`hangupRate`): neither ok nor failed. */
    hungUp: number
    /** Fault requests the agent ignored: it runs without AGENT_FAULT_INJECTION. */
    faultsIgnored: number
    unexpectedFailures: number
  }
  failures: Record<string, number>
  latencyMs: Distribution
  firstTtsMs: Distribution
  turnsPerSecond: number
  /** What session.end reported, over the conversations it was answered for. */
  sessions: { ended: number; durationsS: number[]; transcriptionS: number; ttsS: number }
}

function scriptFor(index: number, messages: number): string[] {
  const script = SCRIPTS[index % SCRIPTS.length] ?? []
  return Array.from({ length: messages }, (_, i) => script[i % script.length] ?? 'Hello?')
}

/** Faults that fail the turn by design: an injected error, or a model call refused. */
export const failsTheTurn = (fault: Fault | undefined) =>
  fault === 'error' || fault === 'model_error'

/** Drives signed conversations at a steady rate for a bounded time, then summarizes. */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const started = performance.now()
  const stopAt =
    options.durationS > 0 ? started + options.durationS * 1000 : Number.POSITIVE_INFINITY
  const failNext = evenSpread(options.failRate)
  const slowNext = evenSpread(options.slowRate)
  const tokensNext = evenSpread(options.tokenRate ?? 0)
  const hangupNext = evenSpread(options.hangupRate ?? 0)
  const slowToolNext = evenSpread(options.slowToolRate ?? 0)
  const toolErrorNext = evenSpread(options.toolErrorRate ?? 0)
  const modelErrorNext = evenSpread(options.modelErrorRate ?? 0)
  const upstreamErrorNext = evenSpread(options.upstreamErrorRate ?? 0)
  const pickFault = (): Fault | undefined =>
    failNext()
      ? 'error'
      : slowNext()
        ? 'slow'
        : tokensNext()
          ? 'tokens'
          : hangupNext()
            ? 'hangup'
            : slowToolNext()
              ? 'slow_tool'
              : toolErrorNext()
                ? 'tool_error'
                : modelErrorNext()
                  ? 'model_error'
                  : upstreamErrorNext()
                    ? 'upstream_error'
                    : undefined
  const records: ConversationRecord[] = []
  const inFlight = new Set<Promise<void>>()
  let startedCount = 0
  let skippedBusy = 0
  const interval = 1000 / Math.max(options.rate, 0.001)

  // Starts are counted by their scheduled instants (tick k at started + k x interval, not
  // the clock after a sleep, which may wake a fraction of a millisecond early, nor a sum of
  // intervals, which drifts): rate x duration conversations, every run.
  for (
    let tick = 0, next = started;
    next < stopAt && !options.signal?.aborted;
    tick += 1, next = started + tick * interval
  ) {
    if (inFlight.size >= options.concurrency) {
      skippedBusy += 1
    } else {
      const index = startedCount++
      const task = runConversation({
        url: options.url,
        secret: options.secret,
        script: scriptFor(index, options.messages),
        pickFault,
        thinkTimeMs: options.thinkTimeMs,
        ...(options.synthetic ? { synthetic: true } : {}),
        ...(options.errorKind ? { errorKind: options.errorKind } : {}),
        signal: options.signal,
      })
        .then((record) => {
          records.push(record)
          options.onConversation?.(record)
        })
        .catch(() => {}) // only an abort lands here; the run is ending
        .finally(() => inFlight.delete(task))
      inFlight.add(task)
    }
    const wait = Math.min(next + interval, stopAt) - performance.now()
    if (wait > 0) await sleep(wait, undefined, { signal: options.signal }).catch(() => {})
  }
  await Promise.all(inFlight)

  const all = records.flatMap((r) => r.turns)
  const turns = all.filter((t) => !t.hungUp)
  const failures: Record<string, number> = {}
  for (const failure of [
    ...turns.flatMap((t) => (t.failure ? [t.failure] : [])),
    ...records.flatMap((r) => r.otherFailures),
  ]) {
    failures[failure] = (failures[failure] ?? 0) + 1
  }
  const durationS = (performance.now() - started) / 1000
  const ended = records.flatMap((r) => (r.session ? [r.session] : []))
  return {
    durationS: Math.round(durationS * 10) / 10,
    conversations: { started: startedCount, completed: records.length, skippedBusy },
    turns: {
      ok: turns.filter((t) => t.ok).length,
      failed: turns.filter((t) => !t.ok).length,
      injectedErrors: turns.filter((t) => failsTheTurn(t.fault)).length,
      injectedSlow: turns.filter((t) => t.fault === 'slow').length,
      injectedSlowTool: turns.filter((t) => t.fault === 'slow_tool').length,
      hungUp: all.length - turns.length,
      faultsIgnored: turns.filter((t) => t.faultIgnored).length,
      unexpectedFailures: turns.filter((t) => !t.ok && !failsTheTurn(t.fault)).length,
    },
    failures,
    latencyMs: distribution(turns.filter((t) => t.ok).map((t) => t.totalMs)),
    firstTtsMs: distribution(
      turns.flatMap((t) => (t.ok && t.firstTtsMs !== undefined ? [t.firstTtsMs] : [])),
    ),
    turnsPerSecond: Math.round((all.length / durationS) * 10) / 10,
    sessions: {
      ended: ended.length,
      durationsS: ended.map((s) => s.durationMs / 1000),
      transcriptionS: ended.reduce((sum, s) => sum + s.transcriptionS, 0),
      ttsS: ended.reduce((sum, s) => sum + s.ttsS, 0),
    },
  }
}

export function formatSummary(summary: LoadSummary): string {
  const d = (x: Distribution) =>
    `p50 ${x.p50 ?? '-'} ms  p95 ${x.p95 ?? '-'} ms  p99 ${x.p99 ?? '-'} ms  (n=${x.count})`
  const { conversations: c, turns: t } = summary
  return [
    `duration        ${summary.durationS} s`,
    `conversations   ${c.completed}/${c.started} completed${c.skippedBusy ? `, ${c.skippedBusy} ticks skipped (all busy)` : ''}`,
    `turns           ${t.ok} ok, ${t.failed} failed (${t.injectedErrors} injected errors, ${t.injectedSlow} injected slow, ${t.injectedSlowTool} slow tools, ${t.unexpectedFailures} unexpected)${t.hungUp ? `, ${t.hungUp} hung up` : ''}`,
    `throughput      ${summary.turnsPerSecond} turns/s`,
    `latency         ${d(summary.latencyMs)}`,
    `first tts       ${d(summary.firstTtsMs)}`,
    ...Object.entries(summary.failures).map(([why, n]) => `failure         ${n} x ${why}`),
    ...(t.faultsIgnored ? [faultsIgnoredWarning(t.faultsIgnored)] : []),
  ].join('\n')
}

export const FAULTS_IGNORED_HINT =
  'the agent ignores fault requests: start it with AGENT_FAULT_INJECTION=true to inject them'

function faultsIgnoredWarning(count: number): string {
  return `warning         ${count} fault request(s) ignored; ${FAULTS_IGNORED_HINT}`
}
