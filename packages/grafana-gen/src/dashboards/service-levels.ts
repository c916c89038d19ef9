import { BURN_ALERTS, errorBudget, SLO_PANEL_QUERY, SLO_TARGETS, SLOS } from '../slos.ts'
import { type DashboardSpec, type PanelSpec, standardVariables, ts } from './parts.ts'

const legend = '{{service_name}} · {{deployment_environment_name}}'
const percent = (x: number) => `${Number((x * 100).toPrecision(6))}%`

const objectives = [
  '| objective | target | error budget |',
  '|---|---|---|',
  ...SLOS.map(
    (slo) =>
      `| **${slo.title}**: ${slo.description} | ${percent(slo.objective)} | ${percent(errorBudget(slo))} of the events |`,
  ),
  '',
  `A burn rate of 1 spends the budget exactly over ${SLO_TARGETS.windowDays} days. Alerts (multiwindow, multi-burn-rate) **page** when ${BURN_ALERTS.page.map((w) => `${w.factor}× holds over ${w.long} and ${w.short}`).join(', or ')}; they raise a **ticket** (a warning) when ${BURN_ALERTS.ticket.map((w) => `${w.factor}× holds over ${w.long} and ${w.short}`).join(', or ')}; each needs ${SLO_TARGETS.minEvents} events in its long window. Objectives are set in \`layercode-kit.yaml\` (then \`npm run rules\`); the budget and burn rates are Sloth's recorded series.`,
].join('\n')

/** Per objective: the budget left over the window, and the burn rate the page alerts watch. */
const sloPanels = SLOS.flatMap((slo): PanelSpec[] => [
  {
    title: `${slo.title}: error budget left`,
    description: `How much of the ${SLO_TARGETS.windowDays}-day error budget (${percent(errorBudget(slo))} of events may be bad) is left, per service and environment? Below 0 the objective (${percent(slo.objective)}) is missed.`,
    kind: 'stat',
    datasource: 'prometheus',
    unit: 'percentunit',
    width: 8,
    height: 8,
    queries: [{ expr: SLO_PANEL_QUERY.budgetLeft(slo), legend, instant: true }],
  },
  ts(
    `${slo.title}: burn rate`,
    `How fast is the budget burning, over the last hour and six hours? 1 spends it exactly in ${SLO_TARGETS.windowDays} days; the page alert fires at ${BURN_ALERTS.page.map((w) => `${w.factor}× (${w.long})`).join(' or ')}.`,
    'x',
    BURN_ALERTS.page.map((w) => ({
      expr: SLO_PANEL_QUERY.burnRate(slo, w.long),
      legend: `${legend} · ${w.long}`,
    })),
    { threshold: 1, width: 16 },
  ),
])

export const SERVICE_LEVELS: DashboardSpec = {
  uid: 'layercode-service-levels',
  title: 'LayerCode service levels',
  description: `Objectives over ${SLO_TARGETS.windowDays} days: turn success and time to first speech, with the error budget left and how fast it burns, per service and environment.`,
  // Objectives are per service and environment, not per agent.
  variables: standardVariables.slice(0, 2),
  panels: [
    {
      title: 'Objectives',
      description: 'What the objectives are and when their alerts fire.',
      kind: 'text',
      datasource: 'prometheus',
      queries: [],
      height: 6,
      content: objectives,
    },
    ...sloPanels,
  ],
}
