import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type OtlpSignal, waitFor } from '@layercode-kit/test-support'
import { parse, stringify } from 'yaml'
import type { Binaries } from '../../tools/binaries.ts'
import { composeWebhookSecret, loadCompose, readText, rootPath } from '../stack/support.ts'
import { MemoryCgroup } from './cgroup.ts'
import { addressOf, type ServiceName, setHosts, setup, teardown } from './netns.ts'
import { inNamespace, type Proc, running, stopProc } from './processes.ts'
import { PrometheusClient, type Sample, type Series } from './prometheus-client.ts'
import { readRecording } from './recordings.ts'
import { FRONT_PORT, standInConfig, standInHelpers } from './standin.ts'

const compose = loadCompose()
/** The collector's container limit in docker-compose.yml, applied here with a memory cgroup. */
export const COLLECTOR_MEMORY_LIMIT = 512 * 2 ** 20

/** The agent image's exec-form ENTRYPOINT, read from its Dockerfile so both start the agent alike. */
function imageEntrypoint(): string[] {
  const dockerfile = readText('agent/Dockerfile')
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1]
  if (!entrypoint) throw new Error('agent/Dockerfile has no exec-form ENTRYPOINT')
  return JSON.parse(entrypoint) as string[]
}

/** Where a collector runs: the one collector (or the gateway tier), or a sampler. */
export type CollectorNs = 'collector' | 'sampler-1' | 'sampler-2'
/** The agent replicas (compose: `docker compose up --scale agent=2`). */
export const AGENTS = ['agent', 'agent-2'] as const
/** Where an agent may run: the replicas, or a third app beside them (generations.test.ts). */
export type AgentNs = (typeof AGENTS)[number] | 'agent-3'
/** Where a stand-in runs: Tempo's and Loki's own names, and a second Tempo (scale.test.ts). */
export type StandInNs = 'tempo' | 'loki' | 'tempo-2'

export class Harness {
  readonly dir: string
  readonly binaries: Binaries
  readonly procs = new Map<string, Proc>()
  readonly logs = new Map<string, string[]>()
  readonly cgroups = new Map<CollectorNs, MemoryCgroup>()
  readonly prometheus = new PrometheusClient(`http://${addressOf('prometheus')}:9090`)

  private constructor(dir: string, binaries: Binaries) {
    this.dir = dir
    this.binaries = binaries
  }

  /** The compose stack; `agents: 2` runs a second agent replica (namespace agent-2) beside it. */
  static start(binaries: Binaries, options: { agents?: 1 | 2 } = {}): Promise<Harness> {
    return Harness.launch(binaries, async (harness) => {
      await harness.startPrometheus()
      await harness.startStandIn('tempo')
      await harness.startStandIn('loki')
      await harness.startCollector()
      for (const ns of AGENTS.slice(0, options.agents ?? 1)) await harness.startAgent({}, ns)
    })
  }

  /** The compose stack with agents of their own settings: each namespace's extra environment. */
  static startWithAgents(
    binaries: Binaries,
    agents: ReadonlyArray<readonly [AgentNs, Record<string, string>]>,
  ): Promise<Harness> {
    return Harness.launch(binaries, async (harness) => {
      await harness.startPrometheus()
      await harness.startStandIn('tempo')
      await harness.startStandIn('loki')
      await harness.startCollector()
      for (const [ns, env] of agents) await harness.startAgent(env, ns)
    })
  }

  /**
   * The scaled-out topology: two agent replicas -> the gateway tier (config.yaml + gateway.yaml,
   * where compose runs its one collector) -> two samplers (config.yaml + sampler.yaml), found by
   * the gateway under one name as a headless Service's DNS would give them -> Tempo (sampler-1)
   * and a second Tempo stand-in (sampler-2), so each trace's sampler is known. Logs and
   * metrics go from the gateway to Loki and Prometheus, which scrapes all three collectors.
   */
  static startScaled(binaries: Binaries, samplerEnv: Record<string, string>): Promise<Harness> {
    return Harness.launch(binaries, async (harness) => {
      await setHosts('collector', { sampler: ['sampler-1', 'sampler-2'] })
      await setHosts('sampler-2', { tempo: ['tempo-2'] })
      await harness.startPrometheus(['collector:8888', 'sampler-1:8888', 'sampler-2:8888'])
      await harness.startStandIn('tempo')
      await harness.startStandIn('tempo', 'tempo-2')
      await harness.startStandIn('loki')
      for (const ns of ['sampler-1', 'sampler-2'] as const)
        await harness.startCollector(samplerEnv, { ns, overlay: 'sampler.yaml' })
      await harness.startCollector({}, { overlay: 'gateway.yaml' })
      for (const ns of AGENTS) await harness.startAgent({}, ns)
    })
  }

