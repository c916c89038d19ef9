import { type Tool, tool } from 'ai'
import type { z } from 'zod'
import type { AgentTurn } from './types.ts'

export type ToolDefinition<I = unknown> = {
  description: string
  inputSchema: z.ZodType<I>
  execute(input: I): unknown
}

/** Checks a tool's `execute` against its schema, then erases the input type for `bindTools`. */
export function defineTool<I>(definition: ToolDefinition<I>): ToolDefinition {
  return definition as ToolDefinition
}

/**
 * Turns plain tool definitions into AI SDK tools bound to one turn: every call goes
 * through `turn.runTool`, and every result is also sent to the client as `response.data`.
 */
export function bindTools(
  turn: AgentTurn,
  definitions: Record<string, ToolDefinition>,
): Record<string, Tool> {
  const tools: Record<string, Tool> = {}
  for (const [name, definition] of Object.entries(definitions)) {
    const { description, inputSchema } = definition
    tools[name] = tool({
      description,
      inputSchema,
      execute: async (input: unknown, { toolCallId }: { toolCallId: string }) => {
        const result = await turn.runTool({ name, callId: toolCallId, input }, async () =>
          definition.execute(input),
        )
        turn.sendData({ tool: name, args: input, result })
        return result
      },
    })
  }
  return tools
}
