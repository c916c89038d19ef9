/** Alerts: the scripted faults breach the rules by value, and agent-down fires for the app alone. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ruleQueries, seriesName } from '@layercode-kit/grafana-gen'
import { waitFor } from '@layercode-kit/test-support'
import { between, type Expected, quantileRange, type Range } from '../../lib/ranges.ts'
import {
  clientFirstSpeech,
  ENVIRONMENT,
  harness,
  missing,
  PLAIN,
  TURNS_PER_CONVERSATION,
  tAgent,
  turnDurations,
  turnsOf,
  type Usage,
  usageOf,
  WRAPPED,
} from './scenario.ts'

/**
 * The error share the error-rate rule must read: its recorded 5-minute window holds k turns
 * (the raw samples at the rule's last evaluation say how many), and conversations run two at
 * a time with one failing turn in TURNS_PER_CONVERSATION, so the window's k turns are two
 * runs, k1 + k2, each holding floor(ki/n)..ceil(ki/n) failures: floor(k/n) - 1 ..
 * ceil(k/n) + 1 in all. The counters' samples share their instants (one export), so
 * increase()'s extrapolation scales both sides of the ratio alike.
 */
async function errorShare(): Promise<Range> {
  const n = TURNS_PER_CONVERSATION
  const [recorded] = await harness.query(
    `max(timestamp(layercode:turns:increase5m{service_name="${WRAPPED}"}))`,
    tAgent,
  )
  const evaluatedAt = Number(recorded?.value[1])
  const series = await harness.samples(`${turnsOf(WRAPPED)}[5m]`, evaluatedAt)
  let k = 0
  for (const s of series) {
    const counts =
      s.histograms?.map(([, h]) => Number(h.count)) ?? s.values.map(([, v]) => Number(v))
    k += (counts.at(-1) ?? 0) - (counts[0] ?? 0)
  }
  console.log(`# error-rate: ${k} turns in the rule's window at ${evaluatedAt}`)
  assert.ok(k >= 20, `${k} turns in the rule's window: enough for it to judge`)
  const lo = Math.max(0, Math.floor(k / n) - 1) / k
  const hi = (Math.ceil(k / n) + 1) / k
  return between(lo - 1e-9, hi + 1e-9, `${k} turns in the window, one failing in ${n}, two runs`)
}

