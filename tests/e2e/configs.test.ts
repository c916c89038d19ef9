import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { findBinaries } from '../../tools/binaries.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { rootPath } from '../stack/support.ts'

const run = promisify(execFile)
const missing = await nativeSuiteGuard('e2e config checks', { root: false })

describe('the shipped configs, checked by the real binaries', { skip: missing }, () => {
  it('otelcol validate passes on collector/config.yaml, with the collector built from the manifest', async () => {
    const { otelcol } = await findBinaries()
    // host_metrics checks that its root_path exists; in compose /hostfs is the host's / mounted.
    if (!existsSync('/hostfs')) mkdirSync('/hostfs')
    const { stdout, stderr } = await run(otelcol, [
      'validate',
      `--config=${rootPath('collector/config.yaml')}`,
    ])
    assert.doesNotMatch(stdout + stderr, /error/i)
    const components = (await run(otelcol, ['components'])).stdout
    for (const name of [
      'otlp',
      'host_metrics',
      'memory_limiter',
      'resource_detection',
      'transform',
      'redaction',
      'otlp_http',
      'file_storage',
      'health_check',
      'pprof',
      'zpages',
      'tail_sampling',
      'load_balancing',
    ]) {
      assert.match(components, new RegExp(`name: ${name}\\b`), name)
    }
  })

  for (const tier of ['gateway.yaml', 'sampler.yaml'])
    it(`otelcol validate passes on config.yaml + ${tier} (a tier of the scaled-out topology)`, async () => {
      const { otelcol } = await findBinaries()
      if (!existsSync('/hostfs')) mkdirSync('/hostfs')
      const { stdout, stderr } = await run(otelcol, [
        'validate',
        `--config=${rootPath('collector/config.yaml')}`,
        `--config=${rootPath(`collector/${tier}`)}`,
      ])
      assert.doesNotMatch(stdout + stderr, /error/i)
    })

  it('promtool check config passes on prometheus/prometheus.yml', async () => {
    const { promtool } = await findBinaries()
    const { stdout } = await run(promtool, [
      'check',
      'config',
      rootPath('prometheus/prometheus.yml'),
    ])
    assert.match(stdout, /SUCCESS/)
  })

  it('otelcol validate rejects a broken config (the check can fail)', async () => {
    const { otelcol } = await findBinaries()
    await assert.rejects(run(otelcol, ['validate', '--config=yaml:receivers::nope: {}']))
  })
})
