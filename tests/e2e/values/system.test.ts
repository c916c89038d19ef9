/** System: host and process panels agree with /proc and statfs under a known load. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, statfsSync } from 'node:fs'
import { open, rm, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { concrete, type PanelQuery } from '@layercode-kit/grafana-gen'
import { AGENTS } from '../../lib/harness.ts'
import { nsName } from '../../lib/netns.ts'
import { between, type Range, type Vector } from '../../lib/ranges.ts'
import { checked, expectPanel, harness, missing, panels, WINDOW_S } from './scenario.ts'

describe('system panels under a known load', { skip: missing }, () => {
  it('system: host and process panels agree with /proc and statfs under a known load', async () => {
    // Every replica's process (`ip netns exec` execs the agent: the pid is the agent's).
    const agentPids = AGENTS.map((ns) => harness.procs.get(ns)?.child.pid as number)
    const cpuTicks = () => {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1)
      const n = (fields ?? []).map(Number)
      const idle = (n[3] ?? 0) + (n[4] ?? 0)
      return { busy: n.reduce((a, b) => a + b, 0) - idle, all: n.reduce((a, b) => a + b, 0) }
    }
    const processCpuS = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, USER_HZ 100
    }
    const netBytes = async () => {
      const out: string[] = []
      const child = spawn('ip', ['netns', 'exec', nsName('collector'), 'cat', '/proc/net/dev'])
      child.stdout.on('data', (c: Buffer) => out.push(c.toString()))
      await once(child, 'exit')
      const totals = { receive: 0, transmit: 0 }
      for (const line of out.join('').split('\n').slice(2)) {
        const [, counters = ''] = line.split(':')
        const n = counters.trim().split(/\s+/).map(Number)
        totals.receive += n[0] ?? 0
        totals.transmit += n[8] ?? 0
      }
      return totals
    }
    // The devices the host metrics report (their names only), counted from /proc/diskstats.
    const devices = new Set(
      (await harness.query('count by (device) (system_disk_io_bytes_total)')).map(
        (r) => r.metric.device,
      ),
    )
    const diskBytes = () => {
      const totals = { read: 0, write: 0 }
      for (const line of readFileSync('/proc/diskstats', 'utf8').trim().split('\n')) {
        const n = line.trim().split(/\s+/)
        if (!devices.has(n[2])) continue
        totals.read += Number(n[5]) * 512
        totals.write += Number(n[9]) * 512
      }
      return totals
    }

    // One of the machine's cores busy for 35 s, 64 MiB written and synced, over a 60 s window.
    const [net0, disk0, proc0] = [await netBytes(), diskBytes(), agentPids.map(processCpuS)]
    const t0 = Date.now()
    const busy = spawn(process.execPath, [
      '-e',
      'const end = Date.now() + 35000; while (Date.now() < end);',
    ])
    await sleep(5_000)
    const cpuBusy0 = cpuTicks()
    // Written in the middle of the window: rate() sees increases between samples inside it.
    await sleep(15_000)
    // 64 MiB written and synced, dropped from the page cache, and read back: both directions.
    const file = `${harness.dir}/disk-load`
    const handle = await open(file, 'w+')
    for (let i = 0; i < 16; i++) await handle.write(Buffer.alloc(4 * 2 ** 20, i + 1))
    await handle.sync()
    await writeFile('/proc/sys/vm/drop_caches', '1')
    const chunk = Buffer.alloc(4 * 2 ** 20)
    for (let i = 0; i < 16; i++) await handle.read(chunk, 0, chunk.length, i * chunk.length)
    await handle.close()
    await sleep(5_000)
    const cpuBusy1 = cpuTicks()
    const tBusy = Date.now() / 1000
    await once(busy, 'exit')
    await rm(file)
    await sleep(Math.max(0, t0 + WINDOW_S * 1000 - Date.now()))
    const tEnd = Date.now() / 1000
    const [net1, disk1, proc1] = [await netBytes(), diskBytes(), agentPids.map(processCpuS)]
    const elapsed = tEnd - t0 / 1000
    const hostName = (await harness.query('max by (host_name) (system_cpu_logical_count)'))[0]
      ?.metric.host_name
    assert.ok(hostName)
    const near = (measured: number, rel: number, abs: number, why: string) =>
      between(
        measured * (1 - rel) - abs,
        measured * (1 + rel) + abs,
        `${why}: measured ${measured}`,
      )

    // Host CPU: the panel's states summed, while the busy loop ran, vs /proc/stat then.
    const busyShare = (cpuBusy1.busy - cpuBusy0.busy) / (cpuBusy1.all - cpuBusy0.all)
    const cpuPanel = panels.find((p) => p.panel === 'Host CPU') as PanelQuery
    checked.add('Host CPU#0')
    const states = await harness.query(concrete(cpuPanel), tBusy)
    const summed = states.reduce((sum, r) => sum + Number(r.value[1]), 0)
    assert.ok(states.every((r) => r.metric.host_name === hostName && r.metric.state !== 'idle'))
    const cpuRange = near(busyShare, 0, 0.15, 'busy share from /proc/stat')
    // The busy loop holds one core: at least that core's share of all of /proc/stat's CPUs.
    const oneCore = 1 / cpus().length
    assert.ok(
      summed >= cpuRange.lo && summed <= cpuRange.hi && summed >= 0.8 * oneCore,
      `Host CPU ${summed}, expected ${cpuRange.lo}..${cpuRange.hi} and one core of ${cpus().length} busy`,
    )

    const meminfo = Object.fromEntries(
      readFileSync('/proc/meminfo', 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.split(':')[0], Number(line.split(':')[1]?.trim().split(' ')[0])]),
    ) as Record<string, number>
    const total = meminfo.MemTotal ?? 1
    const used =
      total -
      (meminfo.MemFree ?? 0) -
      (meminfo.Buffers ?? 0) -
      (meminfo.Cached ?? 0) -
      (meminfo.SReclaimable ?? 0)
    await expectPanel('Host memory', 0, tEnd, [
      { labels: { host_name: hostName }, range: near(used / total, 0, 0.03, '/proc/meminfo') },
    ])

    const rates = <K extends string>(a: Record<K, number>, b: Record<K, number>, key: K) =>
      (b[key] - a[key]) / elapsed
    await expectPanel(
      'Network I/O',
      0,
      tEnd,
      (['receive', 'transmit'] as const).map((direction) => ({
        labels: { host_name: hostName, direction },
        range: near(rates(net0, net1, direction), 0.35, 50, `collector netns ${direction} B/s`),
      })),
    )
    for (const direction of ['read', 'write'] as const)
      assert.ok(
        rates(disk0, disk1, direction) >= (64 * 2 ** 20) / elapsed,
        `the 64 MiB ${direction} reached the disk counters`,
      )
    await expectPanel(
      'Disk I/O',
      0,
      tEnd,
      (['read', 'write'] as const).map((direction) => ({
        labels: { host_name: hostName, direction },
        range: near(
          rates(disk0, disk1, direction),
          0.2,
          32_768,
          `/proc/diskstats ${direction} B/s`,
        ),
      })),
    )
    const fs = statfsSync('/')
    const dfUsed = (fs.blocks - fs.bfree) / (fs.blocks - fs.bfree + fs.bavail)
    const mounts: Vector = await harness.query(
      concrete(panels.find((p) => p.panel === 'Filesystem usage') as PanelQuery),
      tEnd,
    )
    checked.add('Filesystem usage#0')
    const root = mounts.find((r) => r.metric.mountpoint === '/')
    assert.ok(root, JSON.stringify(mounts))
    assert.ok(
      Math.abs(Number(root.value[1]) - dfUsed) < 0.01,
      `Filesystem usage of / is ${root.value[1]}, df says ${dfUsed}`,
    )
    assert.ok(mounts.every((r) => Number(r.value[1]) >= 0 && Number(r.value[1]) <= 1))

    // Each agent replica's process, by its instance id (its resource's process.pid), vs /proc.
    const replicas = await Promise.all(
      agentPids.map(async (pid, i) => {
        const [info] = await harness.query(
          `max by (service_instance_id) (target_info{process_pid="${pid}"})`,
          tEnd,
        )
        assert.ok(info, `replica ${AGENTS[i]} (pid ${pid}) reports its resource`)
        const rss =
          Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024
        return {
          labels: { service_instance_id: String(info.metric.service_instance_id) },
          cpuRate: ((proc1[i] ?? 0) - (proc0[i] ?? 0)) / elapsed,
          rss,
        }
      }),
    )
    assert.equal(new Set(replicas.map((r) => r.labels.service_instance_id)).size, 2)
    const perReplica = (range: (r: (typeof replicas)[number]) => Range) =>
      replicas.map((r) => ({ labels: r.labels, range: range(r) }))
    await expectPanel(
      'Process CPU',
      0,
      tEnd,
      perReplica((r) => near(r.cpuRate, 0.35, 0.005, 'utime+stime from /proc/<pid>/stat')),
    )
    await expectPanel(
      'Process memory (RSS)',
      0,
      tEnd,
      perReplica((r) => near(r.rss, 0.25, 0, 'VmRSS')),
    )
    await expectPanel(
      'Heap used',
      0,
      tEnd,
      perReplica((r) => between(2 ** 20, r.rss, 'more than 1 MiB, less than the RSS')),
    )
    // Bounds, not measurements: a quiet loop is busy for at most what the process burns, it
    // waits at most a few timer ticks, and GC is part of the CPU time.
    await expectPanel(
      'Event-loop utilization',
      0,
      tEnd,
      perReplica((r) => between(0, Math.min(1, r.cpuRate * 2 + 0.05), 'at most the CPU share')),
    )
    await expectPanel(
      'Event-loop delay p99',
      0,
      tEnd,
      perReplica(() => between(0.001, 0.2, 'a quiet loop')),
    )
    const gc = await harness.query(
      concrete(panels.find((p) => p.panel === 'GC time') as PanelQuery),
      tEnd,
    )
    checked.add('GC time#0')
    for (const r of replicas) {
      const own = gc.filter((g) => g.metric.service_instance_id === r.labels.service_instance_id)
      const gcTotal = own.reduce((sum, g) => sum + Number(g.value[1]), 0)
      assert.ok(own.length > 0, `GC time of ${r.labels.service_instance_id}`)
      assert.ok(
        gcTotal >= 0 && gcTotal <= r.cpuRate * 1.35 + 0.005,
        `GC ${gcTotal} s/s within CPU ${r.cpuRate}`,
      )
    }
    assert.equal(
      gc.length,
      gc.filter((g) =>
        replicas.some((r) => r.labels.service_instance_id === g.metric.service_instance_id),
      ).length,
    )
  })
})
