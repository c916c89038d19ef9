import type { Agent } from './types.ts'

/** No model: repeats the caller. Useful to test the pipe without any model latency. */
export function createEchoAgent(): Agent {
  return {
    name: 'echo',
    description: 'Repeats what the caller says (no model)',
    welcome: 'Welcome! I will repeat whatever you say.',
    async respond(turn) {
      const answer = `You said: ${turn.text}`
      turn.speak(answer)
      return [
        { role: 'user', content: turn.text },
        { role: 'assistant', content: answer },
      ]
    },
    onData: (data) => ({ received: data }),
  }
}
