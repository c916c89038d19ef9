/** The real Prometheus's HTTP query API, as the e2e suites read it. */
export type Sample = { metric: Record<string, string>; value: [number, string] }
/**
 * A range selector's raw samples. Native-histogram samples (Prometheus' `histograms`) are also
 * given as `values`: their observation counts.
 */
export type Series = {
  metric: Record<string, string>
  values: Array<[number, string]>
  histograms?: Array<[number, { count: string; sum: string }]>
}

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
  async samples(selector: string, time?: number): Promise<Series[]> {
    const series = await this.#instant<Series>(selector, time)
    return series.map((s) => ({
      ...s,
      values: s.values ?? (s.histograms ?? []).map(([t, h]): [number, string] => [t, h.count]),
    }))
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
