/**
 * `npm run export -- --out <dir>`: the kit's dashboards and rules for a Grafana and Prometheus
 * you already run (Grafana Cloud, your own, a Mimir ruler), for your datasource uids and your
 * layercode-kit.yaml. Writes into <dir>:
 *   grafana/dashboards/*.json      import them (Dashboards > New > Import, or your provisioning);
 *                                  their datasource variables default to your uids
 *   grafana/alerting/rules.yaml    Grafana-managed alert rules (file provisioning or the
 *   grafana/alerting/policies.yaml  provisioning API), and the notification policy
 *   prometheus/rules/*.yaml        recording rules the alerts and dashboards read: load them
 *                                  into Prometheus (rule_files) or Mimir (mimirtool rules load)
 *   prometheus/alerts/*.yaml       the same alerts as Prometheus rules, for a ruler with
 *                                  Alertmanager instead of Grafana-managed alerting
 *   runbooks/*.md                  what each alert means and what to do
 * Options: --prometheus-uid, --loki-uid, --tempo-uid (defaults: the kit's prometheus, loki,
 * tempo), --config <file> (default: layercode-kit.yaml).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { isMap, isScalar, parseDocument, visit } from 'yaml'
import { loadGenerator } from './generator.ts'

const USAGE =
  'usage: npm run export -- --out <dir> [--prometheus-uid <uid>] [--loki-uid <uid>] [--tempo-uid <uid>] [--config <layercode-kit.yaml>]'

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    config: { type: 'string' },
    'prometheus-uid': { type: 'string', default: 'prometheus' },
    'loki-uid': { type: 'string', default: 'loki' },
    'tempo-uid': { type: 'string', default: 'tempo' },
    help: { type: 'boolean' },
  },
})
if (values.help || !values.out) {
  console.error(USAGE)
  process.exit(values.help ? 0 : 2)
}
// The generator reads its config when it loads.
if (values.config) process.env.LAYERCODE_KIT_CONFIG = path.resolve(values.config)
const gen = await loadGenerator()
const root = new URL('../', import.meta.url)
const out = path.resolve(values.out)
const uids: Record<string, string> = {
  prometheus: values['prometheus-uid'],
  loki: values['loki-uid'],
  tempo: values['tempo-uid'],
}

async function write(file: string, content: string) {
  await mkdir(path.dirname(path.join(out, file)), { recursive: true })
  await writeFile(path.join(out, file), content)
}

/** A dashboard whose datasource variables default to the given uids. */
function forUids(json: string): string {
  const dashboard = JSON.parse(json) as {
    templating?: { list?: Array<{ type: string; query?: string; current?: { value?: string } }> }
  }
  for (const variable of dashboard.templating?.list ?? [])
    if (variable.type === 'datasource' && variable.current && variable.query)
      variable.current = {
        ...variable.current,
        value: uids[variable.query] ?? variable.current.value,
      }
  return `${JSON.stringify(dashboard, null, 2)}\n`
}

/** Grafana rules querying the given Prometheus uid (datasourceUid and the query's datasource). */
function rulesForUid(yaml: string): string {
  const doc = parseDocument(yaml)
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (key === 'datasourceUid' && isScalar(pair.value) && pair.value.value === 'prometheus')
        pair.value.value = uids.prometheus
      if (key === 'datasource' && isMap(pair.value) && pair.value.get('uid') === 'prometheus')
        pair.value.set('uid', uids.prometheus)
    },
  })
  return doc.toString({ lineWidth: 100, minContentWidth: 40, blockQuote: 'literal' })
}

const files = gen.grafanaFiles()
for (const [file, content] of Object.entries(files)) {
  if (file.startsWith('grafana/dashboards/')) await write(file, forUids(content))
  else if (file === 'grafana/alerting/rules.yaml') await write(file, rulesForUid(content))
  else if (file === 'grafana/alerting/policies.yaml') await write(file, content)
  else if (file.startsWith('prometheus/rules/') || file.startsWith('prometheus/alerts/'))
    await write(file, content)
}
// Sloth's SLO rules: the shipped ones while the objectives are the shipped ones, else Sloth's.
const spec = files[gen.SLOTH_SPEC_PATH] ?? ''
const shipped = await readFile(new URL(gen.SLOTH_RULES_PATH, root), 'utf8')
if (shipped.includes(gen.specHash(spec))) await write(gen.SLOTH_RULES_PATH, shipped)
else {
  const { sloth } = await import('./slo.ts')
  const specFile = path.join(out, 'prometheus/slo/layercode.sloth.yaml')
  await write('prometheus/slo/layercode.sloth.yaml', spec)
  await write(gen.SLOTH_RULES_PATH, gen.slothRulesFile(await sloth(specFile), spec))
}
await cp(new URL('docs/runbooks/', root), path.join(out, 'runbooks'), { recursive: true })
console.log(
  `wrote the kit's dashboards, rules and runbooks to ${out} (Prometheus ${uids.prometheus}, Loki ${uids.loki}, Tempo ${uids.tempo})`,
)
