/**
 * `npm run bench` (packages/loadgen/src/bench/webhook.ts), with the peer it compares the kit
 * with: the Python toolkit `npm run setup` installed (tools/python.ts), or the reason it is
 * not there, which the benchmark prints while it runs the rest.
 */
import { ensureToolkit, findPython } from '../tools/python.ts'

const python = await findPython()
if (!python) process.env.BENCH_TOOLKIT_MISSING = 'no Python >= 3.12 (KIT_PYTHON names one)'
else
  await ensureToolkit(python, 'find').then(
    (toolkit) => {
      process.env.BENCH_TOOLKIT_CLI = toolkit.toolkitCli
    },
    (error: Error) => {
      process.env.BENCH_TOOLKIT_MISSING = error.message
    },
  )
await import('../packages/loadgen/src/bench/webhook.ts')
