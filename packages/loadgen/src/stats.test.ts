import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { distribution, evenSpread, percentile } from './stats.ts'

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const samples = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10]
    assert.equal(percentile(samples, 50), 5)
    assert.equal(percentile(samples, 95), 10)
    assert.equal(percentile(samples, 0), 1)
    assert.equal(percentile([], 50), undefined)
  })

  it('summarizes a distribution', () => {
    assert.deepEqual(distribution([1, 2, 3, 4]), { count: 4, p50: 2, p95: 4, p99: 4, max: 4 })
  })
})

describe('evenSpread', () => {
  it('marks exactly the requested share, evenly', () => {
    const marked = (rate: number, n: number) => {
      const next = evenSpread(rate)
      return Array.from({ length: n }, next).filter(Boolean).length
    }
    assert.equal(marked(0.1, 100), 10)
    assert.equal(marked(0.25, 8), 2)
    assert.equal(marked(0, 50), 0)
    assert.equal(marked(1, 7), 7)
  })
})
