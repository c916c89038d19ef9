/** Every query of every generated panel and alert rule, for the checks and the end-to-end run. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { DASHBOARDS } from './dashboards.ts'
import { grafanaFiles } from './generate.ts'

export type Datasource = 'prometheus' | 'loki' | 'tempo'
export type PanelQuery = {
  dashboard: string
  panelId: number
  panel: string
  datasource: Datasource
  datasourceUid: string
  expr: string
  needs?: string
}

type PanelJson = {
  id: number
  title: string
  datasource?: { uid: string }
  targets?: Array<Record<string, unknown> & { datasource?: { type: string; uid: string } }>
}

/** From the generated files (the provisioned JSON), so nothing escapes the checks. */
export function panelQueries(files = grafanaFiles()): PanelQuery[] {
  const out: PanelQuery[] = []
  for (const [path, content] of Object.entries(files)) {
    if (!path.startsWith('grafana/dashboards/')) continue
    const dashboard = JSON.parse(content) as { uid: string; panels: PanelJson[] }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const type = target.datasource?.type as Datasource
        out.push({
          dashboard: dashboard.uid,
          panelId: panel.id,
          panel: panel.title,
          datasource: type,
          datasourceUid: String(target.datasource?.uid),
          expr: String(type === 'tempo' ? target.query : target.expr),
          needs: DASHBOARDS.find((d) => d.uid === dashboard.uid)?.panels[panel.id - 1]?.needs,
        })
      }
    }
  }
  return out
}

export type RuleQuery = {
  uid: string
  title: string
  expr: string
  datasourceUid: string
  rule: Record<string, unknown>
}

export function ruleQueries(files = grafanaFiles()): RuleQuery[] {
  const rules = (
    parse(files['grafana/alerting/rules.yaml'] ?? '') as {
      groups: Array<{ rules: Array<Record<string, unknown>> }>
    }
  ).groups.flatMap((g) => g.rules)
  return rules.map((rule) => {
    const query = (
      rule.data as Array<{ refId: string; datasourceUid: string; model: { expr?: string } }>
    ).find((d) => d.refId === 'A')
    return {
      uid: String(rule.uid),
      title: String(rule.title),
      expr: String(query?.model.expr),
      datasourceUid: String(query?.datasourceUid),
      rule,
    }
  })
}

/** Provisioned datasource uids. */
export function datasourceUids(): string[] {
  const file = new URL('../provisioning/datasources/datasources.yaml', import.meta.url)
  return (
    parse(readFileSync(file, 'utf8')) as { datasources: Array<{ uid: string }> }
  ).datasources.map((d) => d.uid)
}

/** A dashboard query with its variables and Grafana's interval macros filled in, for Prometheus or Loki directly. */
export function concrete(expr: string, values: Record<string, string> = {}): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '10m')
    .replaceAll('$__auto', '1m')
    .replace(/\$([a-z_]+)/g, (_, name: string) => values[name] ?? '.*')
}
