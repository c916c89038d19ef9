/** The generated alert rules: each one's query, labels, annotations and runbook. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ALERTS } from './alerts.ts'
import { DASHBOARDS } from './dashboards.ts'
import { grafanaFiles } from './generate.ts'
import { ruleQueries } from './inventory.ts'

const rules = ruleQueries()

describe('alert rules', () => {
  const dashboards = new Map(DASHBOARDS.map((d) => [d.uid, d]))

  it('carry summary, description, runbook_url, severity, for, keepFiringFor, and link to their panel', () => {
    const runbooks = JSON.parse(
      grafanaFiles()['grafana/dashboards/layercode-runbooks.json'] ?? '{}',
    ) as { panels: Array<{ id: number; title: string; options?: { content?: string } }> }
    for (const { rule, title } of rules) {
      const annotations = rule.annotations as Record<string, string>
      assert.deepEqual(Object.keys(annotations).sort(), ['description', 'runbook_url', 'summary'])
      for (const key of ['summary', 'description'])
        assert.ok(annotations[key] && annotations[key].length > 20, `${title}: ${key}`)
      // Grafana's own key, opening this alert's panel on the runbooks dashboard.
      const viewPanel = /^\/d\/layercode-runbooks\?viewPanel=panel-(\d+)$/.exec(
        annotations.runbook_url ?? '',
      )
      const runbook = runbooks.panels.find((p) => p.id === Number(viewPanel?.[1]))
      assert.equal(runbook?.title, title, `${title}: runbook_url ${annotations.runbook_url}`)
      for (const section of [
        'What it means',
        'First checks',
        'Dashboards and queries',
        'Silence it',
      ])
        assert.match(String(runbook?.options?.content), new RegExp(`## ${section}\n\n\\S`), title)
      assert.match(String((rule.labels as Record<string, string>).severity), /^(critical|warning)$/)
      assert.match(String(rule.for), /^\d+[smh]$/)
      assert.match(String(rule.keepFiringFor), /^\d+[smh]$/)
      const dashboard = dashboards.get(String(rule.dashboardUid))
      assert.ok(dashboard, `${title}: dashboard ${rule.dashboardUid}`)
      assert.ok(
        Number(rule.panelId) >= 1 && Number(rule.panelId) <= (dashboard?.panels.length ?? 0),
        `${title}: panel ${rule.panelId}`,
      )
      assert.equal(rule.condition, 'B')
      assert.equal(
        rule.noDataState,
        'OK',
        `${title}: no data means the threshold-inside query is quiet`,
      )
    }
    const severities = ALERTS.map((a) => [a.uid, a.severity])
    assert.deepEqual(Object.fromEntries(severities)['layercode-error-rate'], 'critical')
  })

  it('include the seed guide three: error rate > 5% critical, p95 > 2 s, tokens > 1M per hour', () => {
    const byUid = Object.fromEntries(rules.map((r) => [r.uid, r]))
    assert.match(String(byUid['layercode-error-rate']?.expr), /\n\s*> 0\.05\n\s*\)\n\s*and on /)
    assert.match(
      String(byUid['layercode-latency-p95']?.expr),
      /^histogram_quantile\(\n\s*0\.95,[\s\S]*\) > 2$/,
    )
    assert.match(String(byUid['layercode-token-usage']?.expr), /\) > 1000000$/)
  })
})
