#!/usr/bin/env -S node --
/**
 * npm run drill -- <alert>   (npm run drill lists them)
 * Makes one alert fire on a running kit and waits until its e-mail reaches Mailpit (or, with
 * --until=firing, until its condition holds on Prometheus): traffic through the agent's fault
 * injection where that breaches it, or the one step the user takes (drills.ts).
 */
import { ErrorCode, KitError, loadEnvFile, runSingleCommand } from '@layercode-kit/cli-support'
import { ALERTS, type AlertSpec } from '@layercode-kit/grafana-gen'
import { runLoad } from '@layercode-kit/loadgen'
import { type CommandDef, defineCommand } from 'citty'
import { alertNamed, type Drill, drillFor, type MailpitMessage, mailFor } from './drills.ts'

/** Traffic runs in chunks, checking after each; the first is short, to fail fast on a setup problem. */
const TRAFFIC_CHUNK_S = 15
const FIRST_CHUNK_S = 3
const POLL_MS = 5000

const how = (drill: Drill) =>
  drill.kind === 'traffic'
    ? `traffic: ${drill.what}`
    : drill.kind === 'manual'
      ? `you run: ${drill.steps}`
      : `no drill: ${drill.why}`

function list(): string {
  return [
    'Alerts and their drills (npm run drill -- <alert>):',
    ...ALERTS.map((a) => {
      const drill = drillFor(a.uid)
      return `  ${a.uid.replace(/^layercode-/, '').padEnd(26)} ${a.title}\n  ${' '.repeat(26)} ${drill ? how(drill) : 'no drill'}`
    }),
  ].join('\n')
}

async function getJson<T>(url: URL, what: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    throw new KitError(
      ErrorCode.UsageError,
      `no ${what} reachable at ${url.origin} (${(error as Error).message}): start the stack (docker compose up) or pass its URL`,
    )
  }
  if (!response.ok)
    throw new KitError(ErrorCode.UsageError, `${what} answered HTTP ${response.status} for ${url}`)
  return (await response.json()) as T
}

/** Mailpit's messages whose subject names the alert (its search API). */
const mails = async (mailpit: string, alert: AlertSpec) =>
  (
    await getJson<{ messages: MailpitMessage[] | null }>(
      new URL(`/api/v1/search?query=${encodeURIComponent(`subject:"${alert.title}"`)}`, mailpit),
      'Mailpit',
    )
  ).messages ?? []

/** Whether the alert's condition holds now on Prometheus (as Grafana evaluates query A). */
const firing = async (prometheus: string, alert: AlertSpec) =>
  (
    await getJson<{ data: { result: unknown[] } }>(
      new URL(`/api/v1/query?query=${encodeURIComponent(alert.expr)}`, prometheus),
      'Prometheus',
    )
  ).data.result.length > 0

const elapsed = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

