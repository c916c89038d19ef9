import { canaryTurns, checkPanels, SLO_LABELS, turns } from './cases.ts'

checkPanels('canary panels', [
  {
    name: "canary turns that failed is 0, not no data, while the canary's turns succeed",
    title: 'Canary turns that failed',
    input: [canaryTurns('ok', '0+4x60'), turns('error', '0+5x60')],
    samples: [{ labels: SLO_LABELS, value: 0 }],
  },
  {
    name: "canary panels count only the canary's turns: 2 failed of its own in 5 minutes",
    title: 'Canary turns that failed',
    input: [
      canaryTurns('ok', '0+4x60'),
      canaryTurns('error', '0x40 1x10 2x10'),
      turns('error', '0+5x60'),
    ],
    samples: [{ labels: SLO_LABELS, value: 2 }],
  },
])
