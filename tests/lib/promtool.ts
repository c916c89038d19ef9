/** `promtool test rules` on synthetic series, for the rule and panel value tests. */
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { findBinaries } from '../../tools/binaries.ts'
import { rootPath } from '../stack/support.ts'

/** The recording rules Prometheus loads (prometheus/rules/: the kit's and Sloth's), absolute. */
export const KIT_RULE_FILES = readdirSync(rootPath('prometheus/rules'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => rootPath(`prometheus/rules/${f}`))

const run = promisify(execFile)

/** One input series in promtool's notation: `name{k="v",...}` and its values (`0+10x40`). */
export function series(name: string, labels: Record<string, string>, values: string) {
  return {
    series: `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`,
    values,
  }
}

/**
 * Writes one promtool test file (10 s evaluation and input interval) into `dir` and runs it;
 * `test` holds input_series and alert_rule_test or promql_expr_test.
 */
export async function promtoolTest(
  dir: string,
  name: string,
  ruleFiles: string[],
  test: Record<string, unknown>,
): Promise<{ ok: boolean; output: string }> {
  const file = `${dir}/${name.replace(/\W+/g, '-')}.yaml`
  await writeFile(
    file,
    stringify({
      rule_files: ruleFiles,
      evaluation_interval: '10s',
      tests: [{ interval: '10s', ...test }],
    }),
  )
  const { promtool } = await findBinaries()
  const result = await run(promtool, ['test', 'rules', file]).catch(
    (error: { stdout: string; stderr: string }) => error,
  )
  return { ok: /SUCCESS/.test(result.stdout), output: `${result.stdout}${result.stderr}` }
}
