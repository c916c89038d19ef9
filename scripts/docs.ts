/** Writes (or with --check, verifies) the documents generated from code. */
import { readFile, writeFile } from 'node:fs/promises'
import { renderTelemetryDoc } from '../agent/src/telemetry/doc.ts'

const documents = [
  { path: new URL('../docs/telemetry.md', import.meta.url), render: renderTelemetryDoc },
]

const check = process.argv.includes('--check')
let stale = 0
for (const { path, render } of documents) {
  const content = render()
  const current = await readFile(path, 'utf8').catch(() => '')
  if (current === content) continue
  if (check) {
    stale += 1
    console.error(`stale: ${path.pathname} (run npm run docs)`)
  } else {
    await writeFile(path, content)
    console.log(`wrote ${path.pathname}`)
  }
}
process.exitCode = stale ? 1 : 0
