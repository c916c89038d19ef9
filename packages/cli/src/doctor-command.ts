#!/usr/bin/env -S node --
/**
 * npm run doctor -- --grafana http://localhost:3000 [--env-file .env]
 * Checks a running stack through Grafana's API (see doctor.ts).
 */

import { ErrorCode, KitError, loadEnvFile, runSingleCommand } from '@layercode-kit/cli-support'
import { type CommandDef, defineCommand } from 'citty'
import { Doctor, exitCode, formatTable } from './doctor.ts'

const command = defineCommand({
  meta: { name: 'doctor', description: 'Check every dashboard, alert and link of a running kit' },
  args: {
    grafana: { type: 'string', default: 'http://localhost:3000', description: 'Grafana URL' },
    'env-file': { type: 'string', description: 'Environment file (default .env, if present)' },
  },
  async run({ args }) {
    loadEnvFile(args['env-file'])
    const grafanaUrl = args.grafana
    try {
      const health = await fetch(new URL('/api/health', grafanaUrl), {
        signal: AbortSignal.timeout(5000),
      })
      if (!health.ok) throw new Error(`HTTP ${health.status}`)
    } catch (error) {
      throw new KitError(
        ErrorCode.UsageError,
        `no Grafana reachable at ${grafanaUrl} (${(error as Error).message}): start the stack (docker compose up) or pass --grafana`,
      )
    }
    const doctor = new Doctor({
      grafanaUrl,
      token: process.env.GRAFANA_TOKEN,
      user: process.env.GRAFANA_ADMIN_USER || 'admin',
      password: process.env.GRAFANA_ADMIN_PASSWORD,
    })
    const checks = await doctor.run()
    console.log(formatTable(checks))
    process.exitCode = exitCode(checks)
  },
})

runSingleCommand('doctor', command as CommandDef, process.argv.slice(2))
