import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { prometheusAlertName } from '@layercode-kit/grafana-gen'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { parse } from 'yaml'
import { findBinaries } from '../../../tools/binaries.ts'
import { KIT_RULE_FILES, promtoolTest } from '../../lib/promtool.ts'
import { rootPath } from '../../stack/support.ts'
import { ERROR_RATE_RULE, missing, production, turnsOf } from './cases.ts'

/**
 * The shipped rule files as Prometheus and a Mimir ruler load them: promtool checks them,
 * Sloth regenerates the SLO rules byte for byte from the spec, and the exported Prometheus
 * alerts fire with their own `for` on the recorded series.
 */
describe('shipped rule files', { skip: missing }, () => {
  const run = promisify(execFile)
  const alertFiles = [rootPath('prometheus/alerts/layercode.yaml')]

  it('pass promtool check rules (recording, Sloth and the Prometheus alerts)', async () => {
    const { promtool } = await findBinaries()
    const { stdout } = await run(promtool, ['check', 'rules', ...KIT_RULE_FILES, ...alertFiles])
    assert.equal(
      stdout.match(/SUCCESS/g)?.length,
      KIT_RULE_FILES.length + alertFiles.length,
      stdout,
    )
  })

  it("are Sloth's output for the shipped spec (npm run slo --check, the real Sloth)", async () => {
    const { stderr } = await run(process.execPath, [rootPath('scripts/slo.ts'), '--check'], {
      cwd: rootPath('.'),
    })
    assert.doesNotMatch(stderr, /stale/)
  })

  it('fire as Prometheus alerts with their own for, labels and annotations', async () => {
    // The shipped annotations, templates rendered as Prometheus renders them (1 in 3 failing).
    const shipped = parse(readFileSync(alertFiles[0] ?? '', 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }>
    }
    const rule = shipped.groups[0]?.rules.find(
      (r) => r.alert === prometheusAlertName(ERROR_RATE_RULE),
    )
    const annotations = Object.fromEntries(
      Object.entries(rule?.annotations ?? {}).map(([k, v]) => [
        k,
        v
          .replace('{{ humanizePercentage $value }}', '33.33%')
          .replace('{{ index $labels "service_name" }}', DEFAULT_SERVICE_NAME)
          .replace('{{ index $labels "deployment_environment_name" }}', 'production'),
      ]),
    )
    assert.match(
      annotations.summary ?? '',
      /^33\.33% of turns fail \(service layercode-agent, production;/,
    )
    const dir = await mkdtemp(path.join(tmpdir(), 'kit-prom-alerts-'))
    try {
      const result = await promtoolTest(
        dir,
        'prometheus-alerts',
        [...KIT_RULE_FILES, ...alertFiles],
        {
          input_series: [
            turnsOf('production', 'ok', '0+2x40'),
            turnsOf('production', 'error', '0+1x40'),
          ],
          alert_rule_test: [
            // Pending for its `for` (2m) after the 5-minute window fills: not yet at 1m.
            { eval_time: '1m', alertname: prometheusAlertName(ERROR_RATE_RULE), exp_alerts: [] },
            {
              eval_time: '5m',
              alertname: prometheusAlertName(ERROR_RATE_RULE),
              exp_alerts: [
                {
                  exp_labels: { ...production, severity: 'critical' },
                  exp_annotations: annotations,
                },
              ],
            },
          ],
        },
      )
      assert.ok(result.ok, result.output)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
