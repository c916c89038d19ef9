/**
 * The runbooks dashboard: one panel per alert rule, which each rule's runbook_url opens. The
 * text is docs/runbooks/<uid>.md (what it means, first checks, the dashboards and queries to
 * open, how to silence): edit it there, then `npm run rules`.
 */
import { readFileSync } from 'node:fs'
import { ALERTS, RUNBOOKS_DASHBOARD_UID } from './alerts.ts'
import { type DashboardSpec, panelRef } from './dashboards.ts'

/** docs/runbooks/<uid>.md, from the repository root. */
export const runbookPath = (uid: string) => `docs/runbooks/${uid}.md`

/** A runbook's Markdown without its title (the panel's own). */
export function runbookText(uid: string): string {
  const file = new URL(`../../../${runbookPath(uid)}`, import.meta.url)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new Error(`alert ${uid} has no runbook: write ${runbookPath(uid)}`)
  }
  return text.replace(/^# .*\n+/, '').trim()
}

export const RUNBOOKS: DashboardSpec = {
  uid: RUNBOOKS_DASHBOARD_UID,
  title: 'LayerCode alert runbooks',
  description: 'What each alert means and what to do when it fires (docs/runbooks/).',
  panels: ALERTS.map((alert) => {
    const { dashboardUid, panelId } = panelRef(alert.panel)
    return {
      title: alert.title,
      description: `Alert rule ${alert.uid} (${alert.severity}), from ${runbookPath(alert.uid)}.`,
      kind: 'text',
      datasource: 'prometheus',
      queries: [],
      height: 12,
      content: [
        `**Severity:** ${alert.severity} · **pending for** ${alert.for}`,
        '',
        runbookText(alert.uid),
        '',
        `[Open the panel "${alert.panel}"](/d/${dashboardUid}?viewPanel=panel-${panelId}) · [alert rule](/alerting/grafana/${alert.uid}/view)`,
      ].join('\n'),
    }
  }),
}
