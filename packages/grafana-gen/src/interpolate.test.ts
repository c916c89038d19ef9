import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { interpolate, rateIntervalSeconds, type TemplateVariable } from './interpolate.ts'

const all = (name: string, allValue?: string): TemplateVariable => ({
  name,
  type: 'query',
  includeAll: true,
  multi: true,
  ...(allValue === undefined ? {} : { allValue }),
})

describe("interpolate (Grafana's rules for the default selection)", () => {
  it('$__rate_interval is max(step + scrape interval, 4 x scrape interval)', () => {
    assert.equal(rateIntervalSeconds(10, 15), 40)
    assert.equal(rateIntervalSeconds(10, 60), 70)
    assert.equal(rateIntervalSeconds(60, 15), 240)
    assert.equal(
      interpolate('rate(x[$__rate_interval]) $__interval $__range $__auto', {
        scrapeIntervalS: 60,
        stepS: 30,
        rangeS: 3600,
      }),
      'rate(x[240s]) 30s 3600s 30s',
    )
  })

  it('"All" is the allValue, else the options joined as an escaped regex', () => {
    const variables = [all('env', '.+'), all('svc'), { name: 'conv', type: 'textbox', query: 'c1' }]
    assert.equal(
      // `${svc}`, Grafana's braced form, spelt without a template-looking literal.
      interpolate(`{e=~"$env", s=~"$${'{'}svc}"} | c=~"$conv"`, {
        variables,
        options: { svc: ['a.b', 'c|d'] },
      }),
      '{e=~".+", s=~"(a\\.b|c\\|d)"} | c=~"c1"',
    )
    assert.equal(interpolate('$svc', { variables, options: { svc: ['only'] } }), 'only')
    assert.equal(interpolate('$svc', { variables }), '()', 'no options: an empty group, as Grafana')
  })

  it('a variable set to one value is that value, regex-escaped (a textbox: as typed)', () => {
    const variables = [all('env', '.+'), { name: 'conv', type: 'textbox', query: 'c1' }]
    assert.equal(
      interpolate('{e=~"$env"} | c=~"$conv"', {
        variables,
        selected: { env: 'prod.eu', conv: 'c.2' },
      }),
      '{e=~"prod\\.eu"} | c=~"c.2"',
    )
  })

  it('refuses a variable the dashboard does not define', () => {
    assert.throws(() => interpolate('$nope'), /\$nope is not a variable/)
  })
})
