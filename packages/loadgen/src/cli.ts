#!/usr/bin/env -S node --
import { renameSync, writeFileSync } from 'node:fs'
import {
  ErrorCode,
  KitError,
  loadEnvFile,
  plain,
  runSingleCommand,
} from '@layercode-kit/cli-support'
import { DEV_WEBHOOK_SECRET } from '@layercode-kit/protocol'
import { type CommandDef, defineCommand } from 'citty'
import { z } from 'zod'
import type { ConversationRecord } from './conversation.ts'
import { FAULTS_IGNORED_HINT, failsTheTurn, formatSummary, runLoad } from './run.ts'

/** A numeric flag, checked by zod: a finite number in [min, max], or a usage error naming it. */
const number = (name: string, value: string, min: number, max = Number.POSITIVE_INFINITY) => {
  const parsed = z.coerce
    .number()
    .finite()
    .min(min)
    .max(max)
    .safeParse(value.trim() || Number.NaN)
  if (!parsed.success)
    throw new KitError(ErrorCode.UsageError, `--${name} must be a number from ${min} to ${max}`)
  return parsed.data
}

/** An error kind as the agent takes it, or a usage error. */
const errorKind = (value: string) => {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value))
    throw new KitError(
      ErrorCode.UsageError,
      '--error-kind must be 1 to 64 letters, digits, _ . or -',
    )
  return value
}

const command = defineCommand({
  meta: {
    name: 'loadgen',
    description: 'Drive signed LayerCode conversations against an agent and summarize',
  },
  args: {
    url: {
      type: 'string',
      default: 'http://127.0.0.1:8000/api/agent',
      description: 'Agent webhook URL',
    },
    secret: {
      type: 'string',
      description:
        'Webhook secret (default: LAYERCODE_WEBHOOK_SECRET, else the development secret `npm start` uses)',
    },
    'env-file': {
      type: 'string',
      description: 'Environment file to load (default .env, if present), as the agent does',
    },
    rate: { type: 'string', default: '1', description: 'New conversations per second' },
    concurrency: { type: 'string', default: '8', description: 'Conversations in flight at most' },
    duration: { type: 'string', default: '30', description: 'Seconds to run; 0 = until stopped' },
    messages: { type: 'string', default: '3', description: 'Messages per conversation' },
    'fail-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages with an injected error (0..1)',
    },
    'slow-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages with an injected delay (0..1)',
    },
    'slow-tool-rate': {
      type: 'string',
      default: '0',
      description:
        'Share of messages asking about the menu whose tool calls are delayed (0..1; the bakery agent)',
    },
    'token-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages reporting 5000x token usage (0..1)',
    },
    'tool-error-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages whose tool throws (0..1)',
    },
    'model-error-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages whose model call fails (0..1)',
    },
    'upstream-error-rate': {
      type: 'string',
      default: '0',
      description: "Share of messages whose tool's upstream HTTP API answers an error (0..1)",
    },
    'error-kind': {
      type: 'string',
      description:
        'Injected errors are of this kind: a fingerprint of their own (letters, digits, _.-)',
    },
    'hangup-rate': {
      type: 'string',
      default: '0',
      description: 'Share of messages the caller hangs up on mid-answer (0..1)',
    },
    'think-time': { type: 'string', default: '200', description: 'Pause between messages, ms' },
    synthetic: {
      type: 'boolean',
      description:
        'Mark every conversation synthetic (the canary): the agent tags its telemetry, the dashboards and SLOs leave it out',
    },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
    'status-file': {
      type: 'string',
      description: 'Rewrite running totals (JSON) here after every conversation',
    },
  },
  async run({ args }) {
    loadEnvFile(args['env-file'])
    const secret = args.secret || process.env.LAYERCODE_WEBHOOK_SECRET || DEV_WEBHOOK_SECRET
    const totals = {
      conversations: 0,
      turnsOk: 0,
      turnsFailed: 0,
      unexpectedFailures: 0,
      updatedAt: '',
    }
    const statusFile = args['status-file']
    let lastProgress = Date.now()
    let warnedIgnored = false
    const onConversation = (record: ConversationRecord) => {
      if (!warnedIgnored && record.turns.some((t) => t.faultIgnored)) {
        warnedIgnored = true
        console.error(plain(`loadgen: warning: ${FAULTS_IGNORED_HINT}`, process.stderr))
      }
      totals.conversations += 1
      totals.turnsOk += record.turns.filter((t) => t.ok && !t.hungUp).length
      totals.turnsFailed += record.turns.filter((t) => !t.ok).length
      totals.unexpectedFailures += record.turns.filter(
        (t) => !t.ok && !failsTheTurn(t.fault),
      ).length
      totals.updatedAt = new Date().toISOString()
      if (statusFile) {
        writeFileSync(`${statusFile}.tmp`, JSON.stringify(totals))
        renameSync(`${statusFile}.tmp`, statusFile)
      }
      if (Date.now() - lastProgress >= 60_000) {
        lastProgress = Date.now()
        console.log(JSON.stringify({ message: 'loadgen progress', ...totals }))
      }
    }
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    process.once('SIGTERM', () => stop.abort())
    const summary = await runLoad({
      url: args.url,
      secret,
      rate: number('rate', args.rate, 0.01),
      concurrency: number('concurrency', args.concurrency, 1),
      durationS: number('duration', args.duration, 0),
      messages: number('messages', args.messages, 1, 100),
      failRate: number('fail-rate', args['fail-rate'], 0, 1),
      slowRate: number('slow-rate', args['slow-rate'], 0, 1),
      slowToolRate: number('slow-tool-rate', args['slow-tool-rate'], 0, 1),
      tokenRate: number('token-rate', args['token-rate'], 0, 1),
      hangupRate: number('hangup-rate', args['hangup-rate'], 0, 1),
      thinkTimeMs: number('think-time', args['think-time'], 0),
      synthetic: args.synthetic === true,
      ...(args['error-kind'] ? { errorKind: errorKind(args['error-kind']) } : {}),
      toolErrorRate: number('tool-error-rate', args['tool-error-rate'], 0, 1),
      modelErrorRate: number('model-error-rate', args['model-error-rate'], 0, 1),
      upstreamErrorRate: number('upstream-error-rate', args['upstream-error-rate'], 0, 1),
      signal: stop.signal,
      onConversation,
    })
    console.log(args.json ? JSON.stringify(summary) : formatSummary(summary))
    if ((summary.failures['http 401'] ?? 0) > 0) {
      const which = secret === DEV_WEBHOOK_SECRET ? 'the development secret' : 'the given secret'
      console.error(
        plain(
          `loadgen: the agent refused signatures made with ${which} (401): pass the agent's LAYERCODE_WEBHOOK_SECRET with --secret, the environment or .env`,
          process.stderr,
        ),
      )
    }
    if (summary.turns.unexpectedFailures > 0) process.exitCode = 1
  },
})

runSingleCommand('loadgen', command as CommandDef, process.argv.slice(2))
