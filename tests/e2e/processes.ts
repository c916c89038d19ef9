/** The e2e run's processes: started inside a service's network namespace, stopped politely. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { ROOT } from '../stack/support.ts'
import { nsName, type ServiceName } from './netns.ts'

export type Proc = { child: ChildProcess; log: string[] }

/** `command` in the namespace of `service`, its stdout and stderr appended to `log`. */
export function inNamespace(
  service: ServiceName,
  command: string[],
  env: NodeJS.ProcessEnv,
  log: string[],
): Proc {
  const child = spawn('ip', ['netns', 'exec', nsName(service), ...command], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (c: Buffer) => log.push(c.toString()))
  child.stderr?.on('data', (c: Buffer) => log.push(c.toString()))
  return { child, log }
}

/** SIGTERM (or `signal`), SIGKILL after 15 s; resolves once it exited. */
export async function stopProc(
  proc: Proc | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return
  const exited = once(proc.child, 'exit')
  proc.child.kill(signal)
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

/** Still running (neither exited nor killed). */
export const running = (proc: Proc | undefined): boolean =>
  proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null
