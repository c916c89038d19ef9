import { alertIn, CONFIG, labelName, seriesName, THRESHOLD } from '@layercode-kit/grafana-gen'
import { Attr } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import {
  checkRules,
  ENV,
  fastTurnBurn,
  minuteCase,
  page,
  production,
  type RuleCase,
  SPEECH_SLO,
  slowTurnBurn,
  speechPerMinute,
  TURN_SLO,
  ticket,
  turnsPerMinute,
} from './cases.ts'

export const BURN_CASES: RuleCase[] = [
  // An hour at 60% of the budget, and at twice it.
  ...(
    [
      ['stays quiet under the budget', 0.6, null],
      ['fires over the budget, naming the service and environment', 2, production],
    ] as const
  ).map(([name, share, fires]) =>
    minuteCase(
      'layercode-spend',
      `spend ${name}: ${share * THRESHOLD.spendPerHourUsd} USD in the hour`,
      [
        series(
          seriesName('layercode.cost'),
          {
            ...production,
            [labelName(Attr.AgentName)]: 'echo',
            [labelName(Attr.CostItem)]: 'output',
            [labelName(Attr.RequestModel)]: 'gpt-4o',
          },
          `0+${(share * THRESHOLD.spendPerHourUsd) / 60}x60`,
        ),
        // Another environment's spend is not added to production's.
        series(
          seriesName('layercode.cost'),
          {
            ...production,
            [ENV]: 'staging',
            [labelName(Attr.AgentName)]: 'echo',
            [labelName(Attr.CostItem)]: 'tts',
          },
          `0+${(0.6 * alertIn(CONFIG, 'spend_per_hour', 'staging').threshold) / 60}x60`,
        ),
      ],
      60,
      fires,
    ),
  ),
  // Burn-rate alerts (slos.ts), a sample a minute: budget 0.5% of turns, 5% of first speeches.
  minuteCase(
    page(TURN_SLO),
    'turn success: a fast burn pages (1 in 3 turns failing for half an hour)',
    fastTurnBurn,
    70,
    production,
  ),
  minuteCase(
    ticket(TURN_SLO),
    'turn success: a fast burn pages, so it raises no ticket too',
    fastTurnBurn,
    70,
  ),
  minuteCase(
    ticket(TURN_SLO),
    'turn success: a slow burn (1% failing for 4 hours, 2x) raises a ticket',
    slowTurnBurn,
    240,
    production,
  ),
  minuteCase(page(TURN_SLO), 'turn success: a slow burn does not page', slowTurnBurn, 240),
  minuteCase(
    page(TURN_SLO),
    'turn success: no page once the burning stopped (45 min without failures)',
    [
      turnsPerMinute('production', 'ok', 60, 75),
      turnsPerMinute('production', 'error', 30, 75, 0, 30),
    ],
    75,
  ),
  ...[page(TURN_SLO), ticket(TURN_SLO)].flatMap((rule) => [
    // Both in the last 5 minutes, so only the minimum volume keeps it quiet.
    minuteCase(
      rule,
      `${rule}: a quiet service stays quiet (1 failed turn of 2 in hours)`,
      [
        turnsPerMinute('production', 'ok', 1, 240, 236, 237),
        turnsPerMinute('production', 'error', 1, 240, 238, 239),
      ],
      240,
    ),
    minuteCase(
      rule,
      `${rule}: a healthy service at volume stays quiet`,
      [turnsPerMinute('production', 'ok', 100, 240), turnsPerMinute('production', 'error', 0, 240)],
      240,
    ),
  ]),
  minuteCase(
    page(TURN_SLO),
    'turn success: a failing staging pages for staging only, beside a healthy production',
    [
      turnsPerMinute('production', 'ok', 100, 70),
      turnsPerMinute('staging', 'ok', 10, 70),
      turnsPerMinute('staging', 'error', 10, 70, 40),
    ],
    70,
    { ...production, [ENV]: 'staging' },
  ),
  minuteCase(
    page(SPEECH_SLO),
    'first speech: a fast burn pages (80% of turns slow to speak)',
    speechPerMinute(2, 8, 70),
    70,
    production,
  ),
  minuteCase(
    ticket(SPEECH_SLO),
    'first speech: a slow burn (20% slow, 4x) raises a ticket, not a page',
    speechPerMinute(8, 2, 240),
    240,
    production,
  ),
  minuteCase(
    page(SPEECH_SLO),
    'first speech: a slow burn does not page',
    speechPerMinute(8, 2, 240),
    240,
  ),
  ...[page(SPEECH_SLO), ticket(SPEECH_SLO)].map((rule) =>
    minuteCase(
      rule,
      `${rule}: quiet when only failed turns (their apology) are slow`,
      speechPerMinute(10, 0, 240),
      240,
    ),
  ),
  minuteCase(
    page(SPEECH_SLO),
    'first speech: native histograms too, a slow service pages and a fast one stays quiet',
    [
      ...[
        ['python-slow', 2],
        ['python-fast', -1],
      ].map(([service, index]) =>
        series(
          seriesName('layercode.turn.time_to_first_speech'),
          {
            [labelName('service.name')]: String(service),
            [ENV]: 'production',
            [labelName(Attr.Outcome)]: 'ok',
            [labelName(Attr.AgentName)]: 'bakery',
            [labelName(Attr.EventType)]: 'message',
          },
          `{{schema:0 sum:0 count:0}}+{{schema:0 sum:30 count:10 offset:${index} buckets:[10]}}x70`,
        ),
      ),
    ],
    70,
    { [labelName('service.name')]: 'python-slow', [ENV]: 'production' },
  ),
]

checkRules('spend and burn-rate alerts', BURN_CASES)
