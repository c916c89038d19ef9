/** Every query of every generated panel and alert rule, for the checks and the end-to-end run. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { DASHBOARDS } from './dashboards.ts'
import { grafanaFiles } from './generate.ts'
import {
  type InterpolationContext,
  interpolate,
  SCRAPE_INTERVAL_S,
  type TemplateVariable,
} from './interpolate.ts'

export type Datasource = 'prometheus' | 'loki' | 'tempo'
export type PanelQuery = {
  dashboard: string
  panelId: number
  panel: string
  datasource: Datasource
  datasourceUid: string
  expr: string
  needs?: string
  /** The dashboard's variables, as provisioned. */
  variables: TemplateVariable[]
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
    const dashboard = JSON.parse(content) as {
      uid: string
      panels: PanelJson[]
      templating?: { list?: TemplateVariable[] }
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const type = target.datasource?.type as Datasource
        out.push({
          dashboard: dashboard.uid,
          panelId: panel.id,
          panel: panel.title,
          datasource: type,
          // The datasource variable's default: the provisioned uid.
          datasourceUid: interpolate(String(target.datasource?.uid), {
            variables: dashboard.templating?.list ?? [],
          }),
          expr: String(type === 'tempo' ? target.query : target.expr),
          needs: DASHBOARDS.find((d) => d.uid === dashboard.uid)?.panels[panel.id - 1]?.needs,
          variables: dashboard.templating?.list ?? [],
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
  const file = new URL(
    '../../../grafana/provisioning/datasources/datasources.yaml',
    import.meta.url,
  )
  return (
    parse(readFileSync(file, 'utf8')) as { datasources: Array<{ uid: string }> }
  ).datasources.map((d) => d.uid)
}

/**
 * A query as Grafana runs it for the dashboard's default selection ("All" everywhere), over
 * the last 10 minutes at a 50 s step ($__rate_interval 60 s with the scrape interval).
 * Alert rules have no variables.
 */
export function concrete(
  query: { expr: string; variables?: readonly TemplateVariable[] },
  context: InterpolationContext = {},
): string {
  return interpolate(query.expr, {
    scrapeIntervalS: SCRAPE_INTERVAL_S,
    stepS: 50,
    rangeS: 600,
    ...context,
    variables: query.variables ?? [],
  })
}
