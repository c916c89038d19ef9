/**
 * A Tempo or Loki stand-in in one container (the compose suite's override on machines without
 * their images): the same three processes the native e2e runs in a network namespace.
 * Exits when any of them does, so the container's restart policy and healthcheck apply.
 *   node tests/containers/standin.ts tempo|loki
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { type StandIn, standInConfig, standInHelpers } from '../lib/standin.ts'

const service = process.argv[2] as StandIn
if (service !== 'tempo' && service !== 'loki') {
  console.error('usage: standin.ts tempo|loki')
  process.exit(2)
}
const config = `/tmp/${service}-standin.yaml`
writeFileSync(config, JSON.stringify(standInConfig(service)))
const helpers = standInHelpers(
  service,
  `/recordings/${service}.jsonl`,
  (name) => `tests/lib/${name}.ts`,
)
const children = [
  spawn(process.execPath, helpers.recorder, { stdio: 'inherit' }),
  spawn(process.execPath, helpers.front, { stdio: 'inherit' }),
  spawn('otelcol', [`--config=${config}`], { stdio: 'inherit' }),
]
for (const child of children)
  child.on('exit', (code) => {
    for (const other of children) other.kill('SIGTERM')
    process.exit(code ?? 1)
  })
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    for (const child of children) child.kill('SIGTERM')
  })
