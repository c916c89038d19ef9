/**
 * The original Python toolkit, layercode-create-app from PyPI, in a virtual environment cached
 * outside the repo (keyed by the pinned requirements and the interpreter), for the end-to-end
 * run of the kit's Python integration (integrations/python, put on PYTHONPATH, not installed).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { NotSetUp, type Provision } from './binaries.ts'
import { CACHE, readText, rootPath } from './repo.ts'

const run = promisify(execFile)
export const REQUIREMENTS = 'integrations/python/requirements-toolkit.txt'
export const INTEGRATION_PATH = rootPath('integrations/python')

/** Python >= 3.12: KIT_PYTHON, python3.1x on PATH, or a pyenv version. */
export async function findPython(): Promise<string | undefined> {
  const pyenvRoot = process.env.PYENV_ROOT || path.join(process.env.HOME ?? '/root', '.pyenv')
  const pyenv = existsSync(`${pyenvRoot}/versions`)
    ? readdirSync(`${pyenvRoot}/versions`)
        .filter((v) => /^3\.(1[2-9])\.\d+$/.test(v))
        .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
        .map((v) => `${pyenvRoot}/versions/${v}/bin/python3`)
    : []
  const candidates = [
    process.env.KIT_PYTHON,
    'python3.14',
    'python3.13',
    'python3.12',
    ...pyenv,
  ].filter((c): c is string => Boolean(c))
  for (const candidate of candidates) {
    try {
      const { stdout } = await run(candidate, [
        '-c',
        'import sys; print(sys.version_info >= (3, 12))',
      ])
      if (stdout.trim() === 'True') return candidate
    } catch {}
  }
  return undefined
}

export type Toolkit = { python: string; toolkitCli: string }

/** Builds (once) the virtual environment with the pinned toolkit and returns its interpreter. */
export async function ensureToolkit(python: string, how: Provision = 'build'): Promise<Toolkit> {
  const { stdout: version } = await run(python, ['-c', 'import sys; print(sys.version)'])
  const key = createHash('sha256')
    .update(readText(REQUIREMENTS))
    .update(version)
    .digest('hex')
    .slice(0, 12)
  const venv = path.join(CACHE, `python-toolkit-${key}`)
  const toolkit = { python: `${venv}/bin/python`, toolkitCli: `${venv}/bin/layercode-create-app` }
  if (existsSync(`${venv}/.complete`)) return toolkit
  if (how === 'find') throw new NotSetUp(`layercode-create-app for ${python}`)
  const started = Date.now()
  console.error(`setup: installing layercode-create-app into ${venv} (once)`)
  await rm(venv, { recursive: true, force: true })
  await run(python, ['-m', 'venv', venv])
  const pip = (...args: string[]) =>
    run(toolkit.python, ['-m', 'pip', '--disable-pip-version-check', '-q', ...args], {
      maxBuffer: 16 * 2 ** 20,
    })
  await pip('install', '--no-deps', '-r', rootPath(REQUIREMENTS))
  await pip('check')
  await run('touch', [`${venv}/.complete`])
  console.error(`setup: installed in ${Math.round((Date.now() - started) / 1000)} s`)
  return toolkit
}
