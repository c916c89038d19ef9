import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runNode } from '@layercode-kit/test-support'
import { parse } from 'yaml'
import { DEFAULT_CONFIG_FILE } from './config.ts'

const cli = fileURLToPath(new URL('../../../scripts/export.ts', import.meta.url))

/** `npm run export` as a team with its own Grafana runs it: other uids, its own thresholds. */
describe('npm run export', () => {
  let dir: string
  let result: Awaited<ReturnType<typeof runNode>>
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kit-export-'))
    const config = (await readFile(DEFAULT_CONFIG_FILE, 'utf8'))
      .replace('    threshold: 0.05\n', '    threshold: 0.03\n')
      .replace(
        'prices: packages/telemetry/prices.json',
        `prices: ${path.resolve(path.dirname(DEFAULT_CONFIG_FILE), 'packages/telemetry/prices.json')}`,
      )
    await writeFile(`${dir}/kit.yaml`, config)
    result = await runNode(cli, [
      `--out=${dir}/out`,
      '--prometheus-uid=grafanacloud-prom',
      '--loki-uid=grafanacloud-logs',
      '--tempo-uid=grafanacloud-traces',
      `--config=${dir}/kit.yaml`,
    ])
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes dashboards, Grafana rules, Prometheus rules, recording rules and runbooks', async () => {
    assert.equal(result.code, 0, result.stderr)
    for (const folder of [
      'grafana/dashboards',
      'grafana/alerting',
      'prometheus/rules',
      'prometheus/alerts',
      'runbooks',
    ])
      assert.ok((await readdir(`${dir}/out/${folder}`)).length > 0, folder)
  })

  it('defaults every dashboard to the given datasource uids', async () => {
    for (const file of await readdir(`${dir}/out/grafana/dashboards`)) {
      const json = await readFile(`${dir}/out/grafana/dashboards/${file}`, 'utf8')
      const { templating } = JSON.parse(json) as {
        templating: { list?: Array<{ type: string; current?: { value: string } }> }
      }
      const defaults = (templating.list ?? [])
        .filter((v) => v.type === 'datasource')
        .map((v) => v.current?.value)
      for (const uid of defaults ?? [])
        assert.match(String(uid), /^grafanacloud-(prom|logs|traces)$/, file)
    }
  })

  it("points the Grafana rules at the given Prometheus, with the config's threshold", async () => {
    const rules = parse(await readFile(`${dir}/out/grafana/alerting/rules.yaml`, 'utf8')) as {
      groups: Array<{
        rules: Array<{
          uid: string
          data: Array<{ refId: string; datasourceUid: string; model: { expr?: string } }>
        }>
      }>
    }
    const all = rules.groups.flatMap((g) => g.rules)
    for (const rule of all) {
      const query = rule.data.find((d) => d.refId === 'A')
      assert.equal(query?.datasourceUid, 'grafanacloud-prom', rule.uid)
    }
    const errorRate = all.find((r) => r.uid === 'layercode-error-rate')?.data[0]?.model.expr
    assert.match(String(errorRate), /> 0\.03\n/)
    const prometheus = await readFile(`${dir}/out/prometheus/alerts/layercode.yaml`, 'utf8')
    assert.match(prometheus, /> 0\.03\n/, 'the Prometheus rules carry it too')
  })

  it('fails on a malformed config, naming the key', async () => {
    await writeFile(
      `${dir}/bad.yaml`,
      (await readFile(`${dir}/kit.yaml`, 'utf8')).replace('min_turns: 20', 'min_turns: many'),
    )
    const bad = await runNode(cli, [`--out=${dir}/bad`, `--config=${dir}/bad.yaml`])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /bad\.yaml:\d+: alerts\.error_rate\.min_turns/)
  })
})
