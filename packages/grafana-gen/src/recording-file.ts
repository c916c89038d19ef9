/** prometheus/rules/layercode.rules.yaml: the kit's recording rules and the SLOs' event counts. */
import { RECORDING_GROUPS } from './recording.ts'
import { GENERATED_HEADER, ruleFile } from './rule-files.ts'
import { SLO_EVENTS, sloEventRules } from './slos.ts'

export function recordingRulesYaml(): string {
  return ruleFile(
    `${GENERATED_HEADER}\nLoaded by Prometheus (compose, the Helm chart); the alerts read these series.`,
    [
      ...RECORDING_GROUPS,
      {
        name: 'layercode-slo-events',
        purpose: `Each objective's events over 5 minutes (${SLO_EVENTS}), labelled like Sloth's series (prometheus/rules/layercode-slo.yaml): the burn-rate alerts' minimum volume.`,
        rules: sloEventRules(),
      },
    ],
  )
}
