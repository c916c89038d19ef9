/**
 * Writes (or with --check, verifies) every file generated from code and layercode-kit.yaml.
 * A config that does not validate fails with its line and what was expected.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { loadKitFiles } from './generator.ts'

if (import.meta.main) {
  const { generatedFiles } = await loadKitFiles()
  const check = process.argv.includes('--check')
  let stale = 0
  for (const [file, content] of Object.entries(generatedFiles())) {
    const url = new URL(`../${file}`, import.meta.url)
    const current = await readFile(url, 'utf8').catch(() => '')
    if (current === content) continue
    if (check) {
      stale += 1
      console.error(`stale: ${file} (run npm run rules)`)
    } else {
      await mkdir(new URL('.', url), { recursive: true })
      await writeFile(url, content)
      console.log(`wrote ${file}`)
    }
  }
  process.exitCode = stale ? 1 : 0
}
