import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { alertConditions } from './conditions.ts'
import { alertIn, ConfigError, DEFAULT_CONFIG_FILE, parseKitConfig } from './config.ts'
import { grafanaFiles } from './generate.ts'
import { longestLine } from './promql.ts'
import { SLOTH_RULES_PATH, SLOTH_SPEC_PATH, specHash } from './slos.ts'

const TEXT = readFileSync(DEFAULT_CONFIG_FILE, 'utf8')
const parse = (text: string) => parseKitConfig(text, DEFAULT_CONFIG_FILE)
/** The line of the config text that holds `needle` (1-based). */
const lineOf = (text: string, needle: string) =>
  text.slice(0, text.indexOf(needle)).split('\n').length

describe('layercode-kit.yaml', () => {
  it('validates as shipped, staging overriding the error rate and the spend', () => {
    const config = parse(TEXT)
    assert.equal(alertIn(config, 'error_rate').threshold, 0.05)
    assert.equal(alertIn(config, 'error_rate', 'staging').threshold, 0.2)
    assert.equal(alertIn(config, 'error_rate', 'staging').min_turns, 20, 'the rest is the default')
    assert.equal(alertIn(config, 'spend_per_hour', 'production').threshold, 5)
  })

  it('changes the generated rule when a threshold changes', () => {
    const before = alertConditions(parse(TEXT)).errorRate
    const edited = TEXT.replace('    threshold: 0.05\n', '    threshold: 0.03\n')
    assert.notEqual(edited, TEXT)
    const after = alertConditions(parse(edited)).errorRate
    assert.match(before, /> 0\.05\n/)
    assert.match(after, /> 0\.03\n/)
    assert.doesNotMatch(after, /> 0\.05\n/)
    // Staging's own threshold stays in its own branch.
    assert.match(after, /deployment_environment_name="staging"[\s\S]*> 0\.2\n/)
  })

  it("divides the burn-rate alerts by the config's own error budget", () => {
    const edited = TEXT.replace('    objective: 0.995\n', '    objective: 0.99\n')
    assert.notEqual(edited, TEXT)
    const page = alertConditions(parse(edited)).burn['turn-success-page']
    assert.match(String(page), /ratio_rate1h\{sloth_id="layercode-turn-success"\} \/ 0\.01 > 14\.4/)
    assert.doesNotMatch(String(page), /\/ 0\.005 /)
  })

  it('gives a new environment override its own branch, and the others the defaults', () => {
    const edited = TEXT.replace(
      'environments:\n',
      'environments:\n  production:\n    latency_p95:\n      threshold: 1\n',
    )
    const latency = alertConditions(parse(edited)).latencyP95
    assert.match(latency, /deployment_environment_name!~"production"[\s\S]*\) > 2/)
    assert.match(latency, /deployment_environment_name="production"[\s\S]*\) > 1/)
  })

  for (const [what, from, to, expected] of [
    [
      'a wrong type',
      'threshold: 0.05',
      'threshold: 5%',
      /:13: alerts\.error_rate\.threshold: .*number/,
    ],
    [
      'an unknown key',
      '    min_turns: 20',
      '    min_turn: 20',
      /:14: unknown key "min_turn" in alerts\.error_rate/,
    ],
    [
      'a missing key',
      '  latency_p95:\n    threshold: 2\n',
      '  latency_p95:\n',
      /alerts\.latency_p95\.threshold/,
    ],
    [
      'a bad duration',
      '    group_wait: 10s',
      '    group_wait: soon',
      /notifications\.critical\.group_wait: a Prometheus duration/,
    ],
    ['a share over 1', 'threshold: 0.05', 'threshold: 5', /alerts\.error_rate\.threshold: .*1/],
    [
      'an unknown alert under an environment',
      '    error_rate:\n      threshold: 0.2',
      '    error_rates:\n      threshold: 0.2',
      /unknown key "error_rates" in environments\.staging/,
    ],
    [
      'a threshold off the histogram buckets',
      'within_seconds: 1.5',
      'within_seconds: 1.4',
      /slos\.first_speech\.within_seconds: one of the latency buckets/,
    ],
    [
      'a price table that is not there',
      'prices: packages/telemetry/prices.json',
      'prices: nowhere.json',
      /prices: no price table at .*nowhere\.json/,
    ],
    ['broken YAML', 'alerts:\n', 'alerts:\n  - [\n', /not valid YAML/],
  ] as const) {
    it(`fails on ${what} with the line and the key`, () => {
      const text = TEXT.replace(from, to)
      assert.notEqual(text, TEXT, what)
      assert.throws(
        () => parse(text),
        (error: Error) => {
          assert.ok(error instanceof ConfigError, error.message)
          assert.match(error.message, expected)
          assert.match(error.message, /layercode-kit\.yaml:\d+: /)
          return true
        },
      )
    })
  }

  it('names the line of the offending value', () => {
    const text = TEXT.replace('threshold: 0.05', 'threshold: "high"')
    assert.throws(
      () => parse(text),
      new RegExp(
        `layercode-kit\\.yaml:${lineOf(text, 'threshold: "high"')}: alerts\\.error_rate\\.threshold`,
      ),
    )
  })
})

