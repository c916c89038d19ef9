/** The runbooks dashboard: one panel per alert rule, which each rule's runbook_url opens. */
import { ALERTS, RUNBOOKS_DASHBOARD_UID } from './alerts.ts'
import { type DashboardSpec, panelRef } from './dashboards.ts'

export const RUNBOOKS: DashboardSpec = {
  uid: RUNBOOKS_DASHBOARD_UID,
  title: 'LayerCode alert runbooks',
  description: 'What each alert means and what to do when it fires.',
  panels: ALERTS.map((alert) => {
    const { dashboardUid, panelId } = panelRef(alert.panel)
    return {
      title: alert.title,
      description: `Alert rule ${alert.uid} (${alert.severity}).`,
      kind: 'text',
      datasource: 'prometheus',
      queries: [],
      height: 7,
      content: [
        `**Severity:** ${alert.severity} · **pending for** ${alert.for}`,
        '',
        `**What it means.** ${alert.description}`,
        '',
        `**What to do.** ${alert.runbook}`,
        '',
        `[Open the panel "${alert.panel}"](/d/${dashboardUid}?viewPanel=panel-${panelId}) · [alert rule](/alerting/grafana/${alert.uid}/view)`,
      ].join('\n'),
    }
  }),
}
