/** The e2e run's processes: started inside a service's network namespace, stopped politely. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { ROOT } from '../stack/support.ts'
import { nsName, type ServiceName } from './netns.ts'

/** `group`: the command and its descendants (npm's script, a server's workers) stop together. */
export type Proc = { child: ChildProcess; log: string[]; group?: boolean }

/**
 * `command` in the namespace of `service`, its stdout and stderr appended to `log`. With
 * `group`, it leads a process group of its own, which stopProc signals as a whole: a command
 * that starts others (`npm start`, `runuser`) may not pass a signal on.
 */
export function inNamespace(
  service: ServiceName,
  command: string[],
  env: NodeJS.ProcessEnv,
  log: string[],
  cwd = ROOT,
  group = false,
): Proc {
  const child = spawn('ip', ['netns', 'exec', nsName(service), ...command], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  })
  child.stdout?.on('data', (c: Buffer) => log.push(c.toString()))
  child.stderr?.on('data', (c: Buffer) => log.push(c.toString()))
  return { child, log, group }
}

function signalProc(proc: Proc, signal: NodeJS.Signals): void {
  if (proc.group && proc.child.pid !== undefined) {
    try {
      process.kill(-proc.child.pid, signal)
      return
    } catch {
      // The group is gone already; fall through to the leader.
    }
  }
  proc.child.kill(signal)
}

/** SIGTERM (or `signal`), SIGKILL after 15 s; resolves once it exited. */
export async function stopProc(
  proc: Proc | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return
  const exited = once(proc.child, 'exit')
  signalProc(proc, signal)
  const timer = setTimeout(() => signalProc(proc, 'SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
  // The leader's descendants go with it (an orphan would hold the log pipes open).
  if (proc.group) signalProc(proc, 'SIGKILL')
}

/** Still running (neither exited nor killed). */
export const running = (proc: Proc | undefined): boolean =>
  proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null
