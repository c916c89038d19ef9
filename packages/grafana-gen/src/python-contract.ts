/**
 * The contract as a Python module, for the kit's Python integration
 * (integrations/python/layercode_otel_kit/contract.py, written by `npm run docs`): the same
 * names in both languages, never retyped.
 */
import {
  Attr,
  CAPTURE_CONTENT_ENV,
  COST_BUCKETS_USD,
  CostItem,
  GENAI_CONTENT_ATTRIBUTES,
  GenAiOptIn,
  KIT_METRICS,
  LATENCY_BUCKETS_S,
  LOG_CONTEXT_FIELDS,
  LOGGED_HEADERS,
  MAX_ERROR_FINGERPRINTS,
  Operation,
  Outcome,
  OVERFLOW_FINGERPRINT,
  PRICES_FILE_ENV,
  SEMCONV_OPT_IN_ENV,
  SERVICE_NAME_OVERRIDE_ATTRIBUTE,
  SESSION_BUCKETS_S,
  SYNTHETIC_METADATA_KEY,
  TOKEN_BUCKETS,
  TokenModality,
  TURN_COUNT_BUCKETS,
} from '@layercode-kit/telemetry'

export const PYTHON_CONTRACT_PATH = 'integrations/python/layercode_otel_kit/contract.py'
/** The shipped price table, bundled with the Python wrapper by `npm run docs` (a copy, checked). */
export const PYTHON_PRICES_PATH = 'integrations/python/layercode_otel_kit/prices.json'
/** The shared fingerprint cases (packages/telemetry/fingerprint-cases.json), copied for its tests. */
export const PYTHON_FINGERPRINT_CASES_PATH = 'integrations/python/tests/fingerprint_cases.json'

// JSON string literals are valid Python string literals.
const str = (value: string) => JSON.stringify(value)
const constantName = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()
const namespace = (name: string, doc: string, values: Record<string, string>) =>
  [
    `class ${name}:`,
    `    """${doc}"""`,
    '',
    ...Object.entries(values).map(
      ([key, value]) => `    ${constantName(key)}: Final = ${str(value)}`,
    ),
  ].join('\n')
/** A tuple one item a line, with the trailing comma that keeps a formatter (ruff) from joining it. */
const tuple = (values: readonly (string | number)[], indent = '') => {
  const items = values.map((v) => (typeof v === 'string' ? str(v) : String(v)))
  return items.length === 1
    ? `(${items[0]},)`
    : `(\n${items.map((item) => `${indent}    ${item},\n`).join('')}${indent})`
}

export function renderPythonContract(): string {
  const metrics = KIT_METRICS.map((m) =>
    [
      `    ${str(m.name)}: MetricSpec(`,
      `        name=${str(m.name)},`,
      `        instrument=${str(m.instrument)},`,
      `        unit=${str(m.unit)},`,
      `        description=${str(m.description)},`,
      `        attributes=${tuple(m.attributes, '        ')},`,
      '    ),',
    ].join('\n'),
  )
  return `${[
    '"""The kit\'s telemetry contract for Python apps.',
    '',
    'Generated from packages/telemetry/src/contract.ts by `npm run docs`: do not edit.',
    '"""',
    '',
    'from __future__ import annotations',
    '',
    'from dataclasses import dataclass',
    'from typing import Final',
    '',
    '',
    namespace('Attr', 'Span, metric and log attribute names.', Attr),
    '',
    '',
    namespace('Outcome', 'Values of layercode.outcome.', Outcome),
    '',
    '',
    namespace('Operation', 'Values of gen_ai.operation.name.', Operation),
    '',
    '',
    namespace('CostItem', 'Values of layercode.cost.item.', CostItem),
    '',
    '',
    namespace('TokenModality', 'Values of gen_ai.token.modality.', TokenModality),
    '',
    '',
    namespace('GenAiOptIn', `GenAI values of ${SEMCONV_OPT_IN_ENV}.`, GenAiOptIn),
    '',
    '',
    namespace(
      'Metric',
      'Names of the metrics the kit records.',
      Object.fromEntries(KIT_METRICS.map((m) => [m.name.replace(/[^a-zA-Z0-9]+/g, '_'), m.name])),
    ),
    '',
    '',
    '@dataclass(frozen=True)',
    'class MetricSpec:',
    '    name: str',
    '    instrument: str',
    '    unit: str',
    '    description: str',
    '    attributes: tuple[str, ...]',
    '',
    '',
    'METRICS: Final[dict[str, MetricSpec]] = {',
    ...metrics,
    '}',
    '',
    `LATENCY_BUCKETS_S: Final = ${tuple(LATENCY_BUCKETS_S)}`,
    `SESSION_BUCKETS_S: Final = ${tuple(SESSION_BUCKETS_S)}`,
    `TURN_COUNT_BUCKETS: Final = ${tuple(TURN_COUNT_BUCKETS)}`,
    `COST_BUCKETS_USD: Final = ${tuple(COST_BUCKETS_USD)}`,
    `TOKEN_BUCKETS: Final = ${tuple(TOKEN_BUCKETS)}`,
    `PRICES_FILE_ENV: Final = ${str(PRICES_FILE_ENV)}`,
    `LOG_CONTEXT_FIELDS: Final = ${tuple(LOG_CONTEXT_FIELDS)}`,
    `GENAI_CONTENT_ATTRIBUTES: Final = ${tuple(GENAI_CONTENT_ATTRIBUTES)}`,
    `SERVICE_NAME_OVERRIDE_ATTRIBUTE: Final = ${str(SERVICE_NAME_OVERRIDE_ATTRIBUTE)}`,
    `SYNTHETIC_METADATA_KEY: Final = ${str(SYNTHETIC_METADATA_KEY)}`,
    `CAPTURE_CONTENT_ENV: Final = ${str(CAPTURE_CONTENT_ENV)}`,
    `SEMCONV_OPT_IN_ENV: Final = ${str(SEMCONV_OPT_IN_ENV)}`,
    `MAX_ERROR_FINGERPRINTS: Final = ${MAX_ERROR_FINGERPRINTS}`,
    `OVERFLOW_FINGERPRINT: Final = ${str(OVERFLOW_FINGERPRINT)}`,
    `LOGGED_HEADERS: Final = ${tuple(LOGGED_HEADERS)}`,
  ].join('\n')}\n`
}
