#!/usr/bin/env -S node --
// The `--` matters: without it Node itself consumes our `--env-file` flag and exits 9.
import { tmpdir } from 'node:os'
import { loadEnvFile, plain, rejectUnknownFlags, runCli } from '@layercode-kit/cli-support'
import {
  DEFAULT_FLUSH_TIMEOUT_MS,
  onShutdown,
  runShutdownHooks,
  startTelemetryOnce,
} from '@layercode-kit/telemetry'
import { type ArgsDef, type CommandDef, defineCommand, renderUsage, runCommand } from 'citty'
import packageJson from '../package.json' with { type: 'json' }
import { AGENT_NAMES, DEFAULT_AGENT, describeAgents } from './agents/registry.ts'
import { loadConfig } from './config.ts'
import { AgentError, AgentErrorCode } from './errors.ts'
import { heapSnapshotOnSignal, startCpuProfile } from './profiling.ts'

const run = defineCommand({
  meta: { name: 'run', description: 'Serve the LayerCode webhook' },
  args: {
    agent: {
      type: 'enum',
      options: [...AGENT_NAMES],
      description: `Agent to serve (default ${DEFAULT_AGENT}; env AGENT)`,
    },
    model: {
      type: 'string',
      description: 'Model id (env DEFAULT_MODEL); offline model when OPENAI_API_KEY is unset',
    },
    host: { type: 'string', description: 'Interface to listen on (default 0.0.0.0; env HOST)' },
    port: { type: 'string', description: 'Port (default 8000; env PORT)' },
    'agent-route': { type: 'string', description: 'Webhook path (default /api/agent)' },
    'authorize-route': { type: 'string', description: 'Authorize path (default /api/authorize)' },
    'env-file': {
      type: 'string',
      description: 'Environment file to load (default .env, if present)',
    },
    verbose: { type: 'boolean', alias: 'v', description: 'Debug logs (same as LOG_LEVEL=debug)' },
    'cpu-prof': { type: 'string', description: 'Write a .cpuprofile into this directory on exit' },
  },
  async run({ args }) {
    loadEnvFile(args['env-file'])
    const config = loadConfig(process.env, {
      agent: args.agent,
      model: args.model,
      host: args.host,
      port: args.port,
      agentRoute: args['agent-route'],
      authorizeRoute: args['authorize-route'],
      verbose: args.verbose,
    })
    if (!config.webhookSecret) {
      throw new AgentError(
        AgentErrorCode.SecretMissing,
        `LAYERCODE_WEBHOOK_SECRET is not set (APP_ENV=${config.appEnv}): copy it from your LayerCode agent into the environment or .env; only APP_ENV=development falls back to a development secret`,
      )
    }
    // Telemetry starts once the configuration is known to be good (a configuration error exits
    // at once, without export noise), and before the server's modules load, so the
    // instrumentations can patch them. Under `--import .../register` it is already running.
    await startTelemetryOnce()
    const { startServer } = await import('./server/start.ts')
    const { closeLogger, errorFields } = await import('./logging/logger.ts')
    const stopProfile = args['cpu-prof'] ? await startCpuProfile(args['cpu-prof']) : undefined
    const running = await startServer(config)
    const { logger } = running
    if (stopProfile)
      onShutdown(async () => logger.info('cpu profile written', { file: await stopProfile() }))
    heapSnapshotOnSignal(process.env.HEAP_SNAPSHOT_DIR || tmpdir(), (file) =>
      logger.info('heap snapshot written', { file }),
    )
    // Drain open turns (bounded by SHUTDOWN_TIMEOUT_MS), then flush telemetry (bounded too).
    const shutdown = async (signal: string) => {
      running.logger.info('shutting down', { signal })
      await running.close()
      const { problems } = await runShutdownHooks(DEFAULT_FLUSH_TIMEOUT_MS + 1000)
      for (const problem of problems) running.logger.warn(problem)
      await closeLogger(running.logger)
      process.exit(0)
    }
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.once('SIGINT', () => void shutdown('SIGINT'))
    process.on('unhandledRejection', (reason) =>
      running.logger.error('unhandled rejection', errorFields(reason)),
    )
  },
})

const listAgents = defineCommand({
  meta: { name: 'list-agents', description: 'List the agents this server can run' },
  run() {
    for (const { name, description } of describeAgents({ slowDelayMs: 0 })) {
      console.log(`${name.padEnd(10)} ${description}`)
    }
  },
})

const subCommands: Record<string, CommandDef> = {
  run: run as CommandDef,
  'list-agents': listAgents,
}
const cli = defineCommand({
  meta: {
    name: 'layercode-agent',
    version: packageJson.version,
    description: 'A LayerCode voice-agent backend',
  },
  subCommands,
})

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h') {
    console.log(plain(await renderUsage(cli), process.stdout))
    if (!name) process.exitCode = 1
    return
  }
  if (name === '--version') return console.log(packageJson.version)
  const command = subCommands[name]
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    return console.log(plain(await renderUsage(command, cli), process.stdout))
  }
  if (command?.args) rejectUnknownFlags(rest, command.args as ArgsDef)
  await runCommand(cli, { rawArgs: argv })
}

runCli('layercode-agent', () => main(process.argv.slice(2)))
