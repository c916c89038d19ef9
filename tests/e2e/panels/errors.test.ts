import { seriesName } from '@layercode-kit/grafana-gen'
import { checkPanels, errorKind, KIND } from './cases.ts'

checkPanels('errors inbox panels', [
  {
    name: 'errors inbox: a kind born in the range counts its first sample too',
    title: 'Errors inbox',
    input: [errorKind(seriesName('layercode.errors'), '_x10 2 3 5x40')],
    evalTime: '5m',
    samples: [{ labels: KIND, value: 5 }],
  },
  {
    name: 'errors inbox: a kind counted before the range counts only what the range added',
    title: 'Errors inbox',
    input: [errorKind(seriesName('layercode.errors'), '2x60 3+1x9')],
    evalTime: '690s',
    samples: [{ labels: KIND, value: 9 }],
  },
  {
    name: 'errors inbox: first and last seen as the processes report them, in ms',
    title: 'Errors inbox',
    query: 3,
    input: [
      errorKind(seriesName('layercode.error.first_seen'), '_x10 100x40'),
      errorKind(seriesName('layercode.error.last_seen'), '_x10 100 110 120x40'),
    ],
    evalTime: '5m',
    samples: [{ labels: KIND, value: 120_000 }],
  },
])
