/**
 * `npm run test:integration [-- --dry-run]`: runs the compose suite, or prints its plan.
 * First makes this machine able to run it (tests/containers/prepare.ts: an engine, compose,
 * the images that can be built here); where it cannot, the suite skips with the reason.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { prepareEngine } from '../containers/prepare.ts'
import { printPlan } from './plan.ts'

if (process.argv.includes('--dry-run')) {
  console.log(printPlan())
} else {
  const started = Date.now()
  const engine = await prepareEngine()
  const env: NodeJS.ProcessEnv = { ...process.env }
  if ('skip' in engine) env.KIT_NO_ENGINE = engine.skip
  else {
    Object.assign(env, engine.env)
    if (engine.standIns) env.KIT_STANDINS = engine.standIns
    console.log(`# containers ready in ${Math.round((Date.now() - started) / 1000)} s`)
  }
  const test = fileURLToPath(new URL('./compose.test.ts', import.meta.url))
  const result = spawnSync(process.execPath, ['--test', '--test-timeout=1800000', test], {
    stdio: 'inherit',
    env,
  })
  if (!('skip' in engine)) await engine.stop()
  process.exitCode = result.status ?? 1
}
