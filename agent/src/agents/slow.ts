import { setTimeout as sleep } from 'node:timers/promises'
import type { Agent, AgentOptions } from './types.ts'

/** Answers in three parts with progress data 0/50/100, like a long-running lookup. */
export function createSlowAgent(options: AgentOptions): Agent {
  return {
    name: 'slow',
    description: 'Answers in three parts with progress data 0/50/100, a pause between each',
    welcome: 'Hello! I take my time, but I always get there.',
    async respond(turn) {
      const parts = [
        `Let me look into "${turn.text}".`,
        'Still working on it, thanks for waiting.',
        'All done, here is your answer.',
      ]
      for (const [i, part] of parts.entries()) {
        if (i > 0) await sleep(options.slowDelayMs, undefined, { signal: turn.signal })
        turn.sendData({ progress: i * 50 })
        turn.speak(part)
      }
      return [
        { role: 'user', content: turn.text },
        { role: 'assistant', content: parts.join(' ') },
      ]
    },
  }
}
