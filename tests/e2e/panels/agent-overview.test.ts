import { labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { checkPanels, firstSpeech, http, native, service, turns } from './cases.ts'

checkPanels('agent overview panels', [
  {
    name: 'success rate is 0, not "no data", when every turn fails',
    title: 'Turn success rate',
    input: [turns('error', '0+1x60')],
    samples: [{ labels: '{}', value: 0 }],
  },
  {
    name: 'success rate does not count abandoned turns as failures',
    title: 'Turn success rate',
    input: [turns('ok', '0+8x60'), turns('aborted', '0+2x60')],
    samples: [{ labels: '{}', value: 1 }],
  },
  {
    name: 'success rate is 75% for 3 ok turns to 1 failed',
    title: 'Turn success rate',
    input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
    samples: [{ labels: '{}', value: 0.75 }],
  },
  {
    name: 'error rate shows no value, not NaN, in a quiet period',
    title: 'Turn error rate',
    input: [turns('ok', '5x60'), turns('error', '1x60')],
    samples: [],
  },
  {
    name: 'time to first speech leaves out failed turns (their first chunk is the apology)',
    title: 'Time to first speech by agent',
    input: [
      firstSpeech('ok', '0.5', '0+10x60'),
      firstSpeech('ok', '+Inf', '0+10x60'),
      firstSpeech('error', '0.5', '0x60'),
      firstSpeech('error', '+Inf', '0+10x60'),
    ],
    // p50 of ok turns only, all within (0, 0.5]: linear interpolation gives 0.25.
    samples: [
      {
        labels: `{${labelName(Attr.AgentName)}="echo",${service(DEFAULT_SERVICE_NAME)}}`,
        value: 0.25,
      },
    ],
  },
  {
    name: 'requests per minute: 0.2 webhooks/s on one route is 12',
    title: 'Requests per minute',
    input: [http('200', undefined, '0+2x60')],
    samples: [{ labels: `{${labelName(Attr.HttpRoute)}="/api/agent"}`, value: 12 }],
  },
  {
    name: 'HTTP latency p50: every request under 100 ms interpolates to 50 ms',
    title: 'HTTP latency',
    input: ['0.1', '0.5', '+Inf'].map((le) => http('200', le, '0+10x60')),
    samples: [{ labels: `{${service(DEFAULT_SERVICE_NAME)}}`, value: 0.05 }],
  },
  {
    name: 'HTTP latency p50 per service, classic and native side by side: 50 ms and 2^-4.5 s',
    title: 'HTTP latency',
    input: [
      ...['0.1', '0.5', '+Inf'].map((le) => http('200', le, '0+10x60')),
      // every request of the native service in (2^-5, 2^-4] s: the median interpolates
      // exponentially inside that bucket, to its geometric middle
      native(
        seriesName('http.server.request.duration'),
        { [labelName(Attr.HttpRoute)]: '/api/agent', [labelName(Attr.HttpMethod)]: 'POST' },
        10,
        0.5,
        -4,
      ),
    ],
    samples: [
      { labels: `{${service(DEFAULT_SERVICE_NAME)}}`, value: 0.05 },
      // 2^-4.5, as Prometheus' float arithmetic gives it (one ulp from JavaScript's 2 ** -4.5)
      { labels: `{${service('server')}}`, value: 0.044194173824159216 },
    ],
  },
  {
    name: 'requests per minute and 5xx share count native histograms too',
    title: 'Requests per minute',
    input: [
      http('200', undefined, '0+2x60'),
      native(
        seriesName('http.server.request.duration'),
        { [labelName(Attr.HttpRoute)]: '/api/agent', [labelName(Attr.HttpMethod)]: 'POST' },
        3,
        0.3,
        -4,
      ),
    ],
    samples: [{ labels: `{${labelName(Attr.HttpRoute)}="/api/agent"}`, value: 30 }],
  },
  {
    name: 'HTTP 5xx share: 1 in 10 is 10%',
    title: 'Error rate',
    input: [http('200', undefined, '0+9x60'), http('500', undefined, '0+1x60')],
    samples: [{ labels: '{}', value: 0.1 }],
  },
  {
    name: 'turns by outcome: 0.3 ok and 0.1 failed per second are 18 and 6 a minute',
    title: 'Turns by outcome',
    input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
    samples: [
      { labels: `{${labelName(Attr.Outcome)}="error"}`, value: 6 },
      { labels: `{${labelName(Attr.Outcome)}="ok"}`, value: 18 },
    ],
  },
  {
    name: 'failed turns per minute is 0 by value, not "no data", when turns succeed',
    title: 'Failing turns per minute',
    input: [turns('ok', '0+3x60')],
    samples: [{ labels: '{}', value: 0 }],
  },
  {
    name: 'failed turns per minute shows no value, not a flat 0, where no turns are counted',
    title: 'Failing turns per minute',
    input: [http('200', undefined, '0+2x60')],
    samples: [],
  },
  {
    name: 'failed turns per minute: 0.1 failed/s is 6',
    title: 'Failing turns per minute',
    input: [turns('ok', '0+3x60'), turns('error', '0+1x60')],
    samples: [{ labels: '{}', value: 6 }],
  },
])
