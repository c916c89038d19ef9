/** Sessions started and not ended, per agent; idle ones expire so a lost session.end cannot leak. */
const sessions = new Map<string, { agent: string; lastSeen: number }>()
const agents = new Set<string>()
let idleTtlMs = 30 * 60_000

/** Reports 0 for this agent while it has no session, rather than no data. */
export function trackSessions(agent: string, options: { idleTtlMs: number }): void {
  agents.add(agent)
  idleTtlMs = options.idleTtlMs
}

export function sessionSeen(sessionId: string, agent: string): void {
  sessions.delete(sessionId)
  sessions.set(sessionId, { agent, lastSeen: Date.now() })
}

export function sessionEnded(sessionId: string): void {
  sessions.delete(sessionId)
}

export function activeSessionCounts(): Map<string, number> {
  const cutoff = Date.now() - idleTtlMs
  const counts = new Map<string, number>([...agents].map((agent) => [agent, 0]))
  for (const [id, session] of sessions) {
    if (session.lastSeen <= cutoff) sessions.delete(id)
    else counts.set(session.agent, (counts.get(session.agent) ?? 0) + 1)
  }
  return counts
}
