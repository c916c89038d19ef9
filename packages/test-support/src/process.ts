import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'

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

/**
 * Calls `onLine` with every JSON-object line of a stream (JSON logs; other lines are skipped).
 * Returns `stop`: no more parsing, and the stream is drained unread (a benchmark's agent).
 */
export function readJsonLines(
  stream: Readable,
  onLine: (line: Record<string, unknown>) => void,
): () => void {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  lines.on('line', (text) => {
    if (text.startsWith('{')) onLine(JSON.parse(text) as Record<string, unknown>)
  })
  return () => {
    lines.close()
    stream.resume()
  }
}
