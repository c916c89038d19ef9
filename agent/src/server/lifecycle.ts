import { EventEmitter, once } from 'node:events'

/** Readiness and in-flight responses, so shutdown can drain turns instead of cutting them. */
export class Lifecycle {
  draining = false
  #open = 0
  readonly #events = new EventEmitter()

  get inFlight(): number {
    return this.#open
  }

  /** Counts a response until the returned function is called (once). */
  beginResponse(): () => void {
    this.#open += 1
    let released = false
    return () => {
      if (released) return
      released = true
      this.#open -= 1
      if (this.#open === 0) this.#events.emit('idle')
    }
  }

  /** Resolves true when no response is in flight, false if the timeout came first. */
  async waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.#open === 0) return true
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      await once(this.#events, 'idle', { signal: timeout })
      return true
    } catch {
      return this.#open === 0
    }
  }
}
