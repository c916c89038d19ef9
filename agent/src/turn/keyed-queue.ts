/**
 * Runs tasks one after another per key (a conversation's turns), different keys in parallel.
 * A failed task does not stop the next one; a key's entry is dropped once its queue drains.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(task, task)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }
}
