/**
 * How deep a webhook or authorize body may nest. LayerCode's events are a few levels deep;
 * `custom_metadata` and `data` are the caller's own objects. A body nested thousands of
 * levels deep parses, but overflows the stack of whatever walks it next (validation,
 * JSON.stringify of the answer or of the forwarded body).
 */
export const MAX_JSON_DEPTH = 32

export type JsonParse =
  | { ok: true; value: unknown }
  | { ok: false; code: 'invalid_json' | 'too_deep'; message: string }

/**
 * The nesting depth of JSON text, by one pass over it (strings skipped), without parsing:
 * a hostile body is refused before anything recursive touches it.
 */
export function jsonDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth)
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return max
}

/** JSON.parse with a depth limit; the message says what is wrong, for a 400 answer. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): JsonParse {
  const depth = jsonDepth(text)
  if (depth > maxDepth)
    return {
      ok: false,
      code: 'too_deep',
      message: `body nests ${depth} levels deep; at most ${maxDepth} are allowed`,
    }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return {
      ok: false,
      code: 'invalid_json',
      message: `body is not valid JSON: ${(error as Error).message}`,
    }
  }
}
