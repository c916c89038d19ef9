/** Every file packages/grafana-gen generates: path (from the repo root) -> content. */

import { readFileSync } from 'node:fs'
import { contactPointFiles, policiesYaml, prometheusAlertsYaml, rulesYaml } from './alerts.ts'
import { CONFIG, configJsonSchema } from './config.ts'
import { renderTelemetryDoc } from './contract-doc.ts'
import { buildDashboard, DASHBOARDS } from './dashboards.ts'
import { renderLogfireMigration } from './python.ts'
import {
  PYTHON_CONTRACT_PATH,
  PYTHON_FINGERPRINT_CASES_PATH,
  PYTHON_PRICES_PATH,
  renderPythonContract,
} from './python-contract.ts'
import { renderGrafanaReadme } from './readme.ts'
import { recordingRulesYaml } from './recording-file.ts'
import { RUNBOOKS } from './runbooks.ts'
import { renderSamplerConfig } from './sampling.ts'
import { SLOTH_SPEC_PATH, slothSpec } from './slos.ts'

/** The kit's recording rules and the alerts as Prometheus rules (for Prometheus/Mimir rulers). */
export const RECORDING_RULES_PATH = 'prometheus/rules/layercode.rules.yaml'
export const PROMETHEUS_ALERTS_PATH = 'prometheus/alerts/layercode.yaml'

export function grafanaFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  for (const dashboard of [...DASHBOARDS, RUNBOOKS]) {
    files[`grafana/dashboards/${dashboard.uid}.json`] =
      `${JSON.stringify(buildDashboard(dashboard), null, 2)}\n`
  }
  files['grafana/alerting/rules.yaml'] = rulesYaml()
  files['grafana/alerting/policies.yaml'] = policiesYaml()
  files[RECORDING_RULES_PATH] = recordingRulesYaml()
  files[PROMETHEUS_ALERTS_PATH] = prometheusAlertsYaml()
  files[SLOTH_SPEC_PATH] = slothSpec()
  for (const [name, content] of Object.entries(contactPointFiles()))
    files[`grafana/alerting/${name}`] = content
  return files
}

const FINGERPRINT_CASES = new URL('../../telemetry/fingerprint-cases.json', import.meta.url)

/**
 * What `npm run docs` writes: the contract's docs page, its Python module and the price table
 * the Python wrapper ships, grafana/README.md, the sampling tier's collector config and
 * grafanaFiles().
 */
export function generatedFiles(): Record<string, string> {
  return {
    'docs/telemetry.md': renderTelemetryDoc(),
    'docs/migrating-from-logfire.md': renderLogfireMigration(),
    [PYTHON_CONTRACT_PATH]: renderPythonContract(),
    [PYTHON_PRICES_PATH]: readFileSync(CONFIG.prices, 'utf8'),
    // The fingerprint cases both implementations must agree on, for the Python unit tests.
    [PYTHON_FINGERPRINT_CASES_PATH]: readFileSync(FINGERPRINT_CASES, 'utf8'),
    'grafana/README.md': renderGrafanaReadme(),
    'collector/sampler.yaml': renderSamplerConfig(),
    'packages/grafana-gen/layercode-kit.schema.json': configJsonSchema(),
    ...grafanaFiles(),
  }
}
