/**
 * The Helm chart (deploy/helm/layercode-otel-kit), checked without a cluster: `helm lint` and
 * `helm template` with the Helm CLI built from the Go module proxy, every rendered object
 * decoded strictly into the Kubernetes API types (deploy/helm/check, a Go test), every
 * collector's rendered configs run through `otelcol validate` exactly as its container passes
 * them, and the agent's probes and ports tried on the real agent started as the chart starts it.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { waitFor } from '@layercode-kit/test-support'
import { parseAllDocuments } from 'yaml'
import { ensureHelm, findBinaries, goEnv } from '../../tools/binaries.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { ROOT, readText, rootPath } from '../stack/support.ts'

const run = promisify(execFile)
const missing = await nativeSuiteGuard('Helm chart checks', { root: false })

const CHART = rootPath('deploy/helm/layercode-otel-kit')
const KUBE_VERSION = '1.33.0'
const SECRET = ['--set', 'agent.secret.values.LAYERCODE_WEBHOOK_SECRET=chart-test-secret']
/** The value sets a user starts from: in-cluster backends, Grafana Cloud, fixed replicas. */
const VALUE_SETS: Record<string, string[]> = {
  'in-cluster backends': SECRET,
  'Grafana Cloud': [...SECRET, '--set', 'backends.mode=grafanaCloud'],
  'fixed replicas, an existing Secret': [
    '--set',
    'agent.secret.existingSecret=my-agent-secret',
    '--set',
    'agent.autoscaling.enabled=false',
    '--set',
    'collector.gateway.autoscaling.enabled=false',
    '--set',
    'agent.podDisruptionBudget.enabled=false',
  ],
}

type Container = {
  name: string
  image: string
  args?: string[]
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>
  ports?: Array<{ name: string; containerPort: number }>
  livenessProbe?: { httpGet: { path: string; port: string } }
  readinessProbe?: { httpGet: { path: string; port: string } }
}
type K8sObject = {
  kind: string
  metadata: { name: string }
  data?: Record<string, string>
  spec?: { template?: { spec: { containers: Container[] } } }
}

