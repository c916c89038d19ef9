import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { sendWebhook } from '@layercode-kit/protocol'
import { findBinaries } from '../../../tools/binaries.ts'
import { loadgenArgs } from '../../lib/expectations.ts'
import { nativeSuiteGuard } from '../../lib/guard.ts'
import { Harness } from '../../lib/harness.ts'

export const missing = await nativeSuiteGuard('native end-to-end suite')

/** OTLP/JSON for the collector, as an app of the user's would send it. */
export const str = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
})
/** A captured header as the HTTP conventions record it: a list of strings. */
export const strings = (key: string, value: string) => ({
  key,
  value: { arrayValue: { values: [{ stringValue: value }] } },
})
export const resource = (name: string) => ({ attributes: [str('service.name', name)] })
export const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')

export let harness: Harness

export let loadSummary: Record<string, unknown>

/** OTLP/JSON straight to the collector, as an app of the user's sends it. */
export const postOtlp = (path: string, body: unknown) =>
  fetch(harness.url('collector', 4318, path), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

before(async () => {
  if (missing) return
  harness = await Harness.start(await findBinaries())
  const authorize = fetch(harness.url('agent', 8000, '/api/authorize'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: 'ag_e2e' }),
  })
  loadSummary = await harness.loadgen(loadgenArgs())
  // A few canary conversations (tagged synthetic, one failing turn each): the Canary
  // dashboard's fields must exist in what Loki receives too.
  await harness.loadgen([
    '--synthetic',
    '--rate=1',
    '--duration=2',
    '--think-time=0',
    '--messages=2',
    '--fail-rate=0.5',
  ])
  // One webhook signed with another secret (a rotation on LayerCode's side only): refused,
  // and counted in layercode.webhook.rejections.
  const refused = await sendWebhook({
    url: harness.url('agent', 8000, '/api/agent'),
    secret: 'whsec_rotated_elsewhere_0001',
    body: { type: 'session.end', session_id: 's_refused', conversation_id: 'c_refused' },
  })
  assert.equal(refused.status, 401)
  assert.equal(
    (await authorize).status,
    404,
    "the upstream's answer (Prometheus standing in for LayerCode's API) is passed through",
  )
})

after(async () => {
  await harness?.stop()
})
