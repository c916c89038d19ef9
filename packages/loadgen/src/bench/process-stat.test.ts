import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { processStat } from './process-stat.ts'

describe('processStat', () => {
  it('reads this process’s CPU time and RSS as process.cpuUsage and memoryUsage see them', () => {
    const before = processStat(process.pid)
    const cpu = process.cpuUsage()
    const stopAt = performance.now() + 300
    while (performance.now() < stopAt) {
      // busy: 0.3 s of CPU
    }
    const used = process.cpuUsage(cpu)
    const after = processStat(process.pid)
    const fromProc = after.cpuSeconds - before.cpuSeconds
    const fromNode = (used.user + used.system) / 1e6
    // /proc counts in 10 ms ticks: the two agree within two ticks.
    assert.ok(Math.abs(fromProc - fromNode) <= 0.02, `${fromProc} vs ${fromNode}`)
    const rss = process.memoryUsage().rss
    assert.ok(Math.abs(after.rssBytes - rss) < rss * 0.1, `${after.rssBytes} vs ${rss}`)
  })
})
