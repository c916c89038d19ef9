import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { METRICS, prometheusLabel, prometheusName, prometheusSeries, SPANS } from './contract.ts'

describe('prometheusName (UnderscoreEscapingWithSuffixes)', () => {
  it('adds unit suffixes, _total to counters, and nothing for annotations', () => {
    const cases: Array<
      [string, 'histogram' | 'counter' | 'updowncounter' | 'gauge', string, string]
    > = [
      ['http.server.request.duration', 'histogram', 's', 'http_server_request_duration_seconds'],
      ['gen_ai.client.token.usage', 'histogram', '{token}', 'gen_ai_client_token_usage'],
      ['layercode.tool.calls', 'counter', '{call}', 'layercode_tool_calls_total'],
      ['process.cpu.time', 'counter', 's', 'process_cpu_time_seconds_total'],
      ['v8js.memory.heap.used', 'gauge', 'By', 'v8js_memory_heap_used_bytes'],
      ['v8js.memory.heap.space.size', 'updowncounter', 'By', 'v8js_memory_heap_space_size_bytes'],
      ['nodejs.eventloop.utilization', 'gauge', '1', 'nodejs_eventloop_utilization_ratio'],
      ['http.server.active_requests', 'updowncounter', '', 'http_server_active_requests'],
      ['already_seconds', 'gauge', 's', 'already_seconds'],
    ]
    for (const [name, instrument, unit, expected] of cases) {
      assert.equal(prometheusName({ name, instrument, unit }), expected, name)
    }
  })

  it('splits histograms into bucket, sum and count', () => {
    assert.deepEqual(
      prometheusSeries({ name: 'layercode.turn.duration', instrument: 'histogram', unit: 's' }),
      [
        'layercode_turn_duration_seconds_bucket',
        'layercode_turn_duration_seconds_sum',
        'layercode_turn_duration_seconds_count',
      ],
    )
    assert.equal(prometheusLabel('gen_ai.agent.name'), 'gen_ai_agent_name')
  })
})

describe('the contract itself', () => {
  it('has unique metric and span names, and kit metrics all carry units and descriptions', () => {
    assert.equal(new Set(METRICS.map((m) => m.name)).size, METRICS.length)
    assert.equal(
      new Set(METRICS.map((m) => prometheusName(m))).size,
      METRICS.length,
      'no two metrics share a series name',
    )
    assert.equal(new Set(SPANS.map((s) => s.id)).size, SPANS.length)
    for (const metric of METRICS.filter((m) => m.source === 'kit')) {
      assert.ok(metric.unit, `${metric.name} has a unit`)
      assert.ok(metric.description.length > 10, `${metric.name} has a description`)
    }
  })
})
