import { readFileSync } from 'node:fs'

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ, fixed in the kernel ABI). */
const TICKS_PER_SECOND = 100
const PAGE_BYTES = 4096

export type ProcessStat = {
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds: number
  /** Resident set size now. */
  rssBytes: number
}

/**
 * Another process's CPU time and RSS from /proc/<pid>/stat (Linux only): the benchmarks
 * measure the process under test from outside, so measuring cannot cost it anything.
 */
export function processStat(pid: number): ProcessStat {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
  return {
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssBytes: Number(fields[21]) * PAGE_BYTES, // rss (field 24), in pages
  }
}