  private static async launch(
    binaries: Binaries,
    start: (harness: Harness) => Promise<void>,
  ): Promise<Harness> {
    const harness = new Harness(await mkdtemp(path.join(tmpdir(), 'kit-e2e-')), binaries)
    await setup()
    try {
      await start(harness)
      return harness
    } catch (error) {
      const diagnostics = await harness.diagnostics()
      await harness.stop()
      throw new Error(`the e2e stack did not start: ${(error as Error).message}\n${diagnostics}`)
    }
  }

  url(service: ServiceName, port: number, pathname = ''): string {
    return `http://${addressOf(service)}:${port}${pathname}`
  }

  private log(name: string): string[] {
    const log = this.logs.get(name) ?? []
    this.logs.set(name, log)
    return log
  }

  /**
   * Prometheus with compose's flags and prometheus/prometheus.yml; `collectorTargets` replaces
   * the collector job's target (every collector of a scaled-out topology under one job).
   */
  async startPrometheus(collectorTargets?: string[]): Promise<void> {
    let configFile = rootPath('prometheus/prometheus.yml')
    if (collectorTargets) {
      const config = parse(readText('prometheus/prometheus.yml')) as {
        scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>
      }
      const job = config.scrape_configs.find((c) => c.job_name === 'collector')
      if (!job) throw new Error('prometheus/prometheus.yml has no collector job')
      job.static_configs = [{ targets: collectorTargets }]
      // Rule files are relative to the config file: this copy points at the repository's.
      ;(config as { rule_files?: string[] }).rule_files = (
        config as { rule_files?: string[] }
      ).rule_files?.map((glob) => rootPath(`prometheus/${glob}`))
      configFile = `${this.dir}/prometheus.yml`
      await writeFile(configFile, stringify(config))
    }
    // The flags compose passes, with the container paths mapped to this run's files.
    const flags = ((compose.services.prometheus?.command ?? []) as string[]).map((flag) =>
      flag
        .replace('/etc/prometheus/prometheus.yml', configFile)
        .replace('--storage.tsdb.path=/prometheus', `--storage.tsdb.path=${this.dir}/prometheus`)
        .replace(/\s+#.*$/, ''),
    )
    this.procs.set(
      'prometheus',
      inNamespace(
        'prometheus',
        [this.binaries.prometheus, ...flags],
        process.env,
        this.log('prometheus'),
      ),
    )
    await waitFor(
      'prometheus ready',
      async () => (await fetch(this.url('prometheus', 9090, '/-/ready'))).ok,
    )
  }

  /** The Tempo or Loki stand-in, in the namespace `ns` (its own name unless a second Tempo). */
  async startStandIn(service: 'tempo' | 'loki', ns: StandInNs = service) {
    const recordFile = `${this.dir}/${ns}.jsonl`
    const config = `${this.dir}/${ns}-standin.yaml`
    await writeFile(config, stringify(standInConfig(service)))
    const frontPort = FRONT_PORT[service]
    const helpers = standInHelpers(service, recordFile, (name) => rootPath(`tests/lib/${name}.ts`))
    for (const [helper, args] of Object.entries(helpers)) {
      const name = `${ns}-${helper}`
      if (running(this.procs.get(name))) continue
      this.procs.set(
        name,
        inNamespace(ns, [process.execPath, ...args], process.env, this.log(name)),
      )
    }
    this.procs.set(
      ns,
      inNamespace(ns, [this.binaries.otelcol, `--config=${config}`], process.env, this.log(ns)),
    )
    const port = service === 'tempo' ? 4318 : 3100
    await waitFor(`${service} stand-in`, async () => {
      const res = await fetch(
        this.url(ns, port, service === 'tempo' ? '/v1/traces' : '/otlp/v1/logs'),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      )
      return res.status < 500
    })
    await waitFor(
      `${service} stand-in ready`,
      async () => (await fetch(this.url(ns, frontPort, '/ready'))).ok,
    )
  }

  /**
   * The collector as compose runs it, with `extraEnv` on top of the service's environment. A
   * tier of the scaled-out topology adds its overlay (collector/gateway.yaml or sampler.yaml)
   * after config.yaml, in its own namespace, with its own queue directory and memory cgroup.
   */
  async startCollector(
    extraEnv: Record<string, string> = {},
    tier: { ns?: CollectorNs; overlay?: 'gateway.yaml' | 'sampler.yaml' } = {},
  ): Promise<void> {
    const ns = tier.ns ?? 'collector'
    // The container's memory limit, as a cgroup around the collector process.
    const cgroup = await MemoryCgroup.create(`kite2e-${ns}`, COLLECTOR_MEMORY_LIMIT)
    this.cgroups.set(ns, cgroup)
    const queue = `${this.dir}/${ns}-queue`
    await mkdir(queue, { recursive: true })
    // Mount points only (empty): in compose these are the host's / and the queue volume.
    for (const dir of ['/hostfs', '/var/lib/otelcol/file_storage'])
      if (!existsSync(dir)) await mkdir(dir, { recursive: true })
    const environment = compose.services.collector?.environment ?? {}
    const script = [
      // recursive, like Docker's bind mount, so /hostfs/proc and /hostfs/sys are there
      'mount --rbind / /hostfs',
      `mount --bind ${queue} /var/lib/otelcol/file_storage`,
      [
        `exec ${this.binaries.otelcol} --config=${rootPath('collector/config.yaml')}`,
        ...(tier.overlay ? [`--config=${rootPath(`collector/${tier.overlay}`)}`] : []),
      ].join(' '),
    ].join(' && ')
    const proc = inNamespace(
      ns,
      ['sh', '-c', script],
      { ...process.env, ...environment, ...extraEnv },
      this.log(ns),
    )
    // `ip netns exec` and `exec` keep the pid; /sys/fs/cgroup is not visible inside the
    // namespace (ip remounts /sys there), so the process is moved into its cgroup from here.
    await cgroup.add(proc.child.pid)
    this.procs.set(ns, proc)
    await waitFor(`${ns} healthy`, async () => (await fetch(this.url(ns, 13133, '/'))).ok)
  }

  /** The agent as the compose service runs it: the image's entrypoint, the service's command and environment. */
  async startAgent(extraEnv: Record<string, string> = {}, ns: AgentNs = 'agent'): Promise<void> {
    const service = compose.services.agent
    const env = {
      ...process.env,
      ...service?.environment,
      // LayerCode's API stands at Prometheus in this private network: an authorize call is a
      // real outbound request (its answer, a 404, is passed through), the only one the offline
      // model leaves for http.client.request.duration.
      LAYERCODE_API_KEY: 'e2e-api-key-0123456789',
      LAYERCODE_API_BASE_URL: `http://${addressOf('prometheus')}:9090`,
      ...extraEnv,
    }
    const entrypoint = imageEntrypoint()
    this.procs.set(
      ns,
      inNamespace(
        ns,
        [process.execPath, ...entrypoint.slice(1), ...((service?.command ?? []) as string[])],
        env,
        this.log(ns),
      ),
    )
    await waitFor(`${ns} healthy`, async () => (await fetch(this.url(ns, 8000, '/health'))).ok)
  }

  /**
   * Starts another process in the agent's network namespace (a user's own app beside the
   * agent), with the agent service's OTEL_* settings so it exports to the same collector.
   * `cwd` and `baseEnv` (default: the repository and this process's environment) let it run
   * as a user's project outside the workspace.
   */
  async startApp(
    name: string,
    command: string[],
    env: Record<string, string>,
    port: number,
    options: { cwd?: string; baseEnv?: NodeJS.ProcessEnv } = {},
  ) {
    const otel = Object.fromEntries(
      Object.entries(compose.services.agent?.environment ?? {}).filter(([k]) =>
        k.startsWith('OTEL_'),
      ),
    )
    this.procs.set(
      name,
      inNamespace(
        'agent',
        command,
        { ...(options.baseEnv ?? process.env), ...otel, ...env },
        this.log(name),
        options.cwd,
        true,
      ),
    )
    await waitFor(`${name} healthy`, async () => {
      const proc = this.procs.get(name)
      if (!running(proc)) throw new Error(`${name} exited: ${proc?.log.join('').slice(-2000)}`)
      return (await fetch(this.url('agent', port, '/health'))).ok
    })
  }

  /** Runs the load generator next to the agent, as the compose service does, and returns its JSON summary. */
  async loadgen(
    args: string[],
    ns: AgentNs = 'agent',
    /** Return the summary of a run whose turns failed unexpectedly (exit 1), not throw. */
    failuresExpected = false,
  ): Promise<Record<string, unknown>> {
    const secret = composeWebhookSecret(compose)
    const output: string[] = []
    const proc = inNamespace(
      ns,
      [
        process.execPath,
        '--',
        'packages/loadgen/src/cli.ts',
        `--url=http://${ns}:8000/api/agent`,
        '--json',
        ...args,
      ],
      { ...process.env, LAYERCODE_WEBHOOK_SECRET: secret },
      output,
    )
    const [code] = await once(proc.child, 'exit')
    const text = output.join('')
    const json = text.slice(text.indexOf('{"durationS"'))
    if (code !== 0 && !(failuresExpected && code === 1))
      throw new Error(`loadgen exited ${code}: ${text}`)
    return JSON.parse(json.split('\n')[0] ?? '{}')
  }

  /** The same load on every agent replica at once (run with two): their summaries, in order. */
  loadgenOnEveryAgent(args: string[]): Promise<Array<Record<string, unknown>>> {
    return Promise.all(AGENTS.map((ns) => this.loadgen(args, ns)))
  }

  async stopService(name: string): Promise<void> {
    await stopProc(this.procs.get(name))
  }

  /** Every span or log record the Tempo / Loki stand-in received so far. */
  recorded(service: StandInNs, signal: OtlpSignal): Array<Record<string, unknown>> {
    return readRecording(`${this.dir}/${service}.jsonl`, signal)
  }

  /** An instant PromQL query against the real Prometheus (now, or at `time`, Unix seconds). */
  query(promql: string, time?: number): Promise<Sample[]> {
    return this.prometheus.query(promql, time)
  }

  /** The raw samples of a range selector (`metric[90s]`), evaluated now or at `time`. */
  samples(selector: string, time?: number): Promise<Series[]> {
    return this.prometheus.samples(selector, time)
  }

  /** The collector's peak memory use so far (its cgroup's high-water mark), in bytes. */
  collectorPeakMemory(): number {
    const cgroup = this.cgroups.get('collector')
    if (!cgroup) throw new Error('the collector has not started')
    return cgroup.peak()
  }

  async stop(): Promise<void> {
    // Senders first, then each tier after the one sending to it.
    const order = [/^app:/, /^agent/, /^collector$/, /^sampler/, /^(tempo|loki)(-2)?$/, /./]
    for (const pattern of order)
      for (const [name, proc] of this.procs) if (pattern.test(name)) await stopProc(proc)
    await teardown()
    for (const cgroup of this.cgroups.values()) await cgroup.remove()
    if (!process.env.KEEP_E2E_DIR) await rm(this.dir, { recursive: true, force: true })
  }

  /** The last lines each process wrote, for a failing test's message. */
  async diagnostics(): Promise<string> {
    const files = existsSync(this.dir) ? await readdir(this.dir) : []
    return [
      `files: ${files.join(', ')}`,
      ...[...this.logs].map(
        ([name, lines]) => `--- ${name}\n${lines.join('').split('\n').slice(-15).join('\n')}`,
      ),
    ].join('\n')
  }
}
