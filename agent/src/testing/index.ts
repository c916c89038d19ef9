/** Test helpers for code that talks to the agent: an in-process server, the real process. */
export * from './agent-server.ts'
export * from './spawn-agent.ts'
