/**
 * layercode-create-app (PyPI) with Logfire, through the kit: one run of the scenario
 * (python/scenario.ts: the toolkit with and without the wrapper, the fake model, scripted
 * conversations), then the claims, one file per concern. Each claim file also runs alone.
 */
import './python/wrapper-units.test.ts'
import './python/traffic.test.ts'
import './python/agent-overview.test.ts'
import './python/spend.test.ts'
import './python/traces-and-logs.test.ts'
import './python/errors.test.ts'
import './python/without-wrapper.test.ts'
import './python/alerts.test.ts'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { missing, panels, wrapped } from './python/scenario.ts'

describe('the Python toolkit: coverage', { skip: missing }, () => {
  it('checked every agent panel for the Python service', () => {
    const all = panels.map(
      (p) => `${p.panel}#${panels.filter((q) => q.panel === p.panel).indexOf(p)}`,
    )
    assert.deepEqual(
      all.filter((k) => !wrapped.checked.has(k)),
      [],
    )
  })
})
