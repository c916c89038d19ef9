import { budgetLeft, checkPanels, firstSpeech, sloLabels, speechCount, turns } from './cases.ts'

checkPanels('service level panels', [
  // Service levels. Burn rates over their own window (Sloth's 1 h and 6 h error ratios): 99
  // good turns a minute for 3 hours, 1 failure a minute in the last hour.
  ...[
    [0, '1h', 60 / 6_000 / 0.005],
    [1, '6h', 60 / 17_880 / 0.005],
  ].map(([query, window, value]) => ({
    name: `Turn success: burn rate #${query} over ${window} counts ${value}`,
    title: 'Turn success: burn rate',
    query: Number(query),
    evalTime: '180m',
    interval: '1m',
    input: [turns('ok', '0+99x180'), turns('error', '0x120 1+1x59')],
    samples: [
      { labels: sloLabels('turn-success', `, sloth_window="${window}"`), value: Number(value) },
    ],
  })),
  {
    // Sloth's period ratio is the mean of its 5-minute ratios: 1% all along spends twice the
    // 0.5% budget.
    name: 'turn success: 1% of turns failing all along leaves -100% of the budget',
    title: 'Turn success: error budget left',
    evalTime: '180m',
    interval: '1m',
    input: [turns('ok', '0+99x180'), turns('error', '0+1x180')],
    rounded: true,
    samples: [
      { labels: sloLabels('turn-success', ', sloth_window="30d"'), value: 1 - 0.01 / 0.005 },
    ],
  },
  {
    name: 'error budget left is 100%, not "no data", before any turn failed',
    title: 'Turn success: error budget left',
    input: [turns('ok', '0+10x60')],
    samples: [{ labels: budgetLeft('turn-success'), value: 1 }],
  },
  {
    name: 'first speech: 10% of turns slow to speak spend twice the budget; failed turns do not count',
    title: 'First speech within 1.5 s: error budget left',
    input: [
      firstSpeech('ok', '1.5', '0+9x60'),
      speechCount('ok', '0+10x60'),
      firstSpeech('error', '1.5', '0x60'),
      speechCount('error', '0+10x60'),
    ],
    rounded: true,
    samples: [{ labels: sloLabels('first-speech', ', sloth_window="30d"'), value: 1 - 0.1 / 0.05 }],
  },
])
