import { z } from 'zod'
import { streamModelReply } from './model-reply.ts'
import { bindTools, defineTool } from './tools.ts'
import type { Agent } from './types.ts'

export const BAKERY_MENU = [
  { item: 'croissant', price: 3.5 },
  { item: 'sourdough loaf', price: 7 },
  { item: 'cinnamon roll', price: 4.25 },
  { item: 'baguette', price: 3 },
  { item: 'carrot cake', price: 5.5 },
] as const
const ITEMS = BAKERY_MENU.map((entry) => entry.item) as [string, ...string[]]

const SYSTEM = `You are the voice assistant of a small bakery, on a phone call.
Use list_menu for questions about what we sell, make_order to place orders and
book_table to reserve a table. Answer in one to three short spoken sentences.`

const money = (n: number) => `$${n.toFixed(2)}`

/** A bakery assistant with three tools; each tool result is also sent as `response.data`. */
export function createBakeryAgent(): Agent {
  let nextOrder = 1000
  let nextBooking = 500
  const definitions = {
    list_menu: defineTool({
      description: 'List everything the bakery sells today, with prices.',
      inputSchema: z.object({}),
      execute: () => ({
        items: BAKERY_MENU,
        summary: `Today we have ${BAKERY_MENU.map((e) => `${e.item} for ${money(e.price)}`).join(', ')}.`,
      }),
    }),
    make_order: defineTool({
      description: 'Place an order for pickup.',
      inputSchema: z.object({
        items: z
          .array(z.object({ item: z.enum(ITEMS), quantity: z.number().int().min(1).max(100) }))
          .min(1),
      }),
      execute: ({ items }) => {
        const total = items.reduce(
          (sum, line) =>
            sum + line.quantity * (BAKERY_MENU.find((e) => e.item === line.item)?.price ?? 0),
          0,
        )
        const orderId = `order-${++nextOrder}`
        const lines = items.map((line) => `${line.quantity} ${line.item}`).join(' and ')
        return {
          orderId,
          items,
          total,
          summary: `Your order of ${lines} is placed, ${money(total)} in total.`,
        }
      },
    }),
    book_table: defineTool({
      description: 'Reserve a table in the cafe.',
      inputSchema: z.object({
        name: z.string().min(1).max(100),
        party_size: z.number().int().min(1).max(20),
        time: z.string().describe('24-hour time, e.g. 19:30'),
      }),
      execute: (input) => ({
        bookingId: `booking-${++nextBooking}`,
        ...input,
        summary: `A table for ${input.party_size} at ${input.time} is booked.`,
      }),
    }),
  }
  return {
    name: 'bakery',
    description: 'A bakery assistant with tools list_menu, make_order and book_table',
    welcome: 'Welcome to the bakery! You can ask about the menu, order, or book a table.',
    respond: (turn) =>
      streamModelReply(turn, { system: SYSTEM, tools: bindTools(turn, definitions) }),
  }
}
