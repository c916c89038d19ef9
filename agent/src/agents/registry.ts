import { AgentError, AgentErrorCode } from '../errors.ts'
import { createBakeryAgent } from './bakery.ts'
import { createEchoAgent } from './echo.ts'
import { createSlowAgent } from './slow.ts'
import { createStarterAgent } from './starter.ts'
import type { Agent, AgentOptions } from './types.ts'

const factories = {
  echo: createEchoAgent,
  starter: createStarterAgent,
  bakery: createBakeryAgent,
  slow: createSlowAgent,
} as const satisfies Record<string, (options: AgentOptions) => Agent>

export type AgentName = keyof typeof factories
export const AGENT_NAMES = Object.keys(factories) as AgentName[]
export const DEFAULT_AGENT: AgentName = 'starter'

export function isAgentName(name: string): name is AgentName {
  return Object.hasOwn(factories, name)
}

export function createAgent(name: string, options: AgentOptions): Agent {
  if (!isAgentName(name)) {
    throw new AgentError(
      AgentErrorCode.UnknownAgent,
      `unknown agent "${name}"; choose one of ${AGENT_NAMES.join(', ')}`,
    )
  }
  return factories[name](options)
}

/** Name and description of every agent, for `list-agents`. */
export function describeAgents(
  options: AgentOptions,
): Array<{ name: string; description: string }> {
  return AGENT_NAMES.map((name) => {
    const { description } = factories[name](options)
    return { name, description }
  })
}
