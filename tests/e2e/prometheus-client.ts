/** The real Prometheus's HTTP query API, as the e2e suites read it. */
export type Sample = { metric: Record<string, string>; value: [number, string] }
export type Series = { metric: Record<string, string>; values: Array<[number, string]> }

export class PrometheusClient {
  readonly #base: string

  constructor(baseUrl: string) {
    this.#base = baseUrl
  }

  /** An instant query (now, or at `time`, Unix seconds). */
  query(promql: string, time?: number): Promise<Sample[]> {
    return this.#instant(promql, time)
  }

  /** The raw samples of a range selector (`metric[90s]`), evaluated now or at `time`. */
  samples(selector: string, time?: number): Promise<Series[]> {
    return this.#instant(selector, time)
  }

  async #instant<T>(promql: string, time?: number): Promise<T[]> {
    const res = await fetch(`${this.#base}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        query: promql,
        ...(time === undefined ? {} : { time: String(time) }),
      }),
    })
    const body = (await res.json()) as { status: string; error?: string; data: { result: T[] } }
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`)
    return body.data.result
  }
}
