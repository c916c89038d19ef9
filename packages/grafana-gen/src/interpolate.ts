/**
 * A dashboard query as Grafana sends it for the dashboard's default selection, so checks run
 * what a user's Grafana runs, not a hand-filled approximation. Grafana's rules
 * (public/app/features/templating/template_srv.ts and the Prometheus/Loki datasources):
 * - a multi-value variable left at "All" becomes its `allValue` when it has one, else its
 *   options joined as a regex, `(a|b)`, each value regex-escaped (one option: the value alone);
 * - a textbox variable becomes its default text (`query`), a datasource variable its default;
 * - a variable set to one value becomes that value, regex-escaped (the queries match with =~);
 * - `$__rate_interval` = max(`$__interval` + scrape interval, 4 x scrape interval), the scrape
 *   interval being the datasource's `timeInterval`; `$__interval` = the step;
 *   `$__range` = the dashboard's time range; `$__auto` (Loki) = the step.
 */
/**
 * Prometheus' scrape interval, the Prometheus datasource's `timeInterval` and the agent's
 * metric export interval, in seconds: they must agree (tests/stack/backends.test.ts).
 */
export const SCRAPE_INTERVAL_S = 10

export type TemplateVariable = {
  name: string
  type: string
  allValue?: string
  includeAll?: boolean
  multi?: boolean
  /** A textbox's default text. */
  query?: unknown
  /** A datasource variable's default (the provisioned uid). */
  current?: { value?: unknown }
}

export type InterpolationContext = {
  variables?: readonly TemplateVariable[]
  /** The values a query variable offers (what its label_values query returns). */
  options?: Record<string, readonly string[]>
  /** Variables set to one value instead of "All" (a user's pick in the dashboard). */
  selected?: Record<string, string>
  /** The datasource's timeInterval (= Prometheus' scrape interval here). */
  scrapeIntervalS?: number
  stepS?: number
  rangeS?: number
}

const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&')

function selectedValue(
  variable: TemplateVariable,
  options: readonly string[] | undefined,
  selected: string | undefined,
): string {
  if (selected !== undefined) return variable.type === 'textbox' ? selected : escapeRegex(selected)
  if (variable.type === 'textbox') return String(variable.query ?? '')
  if (variable.type === 'datasource') return String(variable.current?.value ?? '')
  if (variable.includeAll && variable.allValue !== undefined) return variable.allValue
  const values = (options ?? []).map(escapeRegex)
  return values.length === 1 ? (values[0] ?? '') : `(${values.join('|')})`
}

export function rateIntervalSeconds(scrapeIntervalS: number, stepS: number): number {
  return Math.max(stepS + scrapeIntervalS, 4 * scrapeIntervalS)
}

export function interpolate(expr: string, context: InterpolationContext = {}): string {
  const { scrapeIntervalS = SCRAPE_INTERVAL_S, stepS = 15, rangeS = 3600 } = context
  const builtins: Record<string, string> = {
    __rate_interval: `${rateIntervalSeconds(scrapeIntervalS, stepS)}s`,
    __interval: `${stepS}s`,
    __range: `${rangeS}s`,
    __auto: `${stepS}s`,
  }
  const variables = new Map((context.variables ?? []).map((v) => [v.name, v]))
  return expr.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, plain?: string, braced?: string) => {
    const name = plain ?? braced ?? ''
    const builtin = builtins[name]
    if (builtin !== undefined) return builtin
    const variable = variables.get(name)
    if (!variable) throw new Error(`${whole} is not a variable of this dashboard`)
    return selectedValue(variable, context.options?.[name], context.selected?.[name])
  })
}
