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
