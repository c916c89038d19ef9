/**
 * What a reader of the docs relies on: every npm command they name is a script that exists,
 * every repository path they name (in backticks or as a link) is there, and the first steps
 * are the real ones.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT, rootPath } from './support.ts'

/** Every Markdown file in the repository that people read (the change log's history aside). */
const DOCS = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.md'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && !f.endsWith('CHANGELOG.md') && existsSync(rootPath(f)))

/** npm's own commands: everything else after `npm` or `npm run` must be a script. */
const NPM_COMMANDS = new Set([
  'install',
  'ci',
  'test',
  'start',
  'pack',
  'publish',
  'install-test',
  'exec',
])

const scriptsOf = (dir: string): Record<string, string> => {
  const file = path.join(dir, 'package.json')
  return existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> }).scripts ??
        {})
    : {}
}

/** The doc's code: fenced blocks and `inline` spans, where commands and paths are named. */
function codeOf(text: string): string[] {
  const fenced = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1] as string)
  const rest = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '')
  return [...fenced, ...[...rest.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string)]
}

/** `npm run <x>` and `npm <x>` as the doc's code names them. */
function npmCommands(text: string): string[] {
  return codeOf(text).flatMap((code) =>
    [...code.matchAll(/\bnpm (run )?([a-z][\w:-]*)/g)].map((m) =>
      m[1] ? `run ${m[2]}` : (m[2] as string),
    ),
  )
}

const TOP_FOLDERS = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.includes('/'))
  .map((f) => f.split('/')[0] as string)
const FILES = new Set(
  execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean),
)
/** A file type the repository holds (not a log or an output a command writes). */
const REPO_FILE = /\.(ts|mjs|md|ya?ml|json|py|toml|txt|sh|mod)$/

/**
 * Repository paths the doc names: relative links, and backticked paths that start at a
 * top-level folder (`tests/e2e/x.ts`, from the root) or name a file (`server/fuzz.test.ts`,
 * from the doc's folder or its `src/`, or the end of a tracked path).
 */
function namedPaths(text: string): Array<{ path: string; fromRoot: boolean }> {
  // Link texts name what the link points at (a chart, a page), not a path here.
  const ticked = [...text.matchAll(/`([^`\s]+)`(?!\]\()/g)]
    .map((m) => (m[1] as string).replace(/[:,.]$/, '').replace(/^\.\//, ''))
    .filter((p) => /^[\w.-]+(\/[\w.-]+)*\/?$/.test(p))
    .filter((p) => !p.split('/').includes('dist')) // what a build writes
    .flatMap((p) => {
      const top = p.split('/')[0] as string
      if (p.includes('/') && TOP_FOLDERS.includes(top)) return [{ path: p, fromRoot: true }]
      return REPO_FILE.test(p) && p.includes('/') ? [{ path: p, fromRoot: false }] : []
    })
  const linked = [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
    .map((m) => m[1] as string)
    .filter((p) => !/^[a-z]+:/.test(p))
    .map((p) => ({ path: p, fromRoot: false }))
  return [...ticked, ...linked]
}

describe('the docs, as a reader follows them', () => {
  it('name only npm scripts that exist (the root or the package the doc is in)', () => {
    const problems: string[] = []
    const root = scriptsOf(ROOT)
    for (const doc of DOCS) {
      const own = scriptsOf(rootPath(path.dirname(doc)))
      for (const command of npmCommands(readFileSync(rootPath(doc), 'utf8'))) {
        const name = command.replace(/^run /, '')
        if (!command.startsWith('run ') && NPM_COMMANDS.has(name)) continue
        if (!(name in root) && !(name in own)) problems.push(`${doc}: npm ${command}`)
      }
    }
    assert.deepEqual(problems, [])
  })

  it('name only repository paths that exist', () => {
    const problems: string[] = []
    for (const doc of DOCS) {
      const dir = rootPath(path.dirname(doc))
      for (const named of namedPaths(readFileSync(rootPath(doc), 'utf8'))) {
        const found = named.fromRoot
          ? existsSync(rootPath(named.path))
          : [path.resolve(dir, named.path), path.resolve(dir, 'src', named.path)].some(
              existsSync,
            ) || [...FILES].some((f) => f.endsWith(`/${named.path.replace(/\/$/, '')}`))
        if (!found) problems.push(`${doc}: ${named.path}`)
      }
    }
    assert.deepEqual(problems, [])
  })
})

describe('the first five minutes, as the READMEs tell them', () => {
  it('the Quick start has a local path of real npm scripts beside compose', () => {
    const readme = readFileSync(rootPath('README.md'), 'utf8')
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    )
    const commands = [...quickStart.matchAll(/^(npm (?:run )?[\w:-]+|docker compose up)\b/gm)].map(
      (m) => m[1],
    )
    assert.deepEqual(commands, ['docker compose up', 'npm install', 'npm start', 'npm run loadgen'])
    assert.doesNotMatch(quickStart, /npm install-test/, 'the whole test suite is not a first step')
  })

  it('installs the [toolkit] extra wherever it runs the toolkit through the wrapper', () => {
    for (const file of ['integrations/python/README.md', 'docs/migrating-from-logfire.md']) {
      const text = readFileSync(rootPath(file), 'utf8')
      assert.match(text, /python -m layercode_otel_kit run/, file)
      assert.match(text, /pip install "\.\/integrations\/python\[toolkit\]"/, file)
      assert.doesNotMatch(
        text,
        /pip install \.\/integrations\/python\s/,
        `${file}: no bare install`,
      )
    }
  })
})
