/** Without the wrapper, exactly the documented panels stay empty. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PYTHON_WITHOUT_WRAPPER } from '@layercode-kit/grafana-gen'
import { checker, harness, missing, PLAIN, panels, tAgent } from './scenario.ts'

describe('the Python toolkit without the wrapper', { skip: missing }, () => {
  it('without the wrapper, exactly the documented panels stay empty; the rest show the traffic', async () => {
    const plain = checker(PLAIN)
    const empty: string[] = []
    for (const p of panels) {
      const index = panels.filter((q) => q.panel === p.panel).indexOf(p)
      const result = await harness.query(plain.text(p.panel, index), tAgent)
      if (result.length === 0) empty.push(`${p.panel}#${index}`)
      else
        assert.ok(
          result.some((r) => Number(r.value[1]) > 0) || p.panel === 'Error rate',
          `${p.panel}#${index} shows only zeros: ${JSON.stringify(result)}`,
        )
    }
    assert.deepEqual(empty.sort(), Object.keys(PYTHON_WITHOUT_WRAPPER).sort())
  })
})
