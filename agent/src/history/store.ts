import type { ModelMessage } from 'ai'

export type HistoryLimits = {
  /** Turns kept per conversation; older turns are forgotten first. */
  maxTurns: number
  /** Conversations kept; the least recently active is evicted first. */
  maxConversations: number
  /** A conversation idle this long is dropped. */
  idleTtlMs: number
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxTurns: 50,
  maxConversations: 10_000,
  idleTtlMs: 30 * 60_000,
}

type Conversation = { turns: ModelMessage[][]; lastActive: number }

/**
 * In-memory conversation history keyed by `conversation_id`, bounded in every direction.
 * Turns of one conversation run one after another (`serialize`), and a turn's messages
 * are stored only after its stream completed, so the next turn always sees the last one.
 */
export class ConversationStore {
  readonly limits: HistoryLimits
  readonly #now: () => number
  // Map order is recency order: touched entries are re-inserted at the end.
  readonly #conversations = new Map<string, Conversation>()
  readonly #tails = new Map<string, Promise<unknown>>()

  constructor(limits: Partial<HistoryLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits }
    this.#now = now
  }

  get size(): number {
    this.#expire()
    return this.#conversations.size
  }

  /** Runs `fn` after every earlier call for the same conversation has settled. */
  serialize<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(conversationId) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(conversationId, tail)
    void tail.then(() => {
      if (this.#tails.get(conversationId) === tail) this.#tails.delete(conversationId)
    })
    return run
  }

  history(conversationId: string): ModelMessage[] {
    this.#expire()
    const conversation = this.#conversations.get(conversationId)
    return conversation ? conversation.turns.flat() : []
  }

  appendTurn(conversationId: string, messages: readonly ModelMessage[]): void {
    if (messages.length === 0) return
    this.#expire()
    const conversation = this.#conversations.get(conversationId) ?? { turns: [], lastActive: 0 }
    conversation.turns.push([...messages])
    if (conversation.turns.length > this.limits.maxTurns) {
      conversation.turns.splice(0, conversation.turns.length - this.limits.maxTurns)
    }
    conversation.lastActive = this.#now()
    this.#conversations.delete(conversationId)
    this.#conversations.set(conversationId, conversation)
    for (const oldest of this.#conversations.keys()) {
      if (this.#conversations.size <= this.limits.maxConversations) break
      this.#conversations.delete(oldest)
    }
  }

  drop(conversationId: string): boolean {
    return this.#conversations.delete(conversationId)
  }

  #expire(): void {
    const cutoff = this.#now() - this.limits.idleTtlMs
    // Oldest first, so the scan stops at the first conversation still alive.
    for (const [id, conversation] of this.#conversations) {
      if (conversation.lastActive > cutoff) break
      this.#conversations.delete(id)
    }
  }
}
