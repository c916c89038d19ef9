import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import {
  readJsonLines,
  runNode,
  type ScriptResult,
  WORKSPACE_NODE_OPTIONS,
} from '@layercode-kit/test-support'

export const CLI_PATH = fileURLToPath(new URL('../cli.ts', import.meta.url))
export const REGISTER_PATH = fileURLToPath(import.meta.resolve('@layercode-kit/telemetry/register'))

/** The environment without anything the agent reads, so the machine's settings cannot leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !/^(LAYERCODE_|OPENAI_|OTEL_|LOG_|AGENT|DEFAULT_MODEL|PORT|HOST|APP_ENV|NODE_OPTIONS)/.test(
        key,
      )
    )
      env[key] = value
  }
  // The workspace's own resolution survives the cleaning (see WORKSPACE_NODE_OPTIONS).
  return { ...env, NODE_OPTIONS: WORKSPACE_NODE_OPTIONS, ...extra }
}

export type SpawnedAgent = {
  child: ChildProcess
  url: string
  /** JSON log lines so far. */
  logs: Array<Record<string, unknown>>
  /** SIGTERM, then resolves with the exit code and how long the exit took. */
  stop(): Promise<{ code: number | null; ms: number }>
}

/** Resolves with the first JSON log line whose message is `message`. */
export function waitForLog(
  child: ChildProcess,
  message: string,
  logs: Array<Record<string, unknown>> = [],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const found = logs.find((l) => l.message === message)
    if (found) return resolve(found)
    const timer = setTimeout(
      () => reject(new Error(`no "${message}" log within ${timeoutMs} ms`)),
      timeoutMs,
    )
    const onLine = (line: Record<string, unknown>) => {
      if (line.message !== message) return
      clearTimeout(timer)
      child.off('log', onLine)
      resolve(line)
    }
    child.on('log', onLine)
  })
}

/**
 * Starts the agent as users do (`node -- cli.ts run ...`, which starts telemetry itself) on
 * an ephemeral loopback port, and waits until it listens.
 */
export async function spawnAgent(options: {
  args?: string[]
  env?: Record<string, string>
  /** false: OTEL_SDK_DISABLED=true, the SDK never starts. */
  telemetry?: boolean
  /** Also preload `--import @layercode-kit/telemetry/register`, as apps other than the CLI do. */
  preload?: boolean
  /** Run cli.ts through its shebang, as the `layercode-agent` bin does. */
  viaShebang?: boolean
  cwd?: string
  /** false: parse the output only until the agent listens, then drain it unread (benchmarks). */
  keepLogs?: boolean
}): Promise<SpawnedAgent> {
  const args = ['run', '--host', '127.0.0.1', '--port', '0', ...(options.args ?? [])]
  const nodeArgs = options.preload ? ['--import', REGISTER_PATH] : []
  const [command, argv] = options.viaShebang
    ? [CLI_PATH, args]
    : [process.execPath, [...nodeArgs, '--', CLI_PATH, ...args]]
  const disabled: Record<string, string> =
    options.telemetry === false ? { OTEL_SDK_DISABLED: 'true' } : {}
  const child = spawn(command, argv, {
    env: cleanEnv({ ...disabled, ...options.env }),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Array<Record<string, unknown>> = []
  const stopReading = readJsonLines(child.stdout, (line) => {
    logs.push(line)
    child.emit('log', line)
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = once(child, 'exit')
  const listening = await Promise.race([
    waitForLog(child, 'agent listening', logs),
    exited.then(([code]) => {
      throw new Error(`agent exited with ${code} before listening: ${stderr}`)
    }),
  ])
  if (options.keepLogs === false) stopReading()
  return {
    child,
    url: String(listening.url),
    logs,
    async stop() {
      const started = Date.now()
      if (child.exitCode === null) child.kill('SIGTERM')
      const [code] = child.exitCode === null ? await exited : [child.exitCode]
      return { code, ms: Date.now() - started }
    },
  }
}

/** Runs one of the agent's entry points (`node -- script args`) with a clean environment. */
export function runScript(
  script: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ScriptResult> {
  return runNode(script, args, { cwd: options.cwd, env: cleanEnv(options.env) })
}
