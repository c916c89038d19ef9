/**
 * Panel values under scripted traffic, on the real collector and Prometheus: one run of the
 * scenario (values/scenario.ts: two agent replicas, a warm-up, the scripted mix, the canary),
 * then the claims, one file per dashboard or concern. Each claim file also runs alone.
 */
import './values/traffic.test.ts'
import './values/agent-overview.test.ts'
import './values/service-levels.test.ts'
import './values/spend.test.ts'
import './values/latency-budget.test.ts'
import './values/errors.test.ts'
import './values/pipeline.test.ts'
import './values/system.test.ts'
import './values/canary.test.ts'
import './values/alerts.test.ts'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checked, missing, panels } from './values/scenario.ts'

describe('panel values under scripted traffic: coverage', { skip: missing }, () => {
  it('checked every Prometheus panel query (Tempo span metrics run in the compose suite)', () => {
    const all = new Set<string>()
    for (const p of panels) {
      const index = panels.filter((q) => q.panel === p.panel).indexOf(p)
      // The canary runs beside the traffic here: its panels must be checked too.
      if (!p.needs || p.needs === 'the canary') all.add(`${p.panel}#${index}`)
    }
    assert.deepEqual(
      [...all].filter((k) => !checked.has(k)),
      [],
    )
  })
})
