/** Generated files are marked for reviews and diffs (.gitattributes' linguist-generated). */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { generatedFiles } from '@layercode-kit/cli'
import { SLOTH_RULES_PATH } from '@layercode-kit/grafana-gen'
import { ROOT } from './support.ts'

describe('generated files', () => {
  it('are all marked linguist-generated, and nothing hand-written is', () => {
    const generated = [...Object.keys(generatedFiles()), SLOTH_RULES_PATH].sort()
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
    const attributes = execFileSync('git', ['check-attr', 'linguist-generated', '--', ...tracked], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
    })
    const marked = attributes
      .split('\n')
      .filter((line) => line.endsWith(': linguist-generated: set'))
      .map((line) => line.slice(0, line.indexOf(': linguist-generated')))
      .sort()
    assert.deepEqual(marked, generated)
  })
})
