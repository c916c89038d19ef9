import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import {
  burnAlertUid,
  labelName,
  ruleQueries,
  seriesName,
  sloById,
} from '@layercode-kit/grafana-gen'
import { Attr } from '@layercode-kit/telemetry'
import { settle, waitFor } from '@layercode-kit/test-support'
import { findBinaries } from '../../tools/binaries.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { Harness } from '../lib/harness.ts'
import { logView } from '../lib/recordings.ts'
import { composeWebhookSecret, loadCompose, rootPath } from '../stack/support.ts'

const missing = await nativeSuiteGuard('alert drills')

const rules = Object.fromEntries(ruleQueries().map((r) => [r.uid, r.expr]))
const FIRST_SPEECH = sloById('first-speech')
const TURN_SUCCESS = sloById('turn-success')
const page = (slo: typeof TURN_SUCCESS) => burnAlertUid(slo, 'page')
const ticket = (slo: typeof TURN_SUCCESS) => burnAlertUid(slo, 'ticket')

/** Each alert condition evaluated on the real Prometheus, as Grafana's query A does. */
describe('alert conditions on the real Prometheus: quiet under normal load, firing under their fault', {
  skip: missing,
}, () => {
  let harness: Harness
  const firing = async (uid: string) => (await harness.query(String(rules[uid]))).length > 0
  const firesWithin = async (uid: string, ms = 60_000) => {
    const { value: fired } = await settle(() => firing(uid), Boolean, ms)
    assert.equal(fired, true, `${uid} fires: ${rules[uid]}`)
  }

  /**
   * `npm run drill -- <alert> --until=firing` against the harness (the agent and Prometheus by
   * their addresses here); resolves with its exit code and output once it ends.
   */
  const drill = (alert: string) => {
    const child = spawn(
      process.execPath,
      [
        'packages/cli/src/drill-command.ts',
        alert,
        `--agent-url=${harness.url('agent', 8000, '/api/agent')}`,
        `--prometheus=${harness.url('prometheus', 9090)}`,
        '--until=firing',
        '--timeout=150',
        `--secret=${composeWebhookSecret(loadCompose())}`,
      ],
      { cwd: rootPath('.'), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    return {
      output: () => output,
      done: once(child, 'exit').then(([code]) => ({ code: Number(code), output })),
    }
  }

  before(async () => {
    harness = await Harness.start(await findBinaries())
  })
  after(async () => {
    await harness?.stop()
  })

  it('stays quiet under normal load', async () => {
    await harness.loadgen([
      '--rate=2',
      '--duration=20',
      '--think-time=0',
      '--fail-rate=0',
      '--slow-rate=0',
    ])
    // Two metric exports (10 s apart) after the traffic, so every rate has data.
    await waitFor(
      'turn metrics in Prometheus',
      async () => (await harness.query('layercode_turn_duration_seconds_count')).length > 0,
      40_000,
    )
    await new Promise((resolve) => setTimeout(resolve, 12_000))
    // Each noisy rule with the series that made it fire, so a failure says why.
    const noisy: string[] = []
    for (const [uid, expr] of Object.entries(rules)) {
      const series = await harness.query(expr)
      if (series.length > 0) noisy.push(`${uid}: ${JSON.stringify(series)}`)
    }
    assert.deepEqual(noisy, [])
  })

  it("npm run drill -- canary fails the canary's turns until its alert fires, and no alert of real traffic does", async () => {
    assert.equal(await firing('layercode-canary'), false)
    const { code, output } = await drill('canary').done
    assert.equal(code, 0, output)
    assert.match(
      output,
      /✓ layercode-canary fired after \d+m\d+s: its condition holds on Prometheus/,
    )
    assert.equal(await firing('layercode-canary'), true)
    const quiet = ['layercode-error-rate', page(TURN_SUCCESS), ticket(TURN_SUCCESS)]
    for (const uid of quiet) assert.equal(await firing(uid), false, `${uid} ignores the canary`)
  })

  it('token usage and spend fire under a token burst', async () => {
    // 60 messages each reporting 5000x the tokens: ~$8 at the offline model's price (half
    // of them gave ~$4, under the $5 budget).
    await harness.loadgen(['--rate=2', '--duration=10', '--think-time=0', '--token-rate=1'])
    await firesWithin('layercode-token-usage')
    await firesWithin('layercode-spend')
    assert.equal(await firing('layercode-error-rate'), false, 'a token burst is not an error')
  })

  it('turn latency and time to first speech fire under slow turns', async () => {
    await harness.loadgen([
      '--rate=2',
      '--duration=15',
      '--think-time=0',
      '--slow-rate=0.7',
      '--concurrency=32',
    ])
    await firesWithin('layercode-latency-p95')
    await firesWithin('layercode-first-speech')
    // 63 slow of the hour's ~360 turns (the earlier drills' included): a slow burn of the
    // first-speech budget (~3.5x: over 3x for a day, under 6x for six hours), a ticket.
    await firesWithin(burnAlertUid(FIRST_SPEECH, 'ticket'))
    assert.equal(await firing(burnAlertUid(FIRST_SPEECH, 'page')), false, 'a ticket, not a page')
  })

  it('error rate fires under an error burst', async () => {
    assert.equal(await firing('layercode-error-rate'), false)
    assert.equal(await firing(burnAlertUid(TURN_SUCCESS, 'page')), false)
    await harness.loadgen(['--rate=2', '--duration=15', '--think-time=0', '--fail-rate=0.5'])
    await firesWithin('layercode-error-rate')
    // 45 failed of the hour's ~480 turns: ~19x the turn-success budget, over 14.4x: a page.
    await firesWithin(burnAlertUid(TURN_SUCCESS, 'page'))
  })

  it('export failing fires while a backend is down', async () => {
    assert.equal(await firing('layercode-collector-export'), false)
    await harness.stopService('tempo')
    try {
      await harness.loadgen(['--rate=4', '--duration=20', '--think-time=0'])
      // The queue must hold data for a whole minute (min_over_time[1m]) before it counts.
      await firesWithin('layercode-collector-export', 100_000)
    } finally {
      await harness.startStandIn('tempo')
    }
  })

  it('webhooks rejected fires when the agent restarts with another secret under traffic', async () => {
    const REJECTED = 'layercode-webhooks-rejected'
    assert.equal(await firing(REJECTED), false)
    // LayerCode (here the load generator) keeps signing with the compose secret; the agent
    // comes back with a rotated one: every webhook is refused, no turn runs.
    await harness.stopService('agent')
    await harness.startAgent({ LAYERCODE_WEBHOOK_SECRET: 'whsec_rotated_on_one_side_only_01' })
    try {
      // Refusals must outnumber the turns of the last 5 minutes (the drills before this one
      // ran hundreds): LayerCode keeps calling in 20 s rounds until the rule fires.
      let total = 0
      let fired = false
      const started = Date.now()
      while (!fired && Date.now() - started < 300_000) {
        const summary = await harness.loadgen(
          ['--rate=2', '--duration=20', '--think-time=0'],
          'agent',
          true,
        )
        const failures = summary.failures as Record<string, number>
        // Every webhook type is refused alike (the load generator keys failures by type).
        const other = Object.keys(failures).filter((key) => !key.endsWith('http 401'))
        assert.deepEqual(other, [], 'refused, nothing else')
        total += Object.values(failures).reduce((n, count) => n + count, 0)
        fired = await firing(REJECTED)
      }
      assert.ok(total >= 40, `the agent refused ${total} webhooks`)
      await firesWithin(REJECTED, 60_000)
      assert.equal(await firing('layercode-agent-down'), false, 'the agent still reports')
      // What the panel reads: every refused webhook counted once, as a mismatch (once the
      // agent's next export, 10 s at most, has brought the last of them).
      const byReason = `sum by (${labelName(Attr.RejectionReason)}) (${seriesName('layercode.webhook.rejections')})`
      const { value: counted } = await settle(
        async () =>
          (await harness.query(byReason)).map((s) => [
            s.metric[labelName(Attr.RejectionReason)],
            Number(s.value[1]),
          ]),
        (found) => found.length === 1 && found[0]?.[1] === total,
        30_000,
      )
      assert.deepEqual(counted, [['mismatch', total]])
      const warned = harness
        .recorded('loki', 'logs')
        .map(logView)
        .filter((l) => l.body === 'webhook rejected')
      // One warning per 10 s at most, each counting the refusals it held back.
      const seconds = (Date.now() - started) / 1000
      assert.ok(
        warned.length >= 1 && warned.length <= seconds / 10 + 1,
        `${warned.length} warnings`,
      )
      const said = warned.reduce((n, l) => n + 1 + Number(l.attributes.suppressed), 0)
      assert.ok(said <= total, `${said} of ${total} refusals accounted for by the warnings`)
      assert.equal(warned[0]?.attributes.rejection_reason, 'mismatch')
      assert.ok(!JSON.stringify(warned).includes('v1='), 'no signature in the log')
    } finally {
      await harness.stopService('agent')
      await harness.startAgent()
    }
  })

  it('npm run drill -- agent-down waits while the user stops the agent, and sees it fire', async () => {
    assert.equal(await firing('layercode-agent-down'), false)
    const run = drill('agent-down')
    await waitFor('the drill to ask for the step', async () =>
      run.output().includes('now run: docker compose stop agent'),
    )
    await harness.stopService('agent') // the user's step: the drill stops nothing itself
    const { code, output } = await run.done
    assert.equal(code, 0, output)
    assert.match(output, /✓ layercode-agent-down fired after/)
    assert.match(output, /undo: docker compose start agent/)
  })

  it('component down fires, naming Loki, while the Loki stand-in is down', async () => {
    assert.equal(await firing('layercode-component-down'), false)
    await harness.stopService('loki')
    try {
      await firesWithin('layercode-component-down', 40_000)
      const down = await harness.query(String(rules['layercode-component-down']))
      assert.deepEqual(
        down.map((s) => s.metric.job),
        ['loki'],
      )
    } finally {
      await harness.startStandIn('loki')
    }
  })
})
