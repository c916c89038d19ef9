import { labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr } from '@layercode-kit/telemetry'
import { checkPanels, series, sessions } from './cases.ts'

checkPanels('panels across restarts', [
  {
    name: 'heap used shows only the live instance after a restart, not its predecessor',
    title: 'Heap used',
    input: [
      series(
        seriesName('v8js.memory.heap.used'),
        {
          [labelName('service.instance.id')]: 'before-restart',
          v8js_heap_space_name: 'old_space',
        },
        '5000x30 _x30',
      ),
      series(
        seriesName('v8js.memory.heap.used'),
        {
          [labelName('service.instance.id')]: 'after-restart',
          v8js_heap_space_name: 'old_space',
        },
        '_x12 3000x48',
      ),
    ],
    samples: [{ labels: `{${labelName('service.instance.id')}="after-restart"}`, value: 3000 }],
  },
  {
    name: 'active sessions count only the live instance after a restart',
    title: 'Active sessions',
    input: [sessions('before-restart', '3x30 _x30'), sessions('after-restart', '_x12 1x48')],
    samples: [{ labels: `{${labelName(Attr.AgentName)}="echo"}`, value: 1 }],
  },
])