describe('the Helm chart, rendered and checked', { skip: missing }, () => {
  let helm: string
  let dir: string
  const rendered = new Map<string, K8sObject[]>()

  const template = async (name: string, args: string[]) => {
    const { stdout } = await run(
      helm,
      ['template', 'kit', CHART, '--namespace', 'voice', '--kube-version', KUBE_VERSION, ...args],
      { maxBuffer: 64 * 2 ** 20 },
    )
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`)
    await writeFile(file, stdout)
    return { file, objects: parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject) }
  }
  const workload = (objects: K8sObject[], suffix: string) => {
    const found = objects.find(
      (o) => /^(Deployment|StatefulSet)$/.test(o.kind) && o.metadata.name.endsWith(suffix),
    )
    const container = found?.spec?.template?.spec.containers[0]
    assert.ok(container, `no ${suffix} workload`)
    return container
  }

  before(async () => {
    helm = await ensureHelm('find')
    dir = await mkdtemp(path.join(tmpdir(), 'kit-helm-'))
  })
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('passes helm lint --strict', async () => {
    const { stdout } = await run(helm, ['lint', '--strict', CHART, ...SECRET])
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/)
  })

  it('refuses to render without the webhook secret', async () => {
    await assert.rejects(
      run(helm, ['template', 'kit', CHART, '--kube-version', KUBE_VERSION]),
      /LAYERCODE_WEBHOOK_SECRET/,
    )
  })

  for (const [name, args] of Object.entries(VALUE_SETS))
    it(`${name}: every object decodes strictly into the Kubernetes API types and agrees with the others`, async () => {
      const { file, objects } = await template(name, args)
      rendered.set(name, objects)
      const { stdout } = await run('go', ['test', '-count=1', '-v', './...'], {
        cwd: rootPath('deploy/helm/check'),
        env: goEnv({ RENDERED: file }),
        maxBuffer: 64 * 2 ** 20,
      })
      assert.match(stdout, new RegExp(`decoded ${objects.length} objects strictly`), stdout)
      assert.match(stdout, /--- PASS: TestRenderedChart/)
    })

  it('the strict decoding fails on a misspelt field (the check can fail)', async () => {
    const { file } = await template('misspelt', SECRET)
    const broken = `${file}.broken.yaml`
    await writeFile(
      broken,
      readText(path.relative(ROOT, file)).replace('  strategy:', '  strategyy:'),
    )
    await assert.rejects(
      run('go', ['test', '-count=1', './...'], {
        cwd: rootPath('deploy/helm/check'),
        env: goEnv({ RENDERED: broken }),
      }),
      (error: { stdout?: string }) => /unknown field "strategyy"/.test(error.stdout ?? ''),
    )
  })

  it('every collector config passes otelcol validate, as each tier passes them', async () => {
    const { otelcol } = await findBinaries()
    assert.ok(rendered.size > 0, 'rendered first')
    for (const [name, objects] of rendered) {
      const configMap = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-collector'),
      )
      assert.ok(configMap?.data, `${name}: no collector ConfigMap`)
      const confDir = path.join(dir, `conf-${name.replace(/\W+/g, '-')}`)
      mkdirSync(confDir, { recursive: true })
      for (const [file, text] of Object.entries(configMap.data))
        await writeFile(path.join(confDir, file), text)
      for (const tier of ['-gateway', '-sampler']) {
        const container = workload(objects, tier)
        const args = (container.args ?? []).map((a) => a.replace('/etc/otelcol', confDir))
        assert.ok(args.length >= 3, `${name}${tier}: ${args}`)
        // What each container's environment gives the configs' ${env:...} references.
        const env = Object.fromEntries(
          (container.env ?? []).map((e) => [e.name, e.value ?? 'from-a-secret']),
        )
        const { stdout, stderr } = await run(otelcol, ['validate', ...args], {
          env: { ...process.env, ...env },
        })
        assert.doesNotMatch(stdout + stderr, /error/i, `${name}${tier}`)
      }
      // In a pod there is no /hostfs: the cluster overlay points the unused receiver at /.
      assert.match(configMap.data['kubernetes.yaml'] ?? '', /root_path: \//)
      if (name === 'Grafana Cloud')
        assert.match(
          configMap.data['kubernetes.yaml'] ?? '',
          /Basic \$\{env:GRAFANA_CLOUD_OTLP_AUTH\}/,
        )
    }
  })

  it("the agent's container port and probes are the image's and the CLI's: the real agent answers them", async () => {
    const objects = rendered.get('in-cluster backends') ?? []
    const agent = workload(objects, '-agent')
    const dockerfile = readText('agent/Dockerfile')
    const http = agent.ports?.find((p) => p.name === 'http')
    assert.equal(String(http?.containerPort), /^EXPOSE\s+(\d+)/m.exec(dockerfile)?.[1], 'EXPOSE')
    const healthcheck = /HEALTHCHECK[\s\S]*?\/health/.test(dockerfile)
    assert.ok(healthcheck, "the image's HEALTHCHECK probes /health")
    assert.equal(agent.livenessProbe?.httpGet.path, '/health')
    // Start the agent as the chart does (the image's entrypoint and the chart's args), on a
    // free loopback port given the way the chart gives it (PORT), and probe the chart's paths.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
      })
    })
    const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]')
    const env = Object.fromEntries(
      (agent.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    )
    const child = spawn(process.execPath, [...entrypoint.slice(1), ...(agent.args ?? [])], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LAYERCODE_WEBHOOK_SECRET: 'chart-test-secret',
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: 'ignore',
    })
    try {
      for (const probe of [agent.livenessProbe, agent.readinessProbe]) {
        assert.equal(probe?.httpGet.port, 'http')
        await waitFor(`the agent answers ${probe?.httpGet.path}`, async () => {
          const res = await fetch(`http://127.0.0.1:${port}${probe?.httpGet.path}`)
          return res.status === 200
        })
      }
    } finally {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
    }
  })

  it('ships every dashboard and the alert rules for the Grafana sidecar, with the datasource uids they use', () => {
    const objects = rendered.get('in-cluster backends') ?? []
    const dashboards = objects.filter(
      (o) => o.kind === 'ConfigMap' && /-dashboard-/.test(o.metadata.name),
    )
    const shipped = dashboards.flatMap((d) => Object.keys(d.data ?? {})).sort()
    const inRepo = readdirSync(rootPath('grafana/dashboards'))
      .filter((f) => f.endsWith('.json'))
      .sort()
    assert.deepEqual(shipped, inRepo)
    const alerting = objects.find((o) => o.metadata.name.endsWith('-alerting'))
    // A `|-` block: the file without its final newline.
    assert.equal(alerting?.data?.['rules.yaml'], readText('grafana/alerting/rules.yaml').trimEnd())
    const datasources = objects.find((o) => o.metadata.name.endsWith('-datasources'))
    const text = Object.values(datasources?.data ?? {})[0] ?? ''
    for (const uid of ['prometheus', 'tempo', 'loki'])
      assert.match(text, new RegExp(`uid: ${uid}\\b`))
    assert.doesNotMatch(text, /url: http:\/\/(prometheus|tempo|loki):/, 'compose URLs replaced')
  })
})
