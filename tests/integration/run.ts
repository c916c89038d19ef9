/** `npm run test:integration [-- --dry-run]`: runs the compose suite, or prints its plan. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { printPlan } from './plan.ts'

if (process.argv.includes('--dry-run')) {
  console.log(printPlan())
} else {
  const test = fileURLToPath(new URL('./compose.test.ts', import.meta.url))
  const result = spawnSync(process.execPath, ['--test', '--test-timeout=1800000', test], {
    stdio: 'inherit',
  })
  process.exitCode = result.status ?? 1
}
