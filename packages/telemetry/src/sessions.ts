import type { ObservableGauge } from '@opentelemetry/api'
import { Attr } from './contract.ts'
import { instruments } from './instruments.ts'
/** How long an idle session counts as open, and how many are tracked at most. */
export type SessionLimits = {
  /** A session not seen for this long is dropped, so a lost session.end cannot leak. */
  idleTtlMs: number
  /** Sessions tracked at most; the least recently seen is dropped first. */
  maxSessions: number
}

/** Half an hour idle, ten thousand sessions. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleTtlMs: 30 * 60_000, maxSessions: 10_000 }

/**
 * Sessions started and not ended, per agent, for the active-sessions gauge. Bounded by count
 * and by idle time, pruned on its own timer: a flood of session.start without session.end
 * (or telemetry turned off, so the gauge never reads it) cannot grow it.
 */
export class SessionTracker {
  // Map order is recency order: a session seen again is re-inserted at the end.
  readonly #sessions = new Map<
    string,
    { agent: string; lastSeen: number; turns: number; spendUsd: number }
  >()
  readonly #agents = new Set<string>()
  #limits: SessionLimits = DEFAULT_SESSION_LIMITS
  #timer: NodeJS.Timeout | undefined
  readonly #now: () => number
  #gauge: ObservableGauge | undefined

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /**
   * Reports its counts on the active-sessions gauge of the current MeterProvider (again if
   * the SDK was restarted since), from the first session or track() on.
   */
  #observe(): void {
    const gauge = instruments().sessionsActive
    if (gauge === this.#gauge) return
    this.#gauge = gauge
    gauge.addCallback((result) => {
      for (const [agent, count] of this.counts()) result.observe(count, { [Attr.AgentName]: agent })
    })
  }

  get size(): number {
    return this.#sessions.size
  }

  /** Reports 0 for this agent while it has no session, rather than no data; prunes on a timer. */
  track(agent: string, limits: Partial<SessionLimits> = {}): void {
    this.#observe()
    this.#agents.add(agent)
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits }
    clearInterval(this.#timer)
    this.#timer = setInterval(() => this.prune(), Math.min(this.#limits.idleTtlMs, 60_000))
    this.#timer.unref()
  }

  /** A turn of this session; from now on the agent reports 0 rather than no data when idle. */
  seen(sessionId: string, agent: string): void {
    this.#observe()
    this.#agents.add(agent)
    const known = this.#sessions.get(sessionId)
    this.#sessions.delete(sessionId)
    this.#sessions.set(sessionId, {
      agent,
      lastSeen: this.#now(),
      turns: (known?.turns ?? 0) + 1,
      spendUsd: known?.spendUsd ?? 0,
    })
    for (const oldest of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#limits.maxSessions) break
      this.#sessions.delete(oldest)
    }
  }

  /** Adds to what the session's turns spent here (nothing for a session not tracked). */
  addSpend(sessionId: string, usd: number): void {
    const session = this.#sessions.get(sessionId)
    if (session) session.spendUsd += usd
  }

  /**
   * The session's turns seen here and what they spent (undefined when none were: it ran
   * elsewhere, or expired).
   */
  ended(sessionId: string): { turns: number; spendUsd: number } | undefined {
    const session = this.#sessions.get(sessionId)
    this.#sessions.delete(sessionId)
    return session && { turns: session.turns, spendUsd: session.spendUsd }
  }

  /** Drops idle sessions, oldest first. */
  prune(): void {
    const cutoff = this.#now() - this.#limits.idleTtlMs
    for (const [id, session] of this.#sessions) {
      if (session.lastSeen > cutoff) break
      this.#sessions.delete(id)
    }
  }

  counts(): Map<string, number> {
    this.prune()
    const counts = new Map<string, number>([...this.#agents].map((agent) => [agent, 0]))
    for (const { agent } of this.#sessions.values()) counts.set(agent, (counts.get(agent) ?? 0) + 1)
    return counts
  }
}
