import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { rootPath } from './support.ts'

describe('component READMEs', () => {
  it('every component folder explains itself', () => {
    for (const folder of [
      'agent',
      'collector',
      'tempo',
      'prometheus',
      'loki',
      'grafana',
      'integrations/python',
    ]) {
      const readme = readFileSync(rootPath(folder, 'README.md'), 'utf8')
      assert.ok(readme.length > 400, `${folder}/README.md`)
    }
  })
})

describe('the first five minutes, as the READMEs tell them', () => {
  it('the Quick start has a local path of real npm scripts beside compose', () => {
    const readme = readFileSync(rootPath('README.md'), 'utf8')
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    )
    const { scripts } = JSON.parse(readFileSync(rootPath('package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const commands = [...quickStart.matchAll(/^(npm (?:run )?[\w:-]+|docker compose up)\b/gm)].map(
      (m) => m[1],
    )
    assert.deepEqual(commands, ['docker compose up', 'npm install', 'npm start', 'npm run loadgen'])
    for (const name of ['start', 'loadgen']) assert.ok(scripts[name], `npm script ${name}`)
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
