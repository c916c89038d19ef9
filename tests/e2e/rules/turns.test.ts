import { labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import {
  checkRules,
  ENV,
  ERROR_RATE_RULE,
  FIRST_SPEECH_RULE,
  firstSpeechOf,
  inEnvironment,
  REJECTED_RULE,
  type RuleCase,
  rejected,
  turnsOf,
} from './cases.ts'

export const TURN_CASES: RuleCase[] = [
  {
    rule: ERROR_RATE_RULE,
    name: 'stays quiet at low volume: 1 failed turn out of 2',
    input: [turnsOf('production', 'ok', '0x20 1x20'), turnsOf('production', 'error', '0x20 1x20')],
    fires: null,
  },
  {
    rule: ERROR_RATE_RULE,
    name: 'fires for a failing production beside a busy, healthy staging of the same service',
    input: [
      turnsOf('production', 'ok', '0+2x40'),
      turnsOf('production', 'error', '0+1x40'),
      turnsOf('staging', 'ok', '0+100x40'),
    ],
    fires: { [labelName('service.name')]: DEFAULT_SERVICE_NAME, [ENV]: 'production' },
  },
  {
    rule: FIRST_SPEECH_RULE,
    name: 'first speech stays quiet when only failed turns (their apology) were slow',
    input: [...firstSpeechOf('ok', 10, 0), ...firstSpeechOf('error', 0, 10)],
    fires: null,
  },
  {
    rule: FIRST_SPEECH_RULE,
    name: 'first speech fires when successful turns are slow to speak',
    input: [...firstSpeechOf('ok', 1, 9)],
    fires: {
      [labelName('service.name')]: DEFAULT_SERVICE_NAME,
      [ENV]: 'production',
      [labelName(Attr.AgentName)]: 'echo',
    },
  },
  {
    rule: FIRST_SPEECH_RULE,
    name: 'first speech reads native histograms too: a slow service fires, a fast one stays quiet',
    input: [
      // 10 turns every 10 s, all in schema 0 bucket 2 ((2, 4] s) for one, bucket -1 for the other
      ...[
        ['python-slow', 2],
        ['python-fast', -1],
      ].map(([service, index]) =>
        series(
          seriesName('layercode.turn.time_to_first_speech'),
          {
            [labelName('service.name')]: String(service),
            [labelName('deployment.environment.name')]: 'production',
            [labelName(Attr.Outcome)]: 'ok',
            [labelName(Attr.AgentName)]: 'bakery',
            [labelName(Attr.EventType)]: 'message',
          },
          `{{schema:0 sum:0 count:0}}+{{schema:0 sum:30 count:10 offset:${index} buckets:[10]}}x40`,
        ),
      ),
    ],
    fires: {
      [labelName('service.name')]: 'python-slow',
      [ENV]: 'production',
      [labelName(Attr.AgentName)]: 'bakery',
    },
  },
  {
    rule: REJECTED_RULE,
    name: 'fires when a rotated secret refuses every webhook (turns stop, rejections go on)',
    // Turns until minute 2, then none: every webhook from then on is a mismatch.
    input: [
      turnsOf('production', 'ok', '0+3x12 36x28'),
      rejected('production', 'mismatch', '0x12 0+3x28'),
    ],
    fires: inEnvironment('production'),
  },
  {
    rule: REJECTED_RULE,
    name: 'fires for a clock off by more than the tolerance (stale), per environment',
    input: [
      turnsOf('production', 'ok', '0+3x40'),
      rejected('production', 'mismatch', '0x40'),
      rejected('staging', 'stale', '0+2x40'),
    ],
    fires: inEnvironment('staging'),
  },
  {
    rule: REJECTED_RULE,
    name: 'stays quiet for an occasional bad request beside real traffic',
    input: [
      turnsOf('production', 'ok', '0+3x40'),
      rejected('production', 'mismatch', '0x20 1x10 2x10'),
    ],
    fires: null,
  },
  {
    rule: REJECTED_RULE,
    name: 'stays quiet for a few refusals in a quiet hour, under the minimum',
    input: [rejected('production', 'mismatch', '0x10 1x10 3x10 5x10')],
    fires: null,
  },
  {
    rule: REJECTED_RULE,
    name: 'stays quiet for scanners (missing or malformed signatures), however many',
    input: [
      turnsOf('production', 'ok', '0x40'),
      rejected('production', 'missing', '0+20x40'),
      rejected('production', 'malformed', '0+20x40'),
    ],
    fires: null,
  },
]

checkRules('turn alerts', TURN_CASES)
