/**
 * `npm run setup`: provisions what the test suites run that npm does not install, into the
 * kit's cache (never system-wide): the real collector, Prometheus and promtool, Helm, Sloth,
 * the Python toolkit, and, where a container engine is reachable, compose and the images the
 * compose suite needs. Each line says what it did or why it skipped; the suites that need a
 * skipped part skip with the same reason (a failure where that suite must run: CI=true, and
 * REQUIRE_DOCKER=1 for the images).
 */
import {
  ensureBinaries,
  ensureHelm,
  ensureSloth,
  missingToolchain,
  type Provision,
} from './binaries.ts'
import { prepareImages } from './containers.ts'
import { ensureToolkit, findPython } from './python.ts'

type Step = { what: string; run: () => Promise<string> }

const how: Provision = 'build'
const steps: Step[] = [
  {
    what: 'collector, Prometheus, promtool',
    run: async () => Object.values(await ensureBinaries(how)).join(', '),
  },
  { what: 'Helm', run: () => ensureHelm(how) },
  { what: 'Sloth', run: () => ensureSloth(how) },
  {
    what: 'Python toolkit',
    run: async () => {
      const python = await findPython()
      if (!python) throw new Skip('no Python >= 3.12 (KIT_PYTHON names one)')
      return (await ensureToolkit(python, how)).python
    },
  },
  {
    what: 'container images',
    run: async () => {
      const found = await prepareImages()
      if ('skip' in found) throw new Skip(found.skip)
      return found.standIns ? `ready, with stand-ins: ${found.standIns}` : 'ready'
    },
  },
]

/** Why a part cannot be had here; a failure where its suite must run (CI, REQUIRE_DOCKER). */
class Skip extends Error {}
const mustRun = (what: string) =>
  what === 'container images' ? process.env.REQUIRE_DOCKER === '1' : Boolean(process.env.CI)

const noGo = await missingToolchain()
let failed = false
for (const step of steps) {
  try {
    if (noGo && step.what !== 'Python toolkit') throw new Skip(noGo)
    console.log(`setup: ${step.what}: ${await step.run()}`)
  } catch (error) {
    const skipped = error instanceof Skip
    console.log(
      `setup: ${step.what}: ${skipped ? 'skipped' : 'FAILED'}: ${(error as Error).message}`,
    )
    if (!skipped || mustRun(step.what)) failed = true
  }
}
process.exitCode = failed ? 1 : 0
