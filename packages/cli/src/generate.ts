/**
 * Every file generated from the telemetry contract, the code and layercode-kit.yaml: path (from
 * the repo root) -> content. `npm run docs` writes them and `--check` (and the tests) fail on
 * any that drifted. Each part comes from the package that owns it; this only puts them together.
 */
import { readFileSync } from 'node:fs'
import { renderSamplerConfig } from '@layercode-kit/collector'
import {
  CONFIG,
  configJsonSchema,
  grafanaFiles,
  PYTHON_CONTRACT_PATH,
  PYTHON_FINGERPRINT_CASES_PATH,
  PYTHON_PRICES_PATH,
  renderGrafanaReadme,
  renderLogfireMigration,
  renderPythonContract,
  renderTelemetryDoc,
} from '@layercode-kit/grafana-gen'
import { drillText } from './drills.ts'

const FINGERPRINT_CASES = new URL('../../telemetry/fingerprint-cases.json', import.meta.url)

export function generatedFiles(): Record<string, string> {
  return {
    'docs/telemetry.md': renderTelemetryDoc(),
    'docs/migrating-from-logfire.md': renderLogfireMigration(),
    [PYTHON_CONTRACT_PATH]: renderPythonContract(),
    [PYTHON_PRICES_PATH]: readFileSync(CONFIG.prices, 'utf8'),
    // The fingerprint cases both implementations must agree on, for the Python unit tests.
    [PYTHON_FINGERPRINT_CASES_PATH]: readFileSync(FINGERPRINT_CASES, 'utf8'),
    'grafana/README.md': renderGrafanaReadme(drillText),
    'collector/sampler.yaml': renderSamplerConfig(),
    'packages/grafana-gen/layercode-kit.schema.json': configJsonSchema(),
    ...grafanaFiles(),
  }
}
