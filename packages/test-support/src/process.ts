import { spawn } from 'node:child_process'
import { once } from 'node:events'

export type ScriptResult = { code: number | null; stdout: string; stderr: string }

/** Runs a TypeScript entry point as users do (`node -- script args`) and collects its output. */
export async function runNode(
  script: string,
  args: readonly string[],
  options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<ScriptResult> {
  const child = spawn(process.execPath, ['--', script, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const [code] = await once(child, 'exit')
  return { code, stdout, stderr }
}
