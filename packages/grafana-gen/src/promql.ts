/**
 * Layout for generated PromQL: rules are read in review and in Grafana's editor, so
 * expressions are built on lines of their own (no line over ~120 characters) instead of one
 * line thousands of characters long. Whitespace and newlines mean nothing to PromQL.
 */

/** Every line indented by two spaces (or `by`). */
export const indent = (text: string, by = 2) =>
  text
    .split('\n')
    .map((line) => (line ? ' '.repeat(by) + line : line))
    .join('\n')

/** `head (` argument lines `)`: an aggregation or function with its argument indented. */
export const block = (head: string, body: string) => `${head} (\n${indent(body)}\n)`

/** Operands with a binary operator (and its modifiers) on a line of its own between them. */
export const joined = (operator: string, ...operands: string[]) => operands.join(`\n${operator}\n`)

/** A parenthesised operand, for precedence. */
export const paren = (text: string) =>
  text.includes('\n') ? block('', text).trimStart() : `(${text})`

/** `{a, b}` from matchers, empty when there are none. */
export const braces = (matchers: readonly string[]) =>
  matchers.length > 0 ? `{${matchers.join(', ')}}` : ''

/** The longest line of a text, for the generated files' tests. */
export const longestLine = (text: string) =>
  Math.max(0, ...text.split('\n').map((line) => line.length))

/** Lines up to this long stay on one line; longer ones break (indentation comes on top). */
export const FIT = 84

/** `metric{a, b}`, or with one matcher a line when it would be long. */
export const selector = (metric: string, matchers: readonly string[], range = '') => {
  const one = `${metric}${braces(matchers)}${range}`
  if (one.length <= FIT || matchers.length < 2) return one
  return `${metric}{\n${matchers.map((m) => `  ${m}`).join(',\n')}\n}${range}`
}

/** `fn(arg)`, or the argument on lines of its own when long or multi-line. */
export const call = (fn: string, arg: string) =>
  !arg.includes('\n') && fn.length + arg.length + 2 <= FIT
    ? `${fn}(${arg})`
    : `${fn}(\n${indent(arg)}\n)`

/** `sum by (a, b) (arg)`, or the argument on lines of its own when long or multi-line. */
export const aggregate = (head: string, arg: string) =>
  !arg.includes('\n') && head.length + arg.length + 3 <= FIT ? `${head} (${arg})` : block(head, arg)

/** `fn by (labels)`, the labels on lines of their own when the clause would be long. */
export const by = (fn: string, labels: readonly string[]) => {
  const one = `${fn} by (${labels.join(', ')})`
  return one.length <= FIT ? one : `${fn} by (\n${labels.map((l) => `  ${l}`).join(',\n')}\n)`
}
