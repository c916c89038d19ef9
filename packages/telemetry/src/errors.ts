/**
 * The errors inbox's side of recording a failure: each thrown error is identified once (its
 * fingerprint, type and normalized message, fingerprint.ts), counted once in `layercode.errors`
 * however many spans record it as it propagates, and once per conversation it touches.
 */
import type { Attributes } from '@opentelemetry/api'
import { Attr, MAX_ERROR_FINGERPRINTS, OVERFLOW_FINGERPRINT } from './contract.ts'
import { type ErrorIdentity, errorIdentity } from './fingerprint.ts'
import { instruments } from './instruments.ts'
import { trafficAttributes } from './synthetic.ts'

/** When each kind (and traffic: real or synthetic) was first and last counted, Unix seconds. */
const sightings = new Map<string, { attributes: Attributes; first: number; last: number }>()
/** The instruments whose gauges report the sightings (one set per MeterProvider). */
const observed = new WeakSet<object>()

function observeSightings(): void {
  const { errorFirstSeen, errorLastSeen } = instruments()
  if (observed.has(errorFirstSeen)) return
  observed.add(errorFirstSeen)
  errorFirstSeen.addCallback((result) => {
    for (const { attributes, first } of sightings.values()) result.observe(first, attributes)
  })
  errorLastSeen.addCallback((result) => {
    for (const { attributes, last } of sightings.values()) result.observe(last, attributes)
  })
}

const identities = new WeakMap<object, ErrorIdentity>()
const counted = new WeakSet<object>()
const known = new Set<string>()
/** (conversation, fingerprint) pairs already counted, oldest first; bounded. */
const touched = new Map<string, true>()
const MAX_TOUCHED = 10_000

/** The identity of an error (cached per error object: the same on every span it reaches). */
export function identifyError(error: unknown, type: string): ErrorIdentity {
  if (typeof error !== 'object' || error === null) return bounded(errorIdentity(error, type))
  let identity = identities.get(error)
  if (!identity) {
    identity = bounded(errorIdentity(error, type))
    identities.set(error, identity)
  }
  return identity
}

/** Past the limit of fingerprints, a new one is the overflow (its type and message too). */
function bounded(identity: ErrorIdentity): ErrorIdentity {
  if (known.has(identity.fingerprint)) return identity
  if (known.size < MAX_ERROR_FINGERPRINTS) {
    known.add(identity.fingerprint)
    return identity
  }
  return {
    type: OVERFLOW_FINGERPRINT,
    fingerprint: OVERFLOW_FINGERPRINT,
    message: OVERFLOW_FINGERPRINT,
  }
}

/**
 * Counts an error in the inbox, once per error object, and once per conversation it touches
 * (`conversationId`, when the failure happened inside one). Returns its identity.
 */
export function countError(
  error: unknown,
  type: string,
  conversationId?: string | undefined,
): ErrorIdentity {
  const identity = identifyError(error, type)
  const attributes = {
    [Attr.ErrorFingerprint]: identity.fingerprint,
    [Attr.ErrorType]: identity.type,
    [Attr.ErrorMessage]: identity.message,
  }
  const isObject = typeof error === 'object' && error !== null
  if (!isObject || !counted.has(error)) {
    if (isObject) counted.add(error)
    instruments().errors.add(1, attributes)
    const tagged = trafficAttributes(attributes)
    const key = JSON.stringify(tagged)
    const now = Date.now() / 1000
    const seen = sightings.get(key)
    if (seen) seen.last = now
    else sightings.set(key, { attributes: tagged, first: now, last: now })
    observeSightings()
  }
  if (conversationId) {
    const key = `${conversationId}\n${identity.fingerprint}`
    if (!touched.has(key)) {
      touched.set(key, true)
      if (touched.size > MAX_TOUCHED) touched.delete(touched.keys().next().value as string)
      instruments().errorConversations.add(1, attributes)
    }
  }
  return identity
}
