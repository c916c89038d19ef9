/** The Grafana and Prometheus files packages/grafana-gen generates: path (from the repo root) -> content. */

import { contactPointFiles, policiesYaml, prometheusAlertsYaml, rulesYaml } from './alerts.ts'
import { buildDashboard, DASHBOARDS } from './dashboards.ts'
import { recordingRulesYaml } from './recording-file.ts'
import { RUNBOOKS } from './runbooks.ts'
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
