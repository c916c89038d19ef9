import { labelName, seriesName } from '@layercode-kit/grafana-gen'
import { Attr, DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { checkPanels, duration, latestTokens, native, tokens, toolDuration } from './cases.ts'

checkPanels('GenAI panels', [
  {
    name: 'tokens per minute: 10 input tokens/s is 600 a minute, per model and type',
    title: 'Tokens per minute by model',
    input: [tokens('input', '0+100x60')],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
        value: 600,
      },
    ],
  },
  {
    name: 'tokens per minute add a classic and a native histogram (Logfire, no agent label)',
    title: 'Tokens per minute by model',
    input: [
      tokens('input', '0+100x60'),
      native(
        seriesName('gen_ai.client.token.usage'),
        { [labelName(Attr.RequestModel)]: 'gpt-5-nano', [labelName(Attr.TokenType)]: 'input' },
        1,
        50,
        6,
      ),
    ],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
        value: 600,
      },
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-5-nano",${labelName(Attr.TokenType)}="input"}`,
        value: 300,
      },
    ],
  },
  {
    name: 'tokens per minute from the latest counters, typed by their names',
    title: 'Tokens per minute by model',
    input: [latestTokens('output', '0+100x60')],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="output"}`,
        value: 600,
      },
    ],
  },
  {
    name: 'tokens per minute count an app on both generations (/dup) once',
    title: 'Tokens per minute by model',
    input: [tokens('input', '0+100x60'), latestTokens('input', '0+100x60')],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
        value: 600,
      },
    ],
  },
  {
    name: 'tokens per minute add two apps on different generations',
    title: 'Tokens per minute by model',
    input: [tokens('input', '0+100x60', 'a'), latestTokens('input', '0+50x60', 'b')],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="gpt-4o-mini",${labelName(Attr.TokenType)}="input"}`,
        value: 900,
      },
    ],
  },
  {
    name: 'tokens in the last hour from the latest counters, an app on both once',
    title: 'Tokens in the last hour',
    input: [
      latestTokens('input', '0+100x500'),
      latestTokens('output', '0+20x500'),
      tokens('input', '0+100x500'),
      tokens('output', '0+20x500'),
    ],
    evalTime: '80m',
    samples: [{ labels: '{}', value: 43200 }],
  },
  {
    name: 'tokens in the last hour: 100 every 10 s is 36,000',
    title: 'Tokens in the last hour',
    input: [tokens('input', '0+100x500')],
    evalTime: '80m',
    samples: [{ labels: '{}', value: 36000 }],
  },
  {
    name: 'model call latency p95 reads either name, the legacy one for inference only',
    title: 'Model call latency p95',
    input: [
      // The latest name: every call of model A in (0.5, 0.75].
      ...duration('gen_ai.client.inference.duration', 'model-a', 'chat', '0.75'),
      // The legacy name: model B's chat calls in (0.75, 1]; its embeddings (not inference
      // under the latest names, which time them elsewhere) are left out.
      ...duration('gen_ai.client.operation.duration', 'model-b', 'chat', '1'),
      ...duration('gen_ai.client.operation.duration', 'model-b', 'embeddings', '3'),
    ],
    samples: [
      {
        labels: `{${labelName(Attr.RequestModel)}="model-a",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
        value: 0.7375,
      },
      {
        labels: `{${labelName(Attr.RequestModel)}="model-b",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
        value: 0.9875,
      },
    ],
  },
  {
    name: 'tool latency p95 reads gen_ai.execute_tool.duration as layercode.tool.duration',
    title: 'Tool latency p95 by tool',
    input: [
      ...toolDuration('layercode.tool.duration', 'list_menu', '0.3', 'a'),
      ...toolDuration('gen_ai.execute_tool.duration', 'place_order', '0.5', 'b'),
      // An app on both: its tool counted once, the same p95.
      ...toolDuration('layercode.tool.duration', 'list_menu', '0.3', 'c'),
      ...toolDuration('gen_ai.execute_tool.duration', 'list_menu', '0.3', 'c'),
    ],
    samples: [
      {
        labels: `{${labelName(Attr.ToolName)}="list_menu",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
        value: 0.295,
      },
      {
        labels: `{${labelName(Attr.ToolName)}="place_order",${labelName('service.name')}="${DEFAULT_SERVICE_NAME}"}`,
        value: 0.49,
      },
    ],
  },
])
