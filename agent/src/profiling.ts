import { mkdir, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import path from 'node:path'
import { writeHeapSnapshot } from 'node:v8'

const fileName = (kind: string) =>
  `agent-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.${kind}`

/**
 * Starts V8's CPU profiler (what `--cpu-prof` does for node itself); the returned function
 * stops it and writes a `.cpuprofile` that Chrome DevTools and speedscope open.
 */
export async function startCpuProfile(dir: string): Promise<() => Promise<string>> {
  await mkdir(dir, { recursive: true })
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async () => {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    const file = path.join(dir, fileName('cpuprofile'))
    await writeFile(file, JSON.stringify(profile))
    return file
  }
}

export const HEAP_SNAPSHOT_SIGNAL = 'SIGUSR2'

/**
 * `kill -USR2 <pid>` writes a heap snapshot of the running agent into `dir` (the process
 * pauses while it is written: seconds for a large heap). SIGUSR1 stays the inspector's.
 */
export function heapSnapshotOnSignal(dir: string, onWritten: (file: string) => void): void {
  process.on(HEAP_SNAPSHOT_SIGNAL, () => {
    void mkdir(dir, { recursive: true }).then(() =>
      onWritten(writeHeapSnapshot(path.join(dir, fileName('heapsnapshot')))),
    )
  })
}
