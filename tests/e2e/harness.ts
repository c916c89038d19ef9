import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type OtlpSignal, waitFor } from '@layercode-kit/test-support'
import { stringify } from 'yaml'
import { composeWebhookSecret, loadCompose, readText, rootPath } from '../stack/support.ts'
import type { Binaries } from './binaries.ts'
import { MemoryCgroup } from './cgroup.ts'
import { addressOf, type ServiceName, setup, teardown } from './netns.ts'
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

export class Harness {
  readonly dir: string
  readonly binaries: Binaries
  readonly procs = new Map<string, Proc>()
  readonly logs = new Map<string, string[]>()
  cgroup: MemoryCgroup | undefined
  readonly prometheus = new PrometheusClient(`http://${addressOf('prometheus')}:9090`)

  private constructor(dir: string, binaries: Binaries) {
    this.dir = dir
    this.binaries = binaries
  }

  static async start(binaries: Binaries): Promise<Harness> {
    const harness = new Harness(await mkdtemp(path.join(tmpdir(), 'kit-e2e-')), binaries)
    await setup()
    try {
      await harness.startPrometheus()
      await harness.startStandIn('tempo')
      await harness.startStandIn('loki')
      await harness.startCollector()
      await harness.startAgent()
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

  async startPrometheus(): Promise<void> {
    // The flags compose passes, with the container paths mapped to this run's files.
    const flags = ((compose.services.prometheus?.command ?? []) as string[]).map((flag) =>
      flag
        .replace('/etc/prometheus/prometheus.yml', rootPath('prometheus/prometheus.yml'))
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

  async startStandIn(service: 'tempo' | 'loki'): Promise<void> {
    const recordFile = `${this.dir}/${service}.jsonl`
    const config = `${this.dir}/${service}-standin.yaml`
    await writeFile(config, stringify(standInConfig(service)))
    const frontPort = FRONT_PORT[service]
    const helpers = standInHelpers(service, recordFile, (name) => rootPath(`tests/e2e/${name}.ts`))
    for (const [helper, args] of Object.entries(helpers)) {
      const name = `${service}-${helper}`
      if (running(this.procs.get(name))) continue
      this.procs.set(
        name,
        inNamespace(service, [process.execPath, ...args], process.env, this.log(name)),
      )
    }
    this.procs.set(
      service,
      inNamespace(
        service,
        [this.binaries.otelcol, `--config=${config}`],
        process.env,
        this.log(service),
      ),
    )
    const port = service === 'tempo' ? 4318 : 3100
    await waitFor(`${service} stand-in`, async () => {
      const res = await fetch(
        this.url(service, port, service === 'tempo' ? '/v1/traces' : '/otlp/v1/logs'),
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
      async () => (await fetch(this.url(service, frontPort, '/ready'))).ok,
    )
  }

  /** The collector as compose runs it, with `extraEnv` on top of the service's environment. */
  async startCollector(extraEnv: Record<string, string> = {}): Promise<void> {
    // The container's memory limit, as a cgroup around the collector process.
    this.cgroup = await MemoryCgroup.create('kite2e-collector', COLLECTOR_MEMORY_LIMIT)
    const queue = `${this.dir}/collector-queue`
    await mkdir(queue, { recursive: true })
    // Mount points only (empty): in compose these are the host's / and the queue volume.
    for (const dir of ['/hostfs', '/var/lib/otelcol/file_storage'])
      if (!existsSync(dir)) await mkdir(dir, { recursive: true })
    const environment = compose.services.collector?.environment ?? {}
    const script = [
      // recursive, like Docker's bind mount, so /hostfs/proc and /hostfs/sys are there
      'mount --rbind / /hostfs',
      `mount --bind ${queue} /var/lib/otelcol/file_storage`,
      `exec ${this.binaries.otelcol} --config=${rootPath('collector/config.yaml')}`,
    ].join(' && ')
    const proc = inNamespace(
      'collector',
      ['sh', '-c', script],
      { ...process.env, ...environment, ...extraEnv },
      this.log('collector'),
    )
    // `ip netns exec` and `exec` keep the pid; /sys/fs/cgroup is not visible inside the
    // namespace (ip remounts /sys there), so the process is moved into its cgroup from here.
    await this.cgroup.add(proc.child.pid)
    this.procs.set('collector', proc)
    await waitFor(
      'collector healthy',
      async () => (await fetch(this.url('collector', 13133, '/'))).ok,
    )
  }

  /** The agent as the compose service runs it: the image's entrypoint, the service's command and environment. */
  async startAgent(extraEnv: Record<string, string> = {}): Promise<void> {
    const service = compose.services.agent
    const env = {
      ...process.env,
      ...service?.environment,
      // authorize calls go to a closed port in this private network: a fast, real client error
      LAYERCODE_API_KEY: 'e2e-api-key-0123456789',
      LAYERCODE_API_BASE_URL: `http://${addressOf('prometheus')}:1`,
      ...extraEnv,
    }
    const entrypoint = imageEntrypoint()
    this.procs.set(
      'agent',
      inNamespace(
        'agent',
        [process.execPath, ...entrypoint.slice(1), ...((service?.command ?? []) as string[])],
        env,
        this.log('agent'),
      ),
    )
    await waitFor('agent healthy', async () => (await fetch(this.url('agent', 8000, '/health'))).ok)
  }

  /**
   * Starts another process in a service's network namespace (a user's own app beside the
   * agent), with the agent service's OTEL_* settings so it exports to the same collector.
   */
  async startApp(name: string, command: string[], env: Record<string, string>, port: number) {
    const otel = Object.fromEntries(
      Object.entries(compose.services.agent?.environment ?? {}).filter(([k]) =>
        k.startsWith('OTEL_'),
      ),
    )
    this.procs.set(
      name,
      inNamespace('agent', command, { ...process.env, ...otel, ...env }, this.log(name)),
    )
    await waitFor(
      `${name} healthy`,
      async () => (await fetch(this.url('agent', port, '/health'))).ok,
    )
  }

  /** Runs the load generator next to the agent, as the compose service does, and returns its JSON summary. */
  async loadgen(args: string[]): Promise<Record<string, unknown>> {
    const secret = composeWebhookSecret(compose)
    const output: string[] = []
    const proc = inNamespace(
      'agent',
      [
        process.execPath,
        '--',
        'packages/loadgen/src/cli.ts',
        '--url=http://agent:8000/api/agent',
        '--json',
        ...args,
      ],
      { ...process.env, LAYERCODE_WEBHOOK_SECRET: secret },
      output,
    )
    const [code] = await once(proc.child, 'exit')
    const text = output.join('')
    const json = text.slice(text.indexOf('{"durationS"'))
    if (code !== 0) throw new Error(`loadgen exited ${code}: ${text}`)
    return JSON.parse(json.split('\n')[0] ?? '{}')
  }

  async stopService(name: string): Promise<void> {
    await stopProc(this.procs.get(name))
  }

  /** Every span or log record the Tempo / Loki stand-in received so far. */
  recorded(service: 'tempo' | 'loki', signal: OtlpSignal): Array<Record<string, unknown>> {
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
    if (!this.cgroup) throw new Error('the collector has not started')
    return this.cgroup.peak()
  }

  async stop(): Promise<void> {
    for (const name of [
      ...[...this.procs.keys()].filter((name) => name.startsWith('app:')),
      'agent',
      'collector',
      'tempo',
      'loki',
      'tempo-recorder',
      'loki-recorder',
      'tempo-front',
      'loki-front',
      'prometheus',
    ]) {
      await stopProc(this.procs.get(name))
    }
    await teardown()
    await this.cgroup?.remove()
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
