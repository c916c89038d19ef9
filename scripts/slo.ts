/**
 * `npm run slo`: runs Sloth (github.com/slok/sloth, the version prometheus/slo/sloth/go.mod
 * pins) on the generated spec (prometheus/slo/layercode.sloth.yaml, from layercode-kit.yaml)
 * and writes its recording rules to prometheus/rules/layercode-slo.yaml. Nothing to do when
 * the rules were made from this spec. Sloth is built with Go (cached), or run from its image
 * with Docker when Go is missing. `--check` fails instead of writing when they are stale.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  SLOTH_RULES_PATH,
  SLOTH_SPEC_PATH,
  slothRulesFile,
  specHash,
} from '@layercode-kit/grafana-gen'
import { ensureSloth, missingToolchain } from '../tools/binaries.ts'

const run = promisify(execFile)
const root = new URL('../', import.meta.url)
const SLOTH_IMAGE = 'ghcr.io/slok/sloth:v0.16.0'

/** Sloth's rules for the spec file, from the Go build or, without Go, its image. */
export async function sloth(specFile: string): Promise<string> {
  const args = ['generate', '--no-log', '--input']
  if (!(await missingToolchain())) {
    const binary = await ensureSloth()
    return (await run(binary, [...args, specFile], { maxBuffer: 16 * 2 ** 20 })).stdout
  }
  const mount = `${path.dirname(specFile)}:/slo:ro`
  try {
    return (
      await run('docker', [
        'run',
        '--rm',
        '-v',
        mount,
        SLOTH_IMAGE,
        ...args,
        '/slo/layercode.sloth.yaml',
      ])
    ).stdout
  } catch (error) {
    throw new Error(
      `npm run slo needs Go (to build Sloth) or Docker (to run ${SLOTH_IMAGE}): ${(error as Error).message}`,
    )
  }
}

if (import.meta.main) {
  const check = process.argv.includes('--check')
  const force = process.argv.includes('--force')
  const specFile = new URL(SLOTH_SPEC_PATH, root).pathname
  const spec = await readFile(specFile, 'utf8')
  const rulesUrl = new URL(SLOTH_RULES_PATH, root)
  const current = await readFile(rulesUrl, 'utf8').catch(() => '')
  if (!force && !check && current.includes(specHash(spec))) {
    console.log(`${SLOTH_RULES_PATH} is up to date with ${SLOTH_SPEC_PATH}`)
  } else {
    const rules = slothRulesFile(await sloth(specFile), spec)
    if (check) {
      if (rules !== current) {
        console.error(`stale: ${SLOTH_RULES_PATH} (run npm run slo)`)
        process.exitCode = 1
      }
    } else {
      await writeFile(rulesUrl, rules)
      console.log(`wrote ${SLOTH_RULES_PATH} (Sloth, from ${SLOTH_SPEC_PATH})`)
    }
  }
}
