import type { ModelMessage } from 'ai'

export type HistoryLimits = {
  /** Turns kept per conversation; older turns are forgotten first. */
  maxTurns: number
  /** Conversations kept; the least recently active is evicted first. */
  maxConversations: number
  /** A conversation idle this long is dropped. */
  idleTtlMs: number
  /** Bytes (of the messages as JSON) kept per conversation; older turns are forgotten first. */
  maxBytesPerConversation: number
  /** Bytes kept over all conversations; the least recently active is evicted first. */
  maxTotalBytes: number
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxTurns: 50,
  maxConversations: 10_000,
  idleTtlMs: 30 * 60_000,
  maxBytesPerConversation: 256 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
}

type Turn = { messages: ModelMessage[]; bytes: number }
type Conversation = { turns: Turn[]; bytes: number; lastActive: number }

/**
 * In-memory conversation history keyed by `conversation_id`, bounded in every direction.
 * A turn's messages are stored only after its stream completed, and turns of one
 * conversation run one after another (turn/keyed-queue.ts), so the next turn always sees
 * the last one.
 */
export class ConversationStore {
  readonly limits: HistoryLimits
  readonly #now: () => number
  // Map order is recency order: touched entries are re-inserted at the end.
  readonly #conversations = new Map<string, Conversation>()
  #bytes = 0

  constructor(limits: Partial<HistoryLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits }
    this.#now = now
  }

  get size(): number {
    this.#expire()
    return this.#conversations.size
  }

  /** Bytes of history held, as counted against the limits. */
  get bytes(): number {
    this.#expire()
    return this.#bytes
  }

  history(conversationId: string): ModelMessage[] {
    this.#expire()
    const conversation = this.#conversations.get(conversationId)
    return conversation ? conversation.turns.flatMap((turn) => turn.messages) : []
  }

  appendTurn(conversationId: string, messages: readonly ModelMessage[]): void {
    if (messages.length === 0) return
    this.#expire()
    const bytes = Buffer.byteLength(JSON.stringify(messages))
    // A turn over the whole budget cannot be kept without dropping every other.
    if (bytes > this.limits.maxBytesPerConversation) return
    const conversation = this.#conversations.get(conversationId) ?? {
      turns: [],
      bytes: 0,
      lastActive: 0,
    }
    conversation.turns.push({ messages: [...messages], bytes })
    conversation.bytes += bytes
    this.#bytes += bytes
    while (
      conversation.turns.length > this.limits.maxTurns ||
      conversation.bytes > this.limits.maxBytesPerConversation
    ) {
      const oldest = conversation.turns.shift()
      conversation.bytes -= oldest?.bytes ?? 0
      this.#bytes -= oldest?.bytes ?? 0
    }
    conversation.lastActive = this.#now()
    this.#conversations.delete(conversationId)
    this.#conversations.set(conversationId, conversation)
    for (const oldest of this.#conversations.keys()) {
      if (
        this.#conversations.size <= this.limits.maxConversations &&
        this.#bytes <= this.limits.maxTotalBytes
      )
        break
      this.drop(oldest)
    }
  }

  drop(conversationId: string): boolean {
    const conversation = this.#conversations.get(conversationId)
    if (!conversation) return false
    this.#bytes -= conversation.bytes
    return this.#conversations.delete(conversationId)
  }

  #expire(): void {
    const cutoff = this.#now() - this.limits.idleTtlMs
    // Oldest first, so the scan stops at the first conversation still alive.
    for (const [id, conversation] of this.#conversations) {
      if (conversation.lastActive > cutoff) break
      this.drop(id)
    }
  }
}
