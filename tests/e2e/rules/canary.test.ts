import { labelName } from '@layercode-kit/grafana-gen'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import {
  CANARY_RULE,
  canaryTurns,
  checkRules,
  ENV,
  ERROR_RATE_RULE,
  minuteCase,
  page,
  production,
  type RuleCase,
  TURN_SLO,
  turnsPerMinute,
} from './cases.ts'

export const CANARY_CASES: RuleCase[] = [
  minuteCase(
    CANARY_RULE,
    'canary stays quiet while its turns succeed, with no real traffic at all',
    [canaryTurns('production', 'ok', '0+4x30')],
    30,
  ),
  minuteCase(
    CANARY_RULE,
    'canary stays quiet where no canary ever ran (real turns only)',
    [turnsPerMinute('production', 'ok', 60, 30)],
    30,
  ),
  minuteCase(
    CANARY_RULE,
    'canary fires when its turns stop arriving (the agent still exports its counters)',
    [canaryTurns('production', 'ok', '0+4x22 88x8')],
    30,
    production,
  ),
  minuteCase(
    CANARY_RULE,
    'canary fires when its series vanish (the agent or the pipeline is gone)',
    [canaryTurns('production', 'ok', '0+4x20 _x10')],
    30,
    production,
  ),
  minuteCase(
    CANARY_RULE,
    'canary fires for 2 failed turns in 5 minutes while others succeed',
    [canaryTurns('production', 'ok', '0+3x30'), canaryTurns('production', 'error', '0x27 1 2 2')],
    30,
    production,
  ),
  minuteCase(
    CANARY_RULE,
    'canary stays quiet for a single failed turn',
    [canaryTurns('production', 'ok', '0+3x30'), canaryTurns('production', 'error', '0x27 1x3')],
    30,
  ),
  minuteCase(
    CANARY_RULE,
    'canary names the environment whose canary stopped, not the one whose canary runs',
    [canaryTurns('production', 'ok', '0+4x30'), canaryTurns('staging', 'ok', '0+4x20 80x10')],
    30,
    { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'staging' },
  ),
  minuteCase(
    ERROR_RATE_RULE,
    "the error rate ignores the canary's turns: a failing canary beside healthy callers",
    [turnsPerMinute('production', 'ok', 60, 30), canaryTurns('production', 'error', '0+20x30')],
    30,
  ),
  minuteCase(
    page(TURN_SLO),
    "the turn-success SLO ignores the canary's turns: no page for a failing canary",
    [turnsPerMinute('production', 'ok', 60, 70), canaryTurns('production', 'error', '0+20x70')],
    70,
  ),
  minuteCase(
    ERROR_RATE_RULE,
    'the error rate still fires for failing callers beside a healthy canary',
    [
      turnsPerMinute('production', 'ok', 60, 30),
      turnsPerMinute('production', 'error', 30, 30),
      canaryTurns('production', 'ok', '0+1000x30'),
    ],
    30,
    production,
  ),
]

checkRules('canary alert', CANARY_CASES)
