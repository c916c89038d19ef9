/** The contact points and the notification policy, as the compose init service picks them. */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parse, parseDocument, Scalar, visit } from 'yaml'
import { CONTACT_POINTS, grafanaEnv } from './alerts.ts'
import { grafanaFiles } from './generate.ts'

describe('contact points and policy', () => {
  type ContactPoints = {
    contactPoints: Array<{
      name: string
      receivers: Array<{ uid: string; type: string; settings: Record<string, string> }>
    }>
  }
  const files = grafanaFiles()

  /**
   * What the compose init service picks for a given environment: its own contact-point lines
   * from docker-compose.yml, run by sh over the generated files in a temporary folder.
   */
  function picked(env: Record<string, string>): ContactPoints {
    const compose = parse(
      readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'),
    ) as { services: { init: { command: string[] } } }
    const lines = String(compose.services.init.command.at(-1))
      .split('\n')
      .filter((line) => line.includes('contact_points'))
      .map((line) => line.replaceAll('$$', '$'))
    assert.ok(lines.length >= 2, 'the init service picks a contact-point file')
    const dir = mkdtempSync(path.join(tmpdir(), 'init-'))
    mkdirSync(path.join(dir, 'src', 'contact-points'), { recursive: true })
    mkdirSync(path.join(dir, 'out'))
    for (const [file, content] of Object.entries(files))
      if (file.startsWith('grafana/alerting/contact-points/'))
        writeFileSync(path.join(dir, 'src', file.slice('grafana/alerting/'.length)), content)
    const script = lines
      .join('\n')
      .replaceAll('/alerting-src/', `${dir}/src/`)
      .replaceAll('/provisioning/alerting/', `${dir}/out/`)
    execFileSync('sh', ['-ec', script], { env: { PATH: process.env.PATH, ...env } })
    const out = parse(readFileSync(path.join(dir, 'out', 'contact-points.yaml'), 'utf8'))
    rmSync(dir, { recursive: true })
    return out as ContactPoints
  }

  it('e-mail always; Slack, the webhook and the pager only when their URL is set; the pager only for critical', () => {
    for (const [env, critical, warning] of [
      [{}, ['email'], ['email']],
      [{ SLACK_WEBHOOK_URL: 'https://x' }, ['email', 'slack'], ['email', 'slack']],
      [{ ALERT_WEBHOOK_URL: 'https://x' }, ['email', 'webhook'], ['email', 'webhook']],
      [{ ALERT_PAGER_WEBHOOK_URL: 'https://x' }, ['email', 'pager'], ['email']],
      [
        { SLACK_WEBHOOK_URL: 'a', ALERT_WEBHOOK_URL: 'b', ALERT_PAGER_WEBHOOK_URL: 'c' },
        ['email', 'slack', 'webhook', 'pager'],
        ['email', 'slack', 'webhook'],
      ],
    ] as const) {
      const points = Object.fromEntries(
        picked(env).contactPoints.map((p) => [
          p.name,
          p.receivers.map((r) => r.uid.split('-').at(-1)),
        ]),
      )
      assert.deepEqual(points[CONTACT_POINTS.critical], critical, JSON.stringify(env))
      assert.deepEqual(points[CONTACT_POINTS.warning], warning, JSON.stringify(env))
    }
    const all = picked({
      SLACK_WEBHOOK_URL: 'a',
      ALERT_WEBHOOK_URL: 'b',
      ALERT_PAGER_WEBHOOK_URL: 'c',
    })
    const critical = all.contactPoints.find((p) => p.name === CONTACT_POINTS.critical)?.receivers
    assert.equal(critical?.[0]?.settings.addresses, grafanaEnv('ALERT_EMAIL_TO'))
    assert.equal(critical?.[1]?.settings.url, grafanaEnv('SLACK_WEBHOOK_URL'))
    assert.equal(critical?.[2]?.settings.url, grafanaEnv('ALERT_WEBHOOK_URL'))
    assert.equal(critical?.[3]?.settings.url, grafanaEnv('ALERT_PAGER_WEBHOOK_URL'))
    const uids = all.contactPoints.flatMap((p) => p.receivers.map((r) => r.uid))
    assert.equal(new Set(uids).size, uids.length, 'receiver uids are unique')
  })

  it('quote every matcher operator, so YAML 1.1 tools read the policy too', () => {
    const text = grafanaFiles()['grafana/alerting/policies.yaml'] ?? ''
    const operators: Scalar[] = []
    visit(parseDocument(text), {
      Seq(_, node) {
        const [, op] = node.items
        if (
          node.items.length === 3 &&
          op instanceof Scalar &&
          /^[=!]~?$|^=~$/.test(String(op.value))
        )
          operators.push(op)
      },
    })
    assert.ok(operators.length >= 2)
    for (const op of operators) assert.equal(op.type, Scalar.QUOTE_DOUBLE, String(op.value))
  })

  it('routes by severity, grouped by alertname, with sane repeat intervals', () => {
    const { policies } = parse(grafanaFiles()['grafana/alerting/policies.yaml'] ?? '') as {
      policies: Array<{
        receiver: string
        group_by: string[]
        repeat_interval: string
        routes: Array<{ object_matchers: string[][]; repeat_interval: string }>
      }>
    }
    const [policy] = policies
    assert.equal(policy?.receiver, CONTACT_POINTS.warning)
    assert.deepEqual(
      policy?.routes.map((r) => (r as unknown as { receiver: string }).receiver),
      [CONTACT_POINTS.critical, CONTACT_POINTS.warning],
      'critical and warning reach separately configured contact points',
    )
    assert.ok(policy?.group_by.includes('alertname'))
    assert.deepEqual(
      policy?.routes.map((r) => r.object_matchers[0]),
      [
        ['severity', '=', 'critical'],
        ['severity', '=', 'warning'],
      ],
    )
    assert.deepEqual(
      policy?.routes.map((r) => r.repeat_interval),
      ['1h', '4h'],
    )
  })
})