const command = defineCommand({
  meta: {
    name: 'drill',
    description:
      'Make an alert fire on your running kit and wait until it reaches Mailpit (verify your paging path)',
  },
  args: {
    alert: { type: 'positional', required: false, description: 'Alert uid or name (none: list)' },
    'agent-url': {
      type: 'string',
      default: 'http://127.0.0.1:8000/api/agent',
      description: "The agent's webhook URL (traffic drills)",
    },
    mailpit: { type: 'string', default: 'http://127.0.0.1:8025', description: 'Mailpit URL' },
    prometheus: {
      type: 'string',
      description:
        "Prometheus URL, for --until=firing: where the alert's condition is evaluated (compose does not publish it)",
    },
    until: {
      type: 'string',
      default: 'email',
      description: "Wait for 'email' (Mailpit) or 'firing' (the condition on --prometheus)",
    },
    timeout: { type: 'string', default: '900', description: 'Give up after this many seconds' },
    secret: { type: 'string', description: 'Webhook secret (default: LAYERCODE_WEBHOOK_SECRET)' },
    'env-file': { type: 'string', description: 'Environment file (default .env, if present)' },
  },
  async run({ args }) {
    loadEnvFile(args['env-file'])
    if (!args.alert) return console.log(list())
    const alert = alertNamed(args.alert)
    if (!alert)
      throw new KitError(ErrorCode.UsageError, `no alert "${args.alert}"; npm run drill lists them`)
    const drill = drillFor(alert.uid)
    if (!drill || drill.kind === 'none')
      throw new KitError(
        ErrorCode.UsageError,
        `${alert.uid} has no drill: ${drill?.why ?? 'none defined'}`,
      )
    if (args.until !== 'email' && args.until !== 'firing')
      throw new KitError(ErrorCode.UsageError, "--until must be 'email' or 'firing'")
    if (args.until === 'firing' && !args.prometheus)
      throw new KitError(ErrorCode.UsageError, '--until=firing needs --prometheus')
    const timeoutS = Number(args.timeout)
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new KitError(ErrorCode.UsageError, '--timeout must be a number of seconds above 0')
    const secret = args.secret ?? process.env.LAYERCODE_WEBHOOK_SECRET
    if (drill.kind === 'traffic' && !secret)
      throw new KitError(
        ErrorCode.SecretMissing,
        'no webhook secret: pass --secret, set LAYERCODE_WEBHOOK_SECRET, or put it in .env',
      )

    const started = Date.now()
    const deadline = started + timeoutS * 1000
    // Reached? An e-mail for it after the drill began, or the condition on Prometheus.
    const before = args.until === 'email' ? mailFor(await mails(args.mailpit, alert), 0) : undefined
    if (before)
      console.log(
        `note: an e-mail for it already arrived at ${before.Created}; Grafana repeats a firing alert only after its repeat interval (1 h critical, 4 h warning)`,
      )
    const reached = async (): Promise<string | undefined> => {
      if (args.until === 'firing')
        return (await firing(args.prometheus ?? '', alert))
          ? `its condition holds on Prometheus (${args.prometheus})`
          : undefined
      const mail = mailFor(await mails(args.mailpit, alert), started)
      return mail && `its e-mail is in Mailpit: "${mail.Subject}" (${args.mailpit})`
    }
    console.log(`drill: ${alert.title} (${alert.uid}, ${alert.severity}); ${how(drill)}`)
    console.log(
      `waiting up to ${timeoutS} s for ${args.until === 'email' ? 'the e-mail in Mailpit' : 'the condition on Prometheus'} (the rule waits ${alert.for} before firing)`,
    )
    if (drill.kind === 'manual') console.log(`now run: ${drill.steps}\nafterwards: ${drill.undo}`)
    // A kind never seen before, named once for the whole drill (its alert fires once).
    const newKind = `drill-${Date.now().toString(36)}`
    if (drill.kind === 'traffic' && drill.traffic.errorKind)
      console.log(`the injected errors are of kind ${newKind}`)
    let turns = 0
    let failed = 0
    while (Date.now() < deadline) {
      if (drill.kind === 'traffic') {
        const { wrongSecret, errorKind, ...settings } = drill.traffic
        const summary = await runLoad({
          url: args['agent-url'],
          secret: wrongSecret ? `${secret}-rotated-elsewhere` : (secret ?? ''),
          durationS: Math.min(
            turns === 0 ? FIRST_CHUNK_S : TRAFFIC_CHUNK_S,
            Math.max(1, (deadline - Date.now()) / 1000),
          ),
          thinkTimeMs: 0,
          failRate: 0,
          slowRate: 0,
          ...settings,
          ...(errorKind ? { errorKind: newKind } : {}),
        })
        if (summary.turns.faultsIgnored > 0)
          throw new KitError(
            ErrorCode.UsageError,
            'the agent ignores injected faults: set AGENT_FAULT_INJECTION=true on it (compose does by default) and run the drill again',
          )
        const refused = summary.failures['http 401'] ?? 0
        if (wrongSecret ? refused === 0 : summary.conversations.completed === 0 || refused)
          throw new KitError(
            ErrorCode.UsageError,
            `no conversation reached the agent at ${args['agent-url']} (${Object.keys(summary.failures).join(', ') || 'none completed'}): check --agent-url and the webhook secret`,
          )
        turns += summary.turns.ok + summary.turns.failed
        failed += summary.turns.failed
      } else await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      const done = await reached()
      if (done) {
        console.log(`✓ ${alert.uid} fired after ${elapsed(started)}: ${done}`)
        if (drill.kind === 'manual') console.log(`undo: ${drill.undo}`)
        return
      }
      const progress = drill.kind === 'traffic' ? `, ${turns} turns driven (${failed} failed)` : ''
      console.log(`… ${elapsed(started)}${progress}`)
    }
    throw new KitError(
      ErrorCode.TimedOut,
      `${alert.uid} did not ${args.until === 'email' ? 'reach Mailpit' : 'fire'} within ${timeoutS} s: check Grafana's Alerting page (state, errors), the contact point and SMTP settings (grafana/README.md)`,
    )
  },
})

runSingleCommand('drill', command as CommandDef, process.argv.slice(2))
