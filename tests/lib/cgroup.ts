/**
 * A memory cgroup (v1 or v2) with a limit, beside this process's own: how the e2e run gives
 * the collector the memory limit its compose container has.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rmdir, writeFile } from 'node:fs/promises'

export class MemoryCgroup {
  readonly path: string
  readonly #v1: boolean

  private constructor(path: string, v1: boolean) {
    this.path = path
    this.#v1 = v1
  }

  static async create(name: string, limitBytes: number): Promise<MemoryCgroup> {
    const self = readFileSync('/proc/self/cgroup', 'utf8')
    const v1 = /:memory:(.*)$/m.exec(self)?.[1]
    const base =
      v1 !== undefined
        ? `/sys/fs/cgroup/memory${v1}`
        : `/sys/fs/cgroup${/^0::(.*)$/m.exec(self)?.[1] ?? ''}`
    const cgroup = new MemoryCgroup(`${base}/${name}`, v1 !== undefined)
    await mkdir(cgroup.path, { recursive: true })
    await writeFile(
      `${cgroup.path}/${v1 !== undefined ? 'memory.limit_in_bytes' : 'memory.max'}`,
      String(limitBytes),
    )
    return cgroup
  }

  /** Moves a running process in (its children follow). */
  async add(pid: number | undefined): Promise<void> {
    await writeFile(`${this.path}/cgroup.procs`, String(pid))
  }

  /** The high-water mark of its memory use so far, in bytes. */
  peak(): number {
    for (const file of ['memory.max_usage_in_bytes', 'memory.peak'])
      if (existsSync(`${this.path}/${file}`))
        return Number(readFileSync(`${this.path}/${file}`, 'utf8'))
    throw new Error(`no memory high-water mark in ${this.path} (cgroup ${this.#v1 ? 'v1' : 'v2'})`)
  }

  async remove(): Promise<void> {
    await rmdir(this.path).catch(() => {})
  }
}