describe('alerts for the Python toolkit', { skip: missing }, () => {
  it('alerts: the scripted faults breach the error, latency, first-speech and token rules by value, for the right services', async () => {
    const expr = (uid: string) => String(ruleQueries().find((r) => r.uid === uid)?.expr)
    const expectRule = async (uid: string, expected: Expected, at: number = tAgent) => {
      const fired = (await harness.query(expr(uid), at)).map((r) => ({
        labels: Object.fromEntries(Object.entries(r.metric).filter(([k]) => k !== '__name__')),
        value: Number(r.value[1]),
      }))
      const key = (labels: object) => JSON.stringify(Object.entries(labels).sort())
      assert.deepEqual(
        fired.map((f) => key(f.labels)).sort(),
        expected.map((e) => key(e.labels)).sort(),
        `${uid}: ${JSON.stringify(fired)}`,
      )
      for (const { labels, range } of expected) {
        const value = fired.find((f) => key(f.labels) === key(labels))?.value ?? Number.NaN
        assert.ok(
          value >= range.lo && value <= range.hi,
          `${uid} ${key(labels)} = ${value}, expected ${range.lo}..${range.hi} (${range.why})`,
        )
      }
    }
    // Without the wrapper there are no turn metrics to judge: those rules name the wrapped app.
    await expectRule('layercode-error-rate', [
      {
        labels: { service_name: WRAPPED, deployment_environment_name: ENVIRONMENT },
        range: await errorShare(),
      },
    ])
    await expectRule('layercode-latency-p95', [
      {
        labels: { service_name: WRAPPED, deployment_environment_name: ENVIRONMENT },
        range: quantileRange(
          turnDurations(),
          0.95,
          'turn spans (the slow turn waits 2.5 s for the model)',
        ),
      },
    ])
    await expectRule('layercode-first-speech', [
      {
        labels: {
          service_name: WRAPPED,
          deployment_environment_name: ENVIRONMENT,
          gen_ai_agent_name: 'bakery',
        },
        range: clientFirstSpeech(0.95),
      },
    ])
    // Token usage comes from pydantic-ai itself: the plain toolkit breaches it too. Read once
    // both apps exported every token their model counted (the plain app exports on its own
    // schedule, not the instant the panels were read at); the rule's hour holds them all.
    const tokens = (u: Usage) => u.input + u.output
    const exported = async (service: string) =>
      Number(
        (
          await harness.query(
            `sum(histogram_sum(${seriesName('gen_ai.client.token.usage')}{service_name="${service}"}))`,
          )
        )[0]?.value[1] ?? 0,
      )
    await waitFor(
      "every app's tokens in Prometheus",
      async () => {
        for (const service of [WRAPPED, PLAIN])
          if (
            (await exported(service)) !==
            tokens(usageOf[service]?.after ?? { requests: 0, input: 0, output: 0 })
          )
            return false
        return true
      },
      60_000,
    )
    // increase() sees what the hour's samples grew by (with the zero Prometheus puts at a new
    // series' start time), extrapolated by at most 1.1 average sample intervals at each end
    // of the samples (promql/functions.go, extrapolatedRate); read from the raw
    // native-histogram samples at the instant the rule is read.
    // The rule reads the recorded hourly tokens: two rule evaluations (10 s) after the last.
    await new Promise((resolve) => setTimeout(resolve, 25_000))
    const now = Date.now() / 1000
    const grown = async (service: string) => {
      const series = await harness.samples(
        `${seriesName('gen_ai.client.token.usage')}{service_name="${service}"}[1h]`,
        now,
      )
      let growth = 0
      let factor = 1
      for (const { histograms: h = [] } of series) {
        const [first, last] = [h[0], h.at(-1)]
        if (!first || !last || h.length < 2) continue
        growth += Number(last[1].sum) - Number(first[1].sum)
        factor = Math.max(factor, 1 + 2.2 / (h.length - 1))
      }
      return { growth, factor }
    }
    const expected: Expected = []
    for (const service of [WRAPPED, PLAIN]) {
      const { before, after, warm } = usageOf[service] as (typeof usageOf)[string]
      const counted = tokens(after) - tokens(before)
      const { growth, factor } = await grown(service)
      assert.ok(growth >= counted, `${service}: ${growth} of ${counted} tokens in the hour`)
      assert.ok(growth <= counted + tokens(warm), `${service}: ${growth} tokens, no more than sent`)
      expected.push({
        labels: { service_name: service, deployment_environment_name: ENVIRONMENT },
        range: between(
          growth,
          growth * factor,
          `${counted} tokens the model counted, ${growth} in the samples`,
        ),
      })
    }
    await expectRule('layercode-token-usage', expected, now)
    await expectRule('layercode-agent-down', [])
  })

  it('agent-down fires for the Python app when it stops, for it alone', async () => {
    const expr = String(ruleQueries().find((r) => r.uid === 'layercode-agent-down')?.expr)
    await harness.stopService(`app:${WRAPPED}`)
    const stopped = Date.now()
    await waitFor(
      'agent-down for the stopped Python app',
      async () => (await harness.query(expr)).length > 0,
      150_000,
      5_000,
    )
    const down = await harness.query(expr)
    assert.deepEqual(
      down.map((r) => [r.metric.service_name, r.metric.deployment_environment_name]),
      [[WRAPPED, ENVIRONMENT]],
      'only the stopped app: the Node agent and the plain toolkit still report',
    )
    console.log(`# agent-down fired ${Math.round((Date.now() - stopped) / 1000)} s after the stop`)
  })
})
