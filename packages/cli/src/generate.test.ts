import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { generatedFiles } from './generate.ts'

describe('generated files', () => {
  it('are what the code produces (run `npm run docs` after changing a generator or the contract)', () => {
    const files = Object.entries(generatedFiles())
    assert.ok(files.length >= 20)
    for (const [file, content] of files)
      assert.equal(
        readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'),
        content,
        file,
      )
  })
})
