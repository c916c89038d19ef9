import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ERROR_KIND_METADATA_KEY, FAULT_METADATA_KEY } from '@layercode-kit/telemetry'
import type { TurnEvent } from '../protocol/events.ts'
import { faultHandling, injectedErrorKind, injectedFault } from './faults.ts'

const message = (metadata: Record<string, unknown>) =>
  ({
    type: 'message',
    conversation_id: 'c',
    turn_id: 't',
    text: 'hi',
    custom_metadata: metadata,
  }) as unknown as TurnEvent

describe('fault injection', () => {
  it('honours a known fault only with injection on', () => {
    const asked = message({ [FAULT_METADATA_KEY]: 'error' })
    assert.equal(injectedFault({ faultInjection: true }, asked), 'error')
    assert.equal(injectedFault({ faultInjection: false }, asked), undefined)
    assert.equal(faultHandling({ faultInjection: false }, asked), 'ignored')
    assert.equal(
      injectedFault({ faultInjection: true }, message({ [FAULT_METADATA_KEY]: 'x' })),
      undefined,
    )
  })

  it('takes an error kind of letters, digits and _.- up to 64, nothing else', () => {
    const kind = (value: unknown) =>
      injectedErrorKind(
        message({ [FAULT_METADATA_KEY]: 'error', [ERROR_KIND_METADATA_KEY]: value }),
      )
    assert.equal(kind('drill-mj3k2x'), 'drill-mj3k2x')
    assert.equal(kind('a'.repeat(64)), 'a'.repeat(64))
    for (const bad of ['', 'a'.repeat(65), 'has space', 'quote"', 42, null, ['a']])
      assert.equal(kind(bad), undefined, JSON.stringify(bad))
  })
})
