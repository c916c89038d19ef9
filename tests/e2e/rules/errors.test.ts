import { CONFIG, labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { series } from '../../lib/promtool.ts'
import { checkRules, inEnvironment, minuteCase, type RuleCase } from './cases.ts'

export const ERROR_CASES: RuleCase[] = []
// The errors inbox's alerts (recording.ts: layercode-errors), on the counter and the first /
// last-seen gauges each process reports (Unix seconds; promtool's clock starts at 0).
{
  const kind = {
    [labelName(Attr.ErrorFingerprint)]: '072c43f154851d4c',
    [labelName(Attr.ErrorType)]: 'Error',
    [labelName(Attr.ErrorMessage)]: 'order <n> failed: kitchen closed',
  }
  const fires = (environment = 'production') => ({ ...inEnvironment(environment), ...kind })
  const errorSeries = (
    values: { count: string; first: string; last: string },
    environment = 'production',
    extra: Record<string, string> = {},
  ) => {
    const labels = {
      ...inEnvironment(environment),
      [labelName('service.version')]: '1.4.0',
      job: `layercode/${DEFAULT_SERVICE_NAME}`,
      instance: 'i1',
      ...kind,
      ...extra,
    }
    return [
      series(seriesName('layercode.errors'), labels, values.count),
      series(seriesName('layercode.error.first_seen'), labels, values.first),
      series(seriesName('layercode.error.last_seen'), labels, values.last),
    ]
  }
  const NEW = 'layercode-new-error'
  const REGRESSION = 'layercode-error-regression'
  /** A kind first counted at 180 s (its first sample already holds one), then 2 more. */
  const newKind = { count: '_x18 1 2 3x10', first: '_x18 180x12', last: '_x18 180 190 200x10' }
  /** Errors from the start and all along: a kind seen 20 minutes ago is no longer new. */
  const recurring = { count: '1+1x130', first: '0x130', last: '0+10x130' }
  /** Minutes 0-2, then nothing for 24.9 hours, then 4 more at minutes 1497-1500. */
  const back = (last: string, count = '1+1x2 3x1493 4+1x3') => ({
    count,
    first: '0x1500',
    last,
  })
  const absent = '0+60x2 120x1493 89820+60x3'
  ERROR_CASES.push(
    {
      rule: NEW,
      name: 'fires for a kind never seen before',
      input: errorSeries(newKind),
      fires: fires(),
    },
    {
      rule: NEW,
      name: 'stays quiet for a kind seen for 20 minutes',
      input: errorSeries(recurring),
      fires: null,
      at: '20m',
    },
    {
      rule: NEW,
      name: 'stays quiet for a new kind that occurred once (under min_occurrences)',
      input: errorSeries({ ...newKind, count: '_x18 1x12' }),
      fires: null,
    },
    {
      rule: NEW,
      name: 'fires in the environment where the kind is new, not where it recurs',
      input: [
        // First counted at 18 minutes in production; in staging all along.
        ...errorSeries(
          { count: '_x108 1 2 3x20', first: '_x108 1080x22', last: '_x108 1080 1090 1100x20' },
          'production',
        ),
        ...errorSeries(recurring, 'staging'),
      ],
      fires: fires('production'),
      at: '20m',
    },
    {
      rule: NEW,
      name: 'stays quiet for a new kind in synthetic traffic only',
      input: errorSeries(newKind, 'production', { [labelName(Attr.Synthetic)]: 'true' }),
      fires: null,
    },
    minuteCase(
      REGRESSION,
      `fires for a kind back after ${CONFIG.alerts.error_regression.absent_for} without it`,
      errorSeries(back(absent)),
      1500,
      fires(),
    ),
    minuteCase(
      REGRESSION,
      'stays quiet for a kind last seen under 24 hours ago',
      errorSeries(back('0+60x2 120x797 48000x695 89820+60x3')),
      1500,
    ),
    minuteCase(
      REGRESSION,
      'stays quiet for a kind back with one error (under min_occurrences)',
      errorSeries(back(absent, '1+1x2 3x1493 4x4')),
      1500,
    ),
    minuteCase(
      REGRESSION,
      'fires in the environment where the kind is back, not where it never left',
      [
        ...errorSeries(back(absent), 'production'),
        ...errorSeries({ count: '1+1x1500', first: '0x1500', last: '0+60x1500' }, 'staging'),
      ],
      1500,
      fires('production'),
    ),
    {
      rule: REGRESSION,
      name: 'stays quiet for a new kind (never seen before is not back)',
      input: errorSeries(newKind),
      fires: null,
    },
  )
}

checkRules('errors inbox alerts', ERROR_CASES)
