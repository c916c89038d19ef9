import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { DEV_WEBHOOK_SECRET } from '@layercode-kit/protocol'
import { CONFIG_VARIABLES, loadConfig } from './config.ts'
import { AgentError } from './errors.ts'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({})
    assert.equal(config.agent, 'starter')
    assert.equal(config.port, 8000)
    assert.equal(config.agentRoute, '/api/agent')
    assert.equal(config.authorizeRoute, '/api/authorize')
    assert.equal(config.bodyLimitBytes, 1024 * 1024)
    assert.equal(config.log.level, 'info')
    assert.equal(config.log.maxSize, '500m')
    assert.equal(config.log.maxFiles, '10d')
    assert.equal(config.faultInjection, false)
    assert.equal(config.appEnv, 'development')
    assert.equal(config.webhookSecret, DEV_WEBHOOK_SECRET, 'development runs with no .env')
    assert.equal(config.devWebhookSecret, true)
  })

  it('falls back to the development secret in development only, and says when it is in use', () => {
    for (const APP_ENV of ['production', 'staging', 'e2e'])
      assert.equal(loadConfig({ APP_ENV }).webhookSecret, undefined, APP_ENV)
    const own = loadConfig({ LAYERCODE_WEBHOOK_SECRET: 'whsec_mine' })
    assert.equal(own.webhookSecret, 'whsec_mine')
    assert.equal(own.devWebhookSecret, false)
    const set = loadConfig({ APP_ENV: 'production', LAYERCODE_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET })
    assert.equal(set.devWebhookSecret, true, 'the public value is flagged wherever it is set')
  })

  it('lets flags override the environment, and --verbose means debug', () => {
    const config = loadConfig(
      { AGENT: 'echo', PORT: '9000', LOG_LEVEL: 'warn', LAYERCODE_WEBHOOK_SECRET: '' },
      { agent: 'bakery', port: '9100', verbose: true, agentRoute: '/hook' },
    )
    assert.equal(config.agent, 'bakery')
    assert.equal(config.port, 9100)
    assert.equal(config.log.level, 'debug')
    assert.equal(config.agentRoute, '/hook')
    assert.equal(config.webhookSecret, DEV_WEBHOOK_SECRET, 'a blank secret counts as unset')
  })

  it('rejects bad values with the variable name', () => {
    for (const [env, name] of [
      [{ PORT: 'eighty' }, /PORT/],
      [{ AGENT: 'nope' }, /AGENT/],
      [{ AGENT_ROUTE: 'api' }, /AGENT_ROUTE: must start with/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ LOG_REDACT_PATTERN: '(' }, /LOG_REDACT_PATTERN/],
    ] as const) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof AgentError && name.test(error.message),
      )
    }
  })

  it('extends, never replaces, the secret key pattern', () => {
    const { secretKeyPattern } = loadConfig({ LOG_REDACT_PATTERN: '^x-tenant$' }).log
    assert.ok(secretKeyPattern.test('X-Tenant'))
    assert.ok(secretKeyPattern.test('authorization'))
  })
})

describe('.env.example', () => {
  it('documents every variable the agent reads', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
    for (const name of CONFIG_VARIABLES)
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} is documented`)
  })
})
