import { streamModelReply } from './model-reply.ts'
import type { Agent } from './types.ts'

const SYSTEM = `You are a friendly voice assistant on a phone call.
Answer in one to three short sentences of plain speech: no lists, markdown or emoji.`

/** A general assistant that streams a model answer. */
export function createStarterAgent(): Agent {
  return {
    name: 'starter',
    description: 'A general voice assistant that streams a model answer',
    welcome: 'Hi there! How can I help today?',
    respond: (turn) => streamModelReply(turn, { system: SYSTEM }),
  }
}
