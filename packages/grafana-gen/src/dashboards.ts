/** The kit's dashboards, one file each in dashboards/, built with the Grafana Foundation SDK. */
import { AGENT_OVERVIEW } from './dashboards/agent-overview.ts'
import { CANARY_DASHBOARD } from './dashboards/canary.ts'
import { CONVERSATION } from './dashboards/conversation.ts'
import { ERRORS } from './dashboards/errors.ts'
import { LATENCY_BUDGET } from './dashboards/latency-budget.ts'
import { LOGS } from './dashboards/logs.ts'
import type { DashboardSpec } from './dashboards/parts.ts'
import { PIPELINE } from './dashboards/pipeline.ts'
import { SERVICE_LEVELS } from './dashboards/service-levels.ts'
import { SPEND } from './dashboards/spend.ts'
import { SYSTEM } from './dashboards/system.ts'
import { TRACES_ERRORS } from './dashboards/traces-errors.ts'

export {
  buildDashboard,
  DATASOURCE_VARIABLES,
  DATASOURCES,
  type DashboardSpec,
  PANEL_DATASOURCES,
  type PanelSpec,
} from './dashboards/parts.ts'

export const DASHBOARDS: DashboardSpec[] = [
  AGENT_OVERVIEW,
  LATENCY_BUDGET,
  SERVICE_LEVELS,
  SPEND,
  TRACES_ERRORS,
  ERRORS,
  CONVERSATION,
  LOGS,
  SYSTEM,
  PIPELINE,
  CANARY_DASHBOARD,
]

/** Where each panel lives, for alert rules to link to (dashboard uid and panel id). */
export function panelRef(title: string): { dashboardUid: string; panelId: number } {
  for (const dashboard of DASHBOARDS) {
    const index = dashboard.panels.findIndex((p) => p.title === title)
    if (index >= 0) return { dashboardUid: dashboard.uid, panelId: index + 1 }
  }
  throw new Error(`no panel titled "${title}"`)
}