describe('generated rule files', () => {
  const files = grafanaFiles()
  const rules = Object.entries(files).filter(([path]) =>
    /^(grafana\/alerting|prometheus\/(rules|alerts|slo))\//.test(path),
  )

  it("keep every line within ~120 characters, Sloth's included", () => {
    assert.ok(rules.length >= 4)
    for (const [path, text] of [
      ...rules,
      [
        SLOTH_RULES_PATH,
        readFileSync(new URL(`../../../${SLOTH_RULES_PATH}`, import.meta.url), 'utf8'),
      ] as const,
    ])
      assert.ok(longestLine(text) <= 121, `${path}: a line of ${longestLine(text)} characters`)
  })

  it('ship Sloth rules made from the current spec (run npm run slo after changing the objectives)', () => {
    const spec = files[SLOTH_SPEC_PATH] ?? ''
    const rules = readFileSync(new URL(`../../../${SLOTH_RULES_PATH}`, import.meta.url), 'utf8')
    assert.ok(rules.includes(specHash(spec)), `${SLOTH_RULES_PATH} was made from another spec`)
  })
})

describe('dashboards', () => {
  it('hard-code no datasource uid outside the datasource variables, so any Grafana imports them', () => {
    const files = grafanaFiles()
    const dashboards = Object.entries(files).filter(([path]) =>
      path.startsWith('grafana/dashboards/'),
    )
    assert.ok(dashboards.length >= 10)
    for (const [path, text] of dashboards) {
      const json = JSON.parse(text) as { templating?: { list?: unknown[] } }
      const { templating, ...rest } = json
      const uids: string[] = []
      const walk = (value: unknown) => {
        if (Array.isArray(value)) value.forEach(walk)
        else if (value && typeof value === 'object')
          for (const [key, inner] of Object.entries(value)) {
            if (key === 'uid' && typeof inner === 'string') uids.push(inner)
            walk(inner)
          }
      }
      walk(rest)
      // The variables themselves: only their defaults (`current`) name a uid.
      for (const variable of templating?.list ?? []) {
        const { current: _default, ...definition } = variable as { current?: unknown }
        walk(definition)
      }
      const dashboardUid = (json as { uid?: string }).uid
      for (const uid of uids.filter((u) => u !== dashboardUid))
        assert.match(uid, /^\$\{ds_(prometheus|loki|tempo)\}$|^-- Grafana --$/, `${path}: ${uid}`)
      // Explore links name the datasource through the variable too.
      assert.doesNotMatch(text, /%22uid%22%3A%22(prometheus|loki|tempo)%22/, path)
    }
  })
})
