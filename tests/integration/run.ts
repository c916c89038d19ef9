/**
 * `npm run test:integration [-- --dry-run]`: runs the compose suite, or prints its plan.
 * It uses the container engine the machine runs and the images `npm run setup` built or the
 * registry serves (tools/containers.ts); where there is none, the suite skips with the reason
 * (REQUIRE_DOCKER=1 makes that a failure). It installs and starts nothing.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { findEngine } from '../../tools/containers.ts'
import { printPlan } from './plan.ts'

if (process.argv.includes('--dry-run')) {
  console.log(printPlan())
} else {
  const engine = await findEngine()
  const env: NodeJS.ProcessEnv = { ...process.env }
  if ('skip' in engine) env.KIT_NO_ENGINE = engine.skip
  else {
    Object.assign(env, engine.env)
    if (engine.standIns) env.KIT_STANDINS = engine.standIns
  }
  const test = fileURLToPath(new URL('./compose.test.ts', import.meta.url))
  const result = spawnSync(process.execPath, ['--test', '--test-timeout=1800000', test], {
    stdio: 'inherit',
    env,
  })
  process.exitCode = result.status ?? 1
}
