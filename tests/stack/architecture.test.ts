/**
 * docs/architecture.md's code map is the truth about the layout: every folder it names
 * exists, every workspace package and top-level folder is named, and no import crosses a
 * line its "may import" column does not draw.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT, readText, rootPath } from './support.ts'

type Row = { folder: string; pkg: string | undefined; mayImport: string[]; anything: boolean }

/** The code map table: | `folder/` | `package` | owns | may import |. */
function codeMap(): Row[] {
  const text = readText('docs/architecture.md')
  const section = text.slice(
    text.indexOf('## Code map'),
    text.indexOf('\n## ', text.indexOf('## Code map') + 1),
  )
  return section
    .split('\n')
    .filter((line) => /^\| `[^`]+\/` \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim())
      const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)
      return {
        folder: (ticks(cells[1] ?? '')[0] as string).replace(/\/$/, ''),
        pkg: ticks(cells[2] ?? '')[0],
        mayImport: ticks(cells[4] ?? ''),
        anything: cells[4] === 'anything',
      }
    })
}

const ROWS = codeMap()
const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && existsSync(rootPath(f)))

/** The row a file belongs to: the longest folder that contains it. */
const rowOf = (file: string) =>
  ROWS.filter((r) => file.startsWith(`${r.folder}/`)).sort(
    (a, b) => b.folder.length - a.folder.length,
  )[0]

describe('the code map (docs/architecture.md)', () => {
  it('names folders that exist, each with a README', () => {
    assert.ok(ROWS.length >= 15, `${ROWS.length} rows`)
    for (const { folder } of ROWS) {
      assert.ok(existsSync(rootPath(folder)), `${folder}/ exists`)
      const readme = existsSync(rootPath(folder, 'README.md'))
      const children = tracked.filter((f) => f.startsWith(`${folder}/`) && f.endsWith('/README.md'))
      assert.ok(readme || children.length > 0, `${folder}/ has a README`)
    }
  })

  it('names every top-level folder and every workspace package, by its package name', () => {
    const topLevel = new Set(
      tracked.filter((f) => f.includes('/') && !f.startsWith('.')).map((f) => f.split('/')[0]),
    )
    for (const folder of topLevel)
      assert.ok(
        ROWS.some((r) => r.folder === folder || r.folder.startsWith(`${folder}/`)),
        `${folder}/ is in the code map`,
      )
    const manifests = tracked.filter((f) =>
      /^(agent|collector|packages\/[^/]+)\/package\.json$/.test(f),
    )
    assert.ok(manifests.length >= 9)
    for (const manifest of manifests) {
      const folder = path.dirname(manifest)
      const { name } = JSON.parse(readText(manifest)) as { name: string }
      assert.equal(ROWS.find((r) => r.folder === folder)?.pkg, name, `${folder}/ is ${name}`)
    }
  })

  it('lets no import cross a line the map does not draw', () => {
    const byPackage = new Map(ROWS.filter((r) => r.pkg).map((r) => [r.pkg as string, r]))
    const crossings: string[] = []
    for (const file of tracked.filter((f) => /\.(ts|mjs)$/.test(f))) {
      const from = rowOf(file)
      if (!from || from.anything) continue
      const text = readFileSync(rootPath(file), 'utf8')
      for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)) {
        const specifier = spec as string
        let to: Row | undefined
        if (specifier.startsWith('.')) to = rowOf(path.join(path.dirname(file), specifier))
        else if (specifier.startsWith('@layercode-kit/'))
          to = byPackage.get(specifier.split('/').slice(0, 2).join('/'))
        else continue
        if (!to || to === from) continue
        const allowed =
          from.mayImport.includes(`${to.folder}/`) || from.mayImport.includes(specifier)
        if (!allowed) crossings.push(`${file} imports ${specifier} (${to.folder}/)`)
      }
    }
    assert.deepEqual(crossings, [])
  })

  it('keeps tests/ to itself: nothing outside it imports from it', () => {
    const outside = tracked.filter((f) => /\.(ts|mjs)$/.test(f) && !f.startsWith('tests/'))
    const offenders = outside.filter((file) =>
      [...readFileSync(rootPath(file), 'utf8').matchAll(/from '(\.[^']+)'/g)].some((m) =>
        path.join(path.dirname(file), m[1] as string).startsWith('tests/'),
      ),
    )
    assert.deepEqual(offenders, [])
  })
})
