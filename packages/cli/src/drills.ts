/**
 * How to make each alert fire on purpose (`npm run drill -- <alert>`), so a user can prove the
 * whole paging path: the traffic that breaches it through the agent's fault injection, or the
 * one step a person takes themselves (the drill stops nothing it was not asked to).
 */
import {
  ALERTS,
  type AlertSpec,
  BURN_ALERTS,
  burnAlertUid,
  CONFIG,
  sloById,
} from '@layercode-kit/grafana-gen'

/** Load generator settings for a traffic drill (packages/loadgen's options, by the same names). */
export type DrillTraffic = {
  rate: number
  concurrency: number
  messages: number
  failRate?: number
  slowRate?: number
  tokenRate?: number
  synthetic?: boolean
  /** Sign with another secret than the agent's, as LayerCode does after a one-sided rotation. */
  wrongSecret?: boolean
  /** Failed messages fail with an error of this kind (`new`: one never seen before). */
  errorKind?: string
}

export type Drill =
  | { kind: 'traffic'; traffic: DrillTraffic; what: string }
  | { kind: 'manual'; steps: string; undo: string }
  | { kind: 'none'; why: string }

const traffic = (what: string, settings: Partial<DrillTraffic>): Drill => ({
  kind: 'traffic',
  what,
  traffic: { rate: 2, concurrency: 32, messages: 3, ...settings },
})
const slowTurns = traffic('7 in 10 messages wait SLOW_AGENT_DELAY_MS before speaking', {
  slowRate: 0.7,
})
const failingTurns = traffic('half of the messages fail', { failRate: 0.5 })
const tokenBurst = traffic('every message reports 5000x its token usage', { tokenRate: 1 })

const slowBurn = `a slow burn takes hours by design (${BURN_ALERTS.ticket.map((w) => `${w.factor}x over ${w.long}`).join(', ')}): drill slo-turn-success-page for the critical contact point, latency-p95 for the warning one.`

const DRILLS: Record<string, Drill> = {
  'layercode-error-rate': failingTurns,
  'layercode-latency-p95': slowTurns,
  'layercode-first-speech': slowTurns,
  'layercode-token-usage': tokenBurst,
  'layercode-spend': tokenBurst,
  'layercode-canary': traffic("every message of the canary's conversations fails", {
    rate: 1,
    concurrency: 8,
    messages: 2,
    failRate: 1,
    synthetic: true,
  }),
  'layercode-webhooks-rejected': traffic(
    "every webhook is signed with another secret than the agent's, as after a rotation on LayerCode's side only",
    { wrongSecret: true },
  ),
  'layercode-agent-down': {
    kind: 'manual',
    steps: 'docker compose stop agent',
    undo: 'docker compose start agent',
  },
  'layercode-component-down': {
    kind: 'manual',
    steps: 'docker compose stop loki',
    undo: 'docker compose start loki',
  },
  'layercode-collector-export': {
    kind: 'manual',
    steps: 'docker compose stop tempo (the collector queues its spans on disk)',
    undo: 'docker compose start tempo',
  },
  // A new kind each time: the agent throws an error whose fingerprint is the drill's own.
  'layercode-new-error': traffic(
    'half of the messages fail with an error of a kind never seen before (the drill names it)',
    { failRate: 0.5, errorKind: 'new' },
  ),
  'layercode-error-regression': {
    kind: 'none',
    why: `a regression needs a kind absent for ${CONFIG.alerts.error_regression.absent_for} (alerts.error_regression.absent_for): drill new-error, wait that long, and run the same drill again with --kind=<the fingerprint it named>; its condition is proved by promtool cases (tests/e2e/rules.test.ts) and the native e2e (tests/e2e/errors.test.ts, with a short absent_for).`,
  },
  'layercode-collector-refusing': {
    kind: 'none',
    why: "the collector refuses data only past its memory limit or on malformed requests, which a drill cannot cause without harming the stack; its condition is proved by promtool cases (tests/e2e/rules.test.ts). Drill layercode-collector-export for the pipeline's alerts.",
  },
  [burnAlertUid(sloById('turn-success'), 'page')]: traffic(
    'every message fails: the turn-success budget burns far above 14.4x over 5 minutes and, within a minute or two, the hour',
    { failRate: 1 },
  ),
  [burnAlertUid(sloById('first-speech'), 'page')]: {
    kind: 'none',
    why: 'slow first speech reaches at most ~15x the budget (session.start turns are never slowed), so the page needs most of an hour of slow traffic: drill first-speech (the same turns, a warning) or slo-turn-success-page (critical).',
  },
  [burnAlertUid(sloById('turn-success'), 'ticket')]: { kind: 'none', why: slowBurn },
  [burnAlertUid(sloById('first-speech'), 'ticket')]: { kind: 'none', why: slowBurn },
}

/** The drill of an alert (every generated alert has one: a test checks it). */
export function drillFor(uid: string): Drill | undefined {
  return DRILLS[uid]
}

/** An alert by uid or by its name without the `layercode-` prefix (`error-rate`). */
export function alertNamed(name: string): AlertSpec | undefined {
  return ALERTS.find((a) => a.uid === name || a.uid === `layercode-${name}`)
}

/** A message as Mailpit's search API lists it. */
export type MailpitMessage = { ID: string; Subject: string; Created: string }

/**
 * The newest e-mail announcing the alert firing (Grafana's subject: `[FIRING:n] <title> …`),
 * received at or after `since` (ms since the epoch; a second's grace for clocks).
 */
export function mailFor(
  messages: readonly MailpitMessage[],
  since: number,
): MailpitMessage | undefined {
  return messages
    .filter((m) => m.Subject.startsWith('[FIRING') && Date.parse(m.Created) >= since - 1000)
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))[0]
}

/** How `npm run drill` makes the alert fire, for people (grafana/README.md). */
export function drillText(uid: string): string {
  const drill = drillFor(uid)
  const command = `\`npm run drill -- ${uid.replace(/^layercode-/, '')}\``
  if (!drill || drill.kind === 'none') return `none: ${drill?.why ?? 'not defined'}`
  if (drill.kind === 'manual')
    return `${command} waits while you run \`${drill.steps}\` (then \`${drill.undo}\`) until the e-mail reaches Mailpit.`
  return `${command} drives traffic through the agent (${drill.what}) until the e-mail reaches Mailpit.`
}
