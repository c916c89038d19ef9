/**
 * Fault injection for load tests and alert drills: a `message` asks with
 * `custom_metadata[FAULT_METADATA_KEY]`, and the agent honours it only with
 * AGENT_FAULT_INJECTION on. The kinds and names are the telemetry contract's.
 */
import {
  ERROR_KIND_METADATA_KEY,
  FAULT_METADATA_KEY,
  Fault,
  type FaultKind,
} from '@layercode-kit/telemetry'
import { customMetadata, type TurnEvent } from '../protocol/events.ts'

export type FaultSwitch = { faultInjection: boolean }

const FAULT_KINDS: readonly unknown[] = Object.values(Fault)

/** The fault this turn gets: asked for by a `message`, a known kind, and injection on. */
export function injectedFault(deps: FaultSwitch, event: TurnEvent): FaultKind | undefined {
  if (!deps.faultInjection || event.type !== 'message') return undefined
  const requested = customMetadata(event)[FAULT_METADATA_KEY]
  return FAULT_KINDS.includes(requested) ? (requested as FaultKind) : undefined
}

/** The kind an injected error is asked to be (ERROR_KIND_METADATA_KEY), when a valid one. */
export function injectedErrorKind(event: TurnEvent): string | undefined {
  const kind = customMetadata(event)[ERROR_KIND_METADATA_KEY]
  return typeof kind === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(kind) ? kind : undefined
}

/** What this agent does with the turn's fault request: undefined when there is none. */
export function faultHandling(
  deps: FaultSwitch,
  event: TurnEvent,
): 'injected' | 'ignored' | undefined {
  if (event.type !== 'message' || customMetadata(event)[FAULT_METADATA_KEY] === undefined)
    return undefined
  return injectedFault(deps, event) ? 'injected' : 'ignored'
}

/** How much a `tokens` fault multiplies the offline model's reported usage (a token-burst drill). */
export const TOKEN_BURST_MULTIPLIER = 5000
