import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { ruleQueries } from '../../grafana/src/inventory.ts'
import { ensureBinaries, missingToolchain } from './binaries.ts'

const run = promisify(execFile)
const missing = await missingToolchain()
if (missing && process.env.CI) throw new Error(`e2e: ${missing}; CI must run the rule tests`)
if (missing) console.log(`# SKIP alert rule unit tests: ${missing}`)

const EXPORT_RULE = 'layercode-collector-export'
const expr = ruleQueries().find((r) => r.uid === EXPORT_RULE)?.expr
const exporter = { job: 'collector', instance: 'collector:8888', exporter: 'otlp_http/traces' }
const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
})
const queue = (values: string) =>
  series('otelcol_exporter_queue_size', { ...exporter, data_type: 'traces' }, values)
const capacity = series(
  'otelcol_exporter_queue_capacity',
  { ...exporter, data_type: 'traces' },
  '5000x40',
)
const sent = (values: string) => series('otelcol_exporter_sent_spans', exporter, values)

/**
 * The export alert's condition as generated into grafana/alerting/rules.yaml, evaluated by promtool
 * on exact series: the cases a live run only meets by chance (a queue caught non-empty at
 * every scrape while it drains, a stall, a queue filling while it sends, dropped data).
 */
describe('the collector export alert, evaluated by promtool on synthetic series', {
  skip: missing,
}, () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kit-rules-'))
    assert.ok(expr, `${EXPORT_RULE} is in grafana/alerting/rules.yaml`)
    await writeFile(
      `${dir}/rules.yaml`,
      stringify({ groups: [{ name: 'kit', rules: [{ alert: EXPORT_RULE, expr }] }] }),
    )
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const cases: Array<{ name: string; input: unknown[]; fires: Record<string, string> | null }> = [
    {
      name: 'stays quiet for a busy queue that is never empty when scraped but keeps sending',
      input: [queue('1x40'), capacity, sent('0+50x40')],
      fires: null,
    },
    {
      name: 'stays quiet for an idle exporter',
      input: [queue('0x40'), capacity, sent('100x40')],
      fires: null,
    },
    {
      name: 'fires for a queue holding data while nothing is sent (backend down)',
      input: [queue('0+3x40'), capacity, sent('100x40')],
      fires: { exporter: exporter.exporter },
    },
    {
      name: 'fires for a backend down since the start (no sent series at all)',
      input: [queue('0+3x40'), capacity],
      fires: { exporter: exporter.exporter },
    },
    {
      name: 'fires for a queue over half full even while it sends (backend too slow)',
      input: [queue('3000+0x40'), capacity, sent('0+50x40')],
      fires: { exporter: exporter.exporter },
    },
    {
      name: 'fires when data is dropped (a permanent send failure)',
      input: [
        queue('0x40'),
        capacity,
        sent('0+50x40'),
        series('otelcol_exporter_send_failed_spans', exporter, '0x10 0+10x30'),
      ],
      fires: {},
    },
  ]

  for (const { name, input, fires } of cases) {
    it(name, async () => {
      const test = `${dir}/${name.replace(/\W+/g, '-')}.yaml`
      await writeFile(
        test,
        stringify({
          rule_files: ['rules.yaml'],
          evaluation_interval: '10s',
          tests: [
            {
              interval: '10s',
              input_series: input,
              alert_rule_test: [
                {
                  eval_time: '5m',
                  alertname: EXPORT_RULE,
                  exp_alerts: fires ? [{ exp_labels: fires }] : [],
                },
              ],
            },
          ],
        }),
      )
      const { promtool } = await ensureBinaries()
      const result = await run(promtool, ['test', 'rules', test]).catch(
        (error: { stdout: string; stderr: string }) => error,
      )
      assert.match(result.stdout, /SUCCESS/, `${result.stdout}${result.stderr}`)
    })
  }
})
