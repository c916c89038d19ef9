/**
 * Every query the dashboards and alert rules run, defined once. Metric and label names come
 * from the telemetry contract (packages/telemetry/src/contract.ts) or from the documented
 * self-metrics of the collector and Prometheus (SELF_METRICS), never typed twice.
 */
import {
  Attr,
  FIRST_SPEECH_PARTS,
  type KitMetricName,
  LOG_SYNTHETIC_FIELD,
  METRIC_EXPORT_INTERVAL_MS,
  metricSpec,
  prometheusLabel,
  prometheusName,
} from '@layercode-kit/telemetry'
import { CONFIG, type KitConfig } from './config.ts'
import { GENAI_PAIRS, type GenAiPair, genAiQuantile, genAiTokens } from './generations.ts'

/** A contract metric's Prometheus name. */
export const seriesName = (name: KitMetricName | string) =>
  prometheusName(metricSpec(name as KitMetricName))
/** A contract attribute's Prometheus label. */
export const labelName = (attribute: string) => prometheusLabel(attribute)

/** Self-metrics of the stack used by the Pipeline health dashboard and an alert (as scraped from the pinned releases). */
export const SELF_METRICS = {
  receiverAccepted: [
    'otelcol_receiver_accepted_spans',
    'otelcol_receiver_accepted_log_records',
    'otelcol_receiver_accepted_metric_points',
  ],
  receiverRefused: [
    'otelcol_receiver_refused_spans',
    'otelcol_receiver_refused_log_records',
    'otelcol_receiver_refused_metric_points',
  ],
  receiverFailed: [
    'otelcol_receiver_failed_spans',
    'otelcol_receiver_failed_log_records',
    'otelcol_receiver_failed_metric_points',
  ],
  exporterSent: [
    'otelcol_exporter_sent_spans',
    'otelcol_exporter_sent_log_records',
    'otelcol_exporter_sent_metric_points',
  ],
  /** Only present after a failure: queries on them fall back to 0. */
  exporterSendFailed: [
    'otelcol_exporter_send_failed_spans',
    'otelcol_exporter_send_failed_log_records',
    'otelcol_exporter_send_failed_metric_points',
  ],
  exporterEnqueueFailed: [
    'otelcol_exporter_enqueue_failed_spans',
    'otelcol_exporter_enqueue_failed_log_records',
    'otelcol_exporter_enqueue_failed_metric_points',
  ],
  /** The sampling tier's decisions (Scaling out): per policy, and per trace over all policies. */
  tailSampled: 'otelcol_processor_tail_sampling_count_traces_sampled',
  tailDecisions: 'otelcol_processor_tail_sampling_global_count_traces_sampled',
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
  prometheusSamples: 'prometheus_tsdb_head_samples_appended_total',
  /** Prometheus's own series per scrape target: 1 when the last scrape succeeded. */
  scrapeUp: 'up',
  hostCpu: 'system_cpu_utilization_ratio',
  hostMemory: 'system_memory_utilization_ratio',
  hostNetwork: 'system_network_io_bytes_total',
  hostDisk: 'system_disk_io_bytes_total',
  hostFilesystem: 'system_filesystem_usage_bytes',
  /** Tempo's metrics generator (compose only: the native run has no Tempo). */
  spanLatency: 'traces_spanmetrics_latency_bucket',
} as const

export const collector = 'job="collector"'
/**
 * Every collector's own metrics carry its tier as `service_name` (the collector configs'
 * service.telemetry resource, a constant label of their metrics endpoint): several tiers and
 * replicas scrape under one job; panels sum a tier's replicas.
 */
export const COLLECTOR_TIERS = {
  single: 'otelcol-kit',
  gateway: 'otelcol-kit-gateway',
  sampler: 'otelcol-kit-sampler',
} as const
export const tier = 'service_name'

/**
 * Synthetic traffic (the canary) is left out of every panel, alert and SLO on the agents'
 * metrics: real traffic has no `layercode_synthetic` label, which `!=` matches. The Canary
 * dashboard and alert select it alone.
 */
export const REAL_TRAFFIC = `${labelName(Attr.Synthetic)}!="true"`
export const SYNTHETIC_TRAFFIC = `${labelName(Attr.Synthetic)}="true"`
/** Label matchers of the dashboards' variables. */
const vars = `${labelName('deployment.environment.name')}=~"$environment", ${labelName('service.name')}=~"$service"`
const agentVar = `${labelName(Attr.AgentName)}=~"$agent"`
/** Real traffic's matchers under the dashboards' variables. */
const realMatchers = (...extra: string[]) => [vars, REAL_TRAFFIC, ...extra]
/** Real traffic's series under the dashboards' variables. */
const sel = (...extra: string[]) => `{${realMatchers(...extra).join(', ')}}`
/** The canary's series under the dashboards' variables. */
const canarySel = (...extra: string[]) => `{${[vars, SYNTHETIC_TRAFFIC, ...extra].join(', ')}}`
const rate = (series: string, selector: string, window = '$__rate_interval') =>
  `rate(${series}${selector}[${window}])`

/**
 * Histograms come in two kinds, and every histogram query accepts both: classic (`_bucket`,
 * `_sum`, `_count` series: the JavaScript SDK's explicit buckets) and native (one series: the
 * exponential histograms Logfire and other SDKs send, which Prometheus stores natively).
 * One service sends one kind; a panel shows every service, whichever kind it sends.
 */
export const histogram = {
  /**
   * One histogram_quantile over both kinds: classic buckets keep `le`, native series have none,
   * so `or` keeps both and histogram_quantile reads each group in its own kind.
   */
  quantile: (
    q: number,
    metric: KitMetricName,
    by: readonly string[],
    selector: string,
    window = '$__rate_interval',
  ) => {
    const name = seriesName(metric)
    const groups = by.join(', ')
    return `histogram_quantile(${q}, sum by (le${by.map((b) => `, ${b}`).join('')}) (${rate(`${name}_bucket`, selector, window)}) or sum by (${groups}) (${rate(name, selector, window)}))`
  },
  /** Per-series rate of the observations' sum (`_sum`, or histogram_sum of the native series). */
  sumRate: (metric: KitMetricName | string, selector: string, window = '$__rate_interval') =>
    `(${rate(`${seriesName(metric)}_sum`, selector, window)} or histogram_sum(${rate(seriesName(metric), selector, window)}))`,
  /** Per-series rate of the observations' count. */
  countRate: (metric: KitMetricName, selector: string, window = '$__rate_interval') =>
    `(${rate(`${seriesName(metric)}_count`, selector, window)} or histogram_count(${rate(seriesName(metric), selector, window)}))`,
  /** Per-series increase of the observations' count over `window`. */
  countIncrease: (metric: KitMetricName, selector: string, window: string) =>
    `(increase(${seriesName(metric)}_count${selector}[${window}]) or histogram_count(increase(${seriesName(metric)}${selector}[${window}])))`,
  /** Per-series increase of the observations' sum over `window`. */
  sumIncrease: (metric: KitMetricName, selector: string, window: string) =>
    `(increase(${seriesName(metric)}_sum${selector}[${window}]) or histogram_sum(increase(${seriesName(metric)}${selector}[${window}])))`,
}
const service = labelName('service.name')
const environment = labelName('deployment.environment.name')
/**
 * The apps that send telemetry, whatever their SDK or language: each metrics push over OTLP
 * makes a `target_info` series per resource in Prometheus (with service_name and the environment:
 * prometheus.yml keeps identifying attributes). The stack's scraped components have no environment.
 */
export const appTargets = (...matchers: string[]) =>
  `target_info{${[`${service}!=""`, `${environment}!=""`, ...matchers].join(', ')}}`
export const APP_TARGETS = appTargets()
/** Quantile panels are per service: two services' histograms are never merged into one. */
const quantile = (q: number, metric: KitMetricName, by: string[], selector: string) =>
  histogram.quantile(q, metric, [service, ...by], selector)
/** A GenAI quantile per service, in either generation of the names (generations.ts). */
const genAiQuantileOf = (q: number, pair: GenAiPair, by: string[]) =>
  genAiQuantile(q, pair, [service, ...by], realMatchers(agentVar), '$__rate_interval')

/**
 * The summed rate of several counters, each term 0 while its series does not exist yet.
 * (One rate over {__name__=~"a|b"} would fail: rate drops the names and the series collide.)
 */
const totalRate = (series: readonly string[], matcher: string, window: string) =>
  series.map((name) => `(sum(rate(${name}{${matcher}}[${window}])) or vector(0))`).join(' + ')

/**
 * Ratio of two counters' rates: 0 (not "no data") when the numerator has no series yet, and
 * no value (not NaN) when the denominator is 0 in a quiet period.
 */
const ratio = (numerator: string, denominator: string) =>
  `(sum(${numerator}) or vector(0)) / (sum(${denominator}) > 0)`

/**
 * Gauges pushed over OTLP get no staleness marker: a restarted agent's last value would stay
 * beside its successor's for Prometheus' 5-minute lookback. Only samples younger than two
 * export intervals count (the contract's interval; tests/stack/backends.test.ts checks compose's).
 */
export const GAUGE_FRESHNESS_SECONDS = (2 * METRIC_EXPORT_INTERVAL_MS) / 1000
const latest = (series: string, selector: string) =>
  `last_over_time(${series}${selector}[${GAUGE_FRESHNESS_SECONDS}s])`

/**
 * Turns are counted by their duration histogram (one observation per turn, the same labels):
 * its `_count`, or histogram_count of the native series.
 */
const TURN_DURATION = 'layercode.turn.duration' as const
export const turnRate = (selector: string, window = '$__rate_interval') =>
  histogram.countRate(TURN_DURATION, selector, window)
export const turnIncrease = (selector: string, window: string) =>
  histogram.countIncrease(TURN_DURATION, selector, window)
const httpCount = (selector: string) =>
  histogram.countRate('http.server.request.duration', selector)
const outcome = labelName(Attr.Outcome)
const cost = seriesName('layercode.cost')
const rejections = seriesName('layercode.webhook.rejections')
const rejectionReason = labelName(Attr.RejectionReason)
const messageTurn = `${labelName(Attr.EventType)}="message"`
export type FirstSpeechPart = (typeof FIRST_SPEECH_PARTS)[number][0]
/** Mean of a histogram's observations per agent, over the rate window. */
const mean = (metric: KitMetricName, selector: string) => {
  const agent = labelName(Attr.AgentName)
  return `(sum by (${agent}) (${histogram.sumRate(metric, selector)}) / sum by (${agent}) (${histogram.countRate(metric, selector)}))`
}

/** Mean time to first speech of message turns that did not fail, and of each of its parts. */
const firstSpeechMean = mean(
  'layercode.turn.time_to_first_speech',
  sel(agentVar, messageTurn, `${outcome}!="error"`),
)
const firstSpeechPartMean = (part: FirstSpeechPart) =>
  mean(`layercode.turn.first_speech.${part}`, sel(agentVar, messageTurn))

export const PANEL_QUERY = {
  requestsPerMinute: `sum by (${labelName(Attr.HttpRoute)}) (${httpCount(sel())}) * 60`,
  httpLatency: (q: number) => quantile(q, 'http.server.request.duration', [], sel()),
  httpErrorRate: ratio(httpCount(sel(`${labelName(Attr.HttpStatus)}=~"5.."`)), httpCount(sel())),
  turnErrorRate: ratio(turnRate(sel(agentVar, `${outcome}="error"`)), turnRate(sel(agentVar))),
  // Aborted turns (the caller hung up or barged in) are not failures; Turns by outcome shows them.
  successRate: `1 - ${ratio(turnRate(sel(agentVar, `${outcome}="error"`), '$__range'), turnRate(sel(agentVar), '$__range'))}`,
  turnDurationP95: quantile(
    0.95,
    'layercode.turn.duration',
    [labelName(Attr.AgentName)],
    sel(agentVar),
  ),
  // Failed turns are left out: their first chunk may be the fallback apology.
  firstSpeech: (q: number) =>
    quantile(
      q,
      'layercode.turn.time_to_first_speech',
      [labelName(Attr.AgentName)],
      sel(agentVar, `${outcome}!="error"`),
    ),
  turnsByOutcome: `sum by (${outcome}) (${turnRate(sel(agentVar))}) * 60`,
  // 0 while turns succeed, no data (not a flat 0) where no turns are counted at all.
  failedTurnsPerMinute: `(sum(${turnRate(sel(agentVar, `${outcome}="error"`))}) or sum(${turnRate(sel(agentVar))}) * 0) * 60`,
  /** Refused before their body is read, rejected webhooks are never tagged synthetic. */
  rejectedWebhooksPerMinute: `sum by (${rejectionReason}) (${rate(rejections, sel(agentVar))}) * 60`,
  toolCallsPerMinute: `sum by (${labelName(Attr.ToolName)}, ${outcome}) (${rate(seriesName('layercode.tool.calls'), sel(agentVar))}) * 60`,
  toolLatencyP95: genAiQuantileOf(0.95, GENAI_PAIRS.toolDuration, [labelName(Attr.ToolName)]),
  // LayerCode's session.end figures: seconds of speech per minute, and per-session means.
  speechPerMinute: (
    metric: 'layercode.session.transcription.duration' | 'layercode.session.tts.duration',
  ) => `sum by (${labelName(Attr.AgentName)}) (${histogram.sumRate(metric, sel(agentVar))}) * 60`,
  sessionMean: (
    metric: 'layercode.session.duration' | 'layercode.session.turns' | 'layercode.session.latency',
  ) =>
    `sum by (${labelName(Attr.AgentName)}) (${histogram.sumRate(metric, sel(agentVar))}) / sum by (${labelName(Attr.AgentName)}) (${histogram.countRate(metric, sel(agentVar))})`,
  // Spend (layercode.cost, US dollars at the price table's prices).
  spendLastHour: `sum(increase(${cost}${sel(agentVar)}[1h]))`,
  spendPerHourByItem: `sum by (${labelName(Attr.CostItem)}) (${rate(cost, sel(agentVar))}) * 3600`,
  spendByModel: `topk(5, sum by (${labelName(Attr.RequestModel)}) (increase(${cost}${sel(agentVar, `${labelName(Attr.RequestModel)}!=""`)}[$__range])))`,
  spendPerSessionMean: `sum by (${labelName(Attr.AgentName)}) (${histogram.sumRate('layercode.session.cost', sel(agentVar))}) / sum by (${labelName(Attr.AgentName)}) (${histogram.countRate('layercode.session.cost', sel(agentVar))})`,
  spendPerSessionP95: quantile(
    0.95,
    'layercode.session.cost',
    [labelName(Attr.AgentName)],
    sel(agentVar),
  ),
  // The turn latency budget: parts of time to first speech of message turns, per agent.
  firstSpeechPartMean,
  firstSpeechMean,
  // What the parts leave of the mean: the agent's own work (the stack's top is the mean).
  firstSpeechOwnWork: `${firstSpeechMean} - (${FIRST_SPEECH_PARTS.map(([part]) => firstSpeechPartMean(part)).join(' + ')})`,
  firstSpeechPartQuantile: (q: number, part: FirstSpeechPart) =>
    quantile(
      q,
      `layercode.turn.first_speech.${part}`,
      [labelName(Attr.AgentName)],
      sel(agentVar, messageTurn),
    ),
  // GenAI readings: either generation of the names, an app on both counted once.
  timeToFirstChunkP95: genAiQuantileOf(0.95, GENAI_PAIRS.firstChunk, [
    labelName(Attr.RequestModel),
  ]),
  tokensPerMinute: `${genAiTokens(
    'rate',
    [labelName(Attr.RequestModel), labelName(Attr.TokenType)],
    realMatchers(agentVar),
    '$__rate_interval',
  )} * 60`,
  tokensLastHour: genAiTokens('increase', [], realMatchers(agentVar), '1h'),
  modelLatencyP95: genAiQuantileOf(0.95, GENAI_PAIRS.modelDuration, [labelName(Attr.RequestModel)]),
  // The canary (synthetic traffic only): what its turns did, and what its alert watches (0,
  // not no data, while the canary runs and none of its turns match).
  canaryTurnsPerMinute: `sum by (${outcome}) (${turnRate(canarySel())}) * 60`,
  canaryFirstSpeechP95: quantile(
    0.95,
    'layercode.turn.time_to_first_speech',
    [],
    canarySel(`${outcome}!="error"`),
  ),
  canaryTurnsInWindow: (outcomeMatcher: string) =>
    `sum by (${service}, ${environment}) (${turnIncrease(canarySel(outcomeMatcher), CANARY.window)}) or sum by (${service}, ${environment}) (${turnIncrease(canarySel(), CANARY.window)}) * 0`,
  activeSessions: `sum by (${labelName(Attr.AgentName)}) (${latest(seriesName('layercode.sessions.active'), sel(agentVar))})`,
  spanLatencyFromTraces: `histogram_quantile(0.95, sum by (le, span_name) (rate(${SELF_METRICS.spanLatency}{service=~"$service"}[$__rate_interval])))`,
  // The errors inbox (recording.ts: layercode-errors), per kind: fingerprint, type, message.
  ...errorQueries(),
  // System
  hostCpu: `avg by (host_name, state) (${SELF_METRICS.hostCpu}{host_name=~"$host", state!="idle"})`,
  hostMemory: `avg by (host_name) (${SELF_METRICS.hostMemory}{host_name=~"$host", state="used"})`,
  hostNetwork: `sum by (host_name, direction) (rate(${SELF_METRICS.hostNetwork}{host_name=~"$host"}[$__rate_interval]))`,
  hostDisk: `sum by (host_name, direction) (rate(${SELF_METRICS.hostDisk}{host_name=~"$host"}[$__rate_interval]))`,
  // As df shows it: used / (used + available); blocks reserved for root are not available.
  hostFilesystem: `sum by (host_name, mountpoint) (${SELF_METRICS.hostFilesystem}{host_name=~"$host", state="used"}) / sum by (host_name, mountpoint) (${SELF_METRICS.hostFilesystem}{host_name=~"$host", state=~"used|free"})`,
  eventLoopDelayP99: `max by (${labelName('service.instance.id')}) (${latest(seriesName('nodejs.eventloop.delay.p99'), sel())})`,
  eventLoopUtilization: `max by (${labelName('service.instance.id')}) (${latest(seriesName('nodejs.eventloop.utilization'), sel())})`,
  heapUsed: `sum by (${labelName('service.instance.id')}) (${latest(seriesName('v8js.memory.heap.used'), sel())})`,
  gcTime: `sum by (${labelName('service.instance.id')}, v8js_gc_type) (${histogram.sumRate('v8js.gc.duration', sel())})`,
  processCpu: `sum by (${labelName('service.instance.id')}) (${rate(seriesName('process.cpu.time'), sel())})`,
  processMemory: `max by (${labelName('service.instance.id')}) (${latest(seriesName('process.memory.usage'), sel())})`,
  // Pipeline health
  accepted: (series: string) =>
    `sum by (${tier}, receiver) (rate(${series}{${collector}}[$__rate_interval]))`,
  refusedOrFailed: totalRate(
    [...SELF_METRICS.receiverRefused, ...SELF_METRICS.receiverFailed],
    collector,
    '$__rate_interval',
  ),
  dropped: totalRate(SELF_METRICS.exporterEnqueueFailed, collector, '$__rate_interval'),
  sendFailures: totalRate(SELF_METRICS.exporterSendFailed, collector, '$__rate_interval'),
  // The fullest replica's queue, per tier and exporter (each replica has its own queue).
  queueFill: `max by (${tier}, exporter) (${SELF_METRICS.queueSize}{${collector}} / ${SELF_METRICS.queueCapacity}{${collector}})`,
  sampled: `sum by (policy) (rate(${SELF_METRICS.tailSampled}{${collector}, sampled="true"}[$__rate_interval]))`,
  keptShare: `sum(rate(${SELF_METRICS.tailDecisions}{${collector}, sampled="true"}[$__rate_interval])) / (sum(rate(${SELF_METRICS.tailDecisions}{${collector}}[$__rate_interval])) > 0)`,
  ingestTempo: `sum(rate(${SELF_METRICS.exporterSent[0]}{${collector}, exporter="otlp_http/traces"}[$__rate_interval]))`,
  ingestLoki: `sum(rate(${SELF_METRICS.exporterSent[1]}{${collector}, exporter="otlp_http/logs"}[$__rate_interval]))`,
  ingestPrometheus: `sum(rate(${SELF_METRICS.prometheusSamples}[$__rate_interval]))`,
} as const

/** The inbox's queries: a row per kind of error under the dashboards' variables. */
function errorQueries() {
  const fingerprint = labelName(Attr.ErrorFingerprint)
  const kind = [fingerprint, labelName(Attr.ErrorType), labelName(Attr.ErrorMessage)].join(', ')
  const errors = seriesName('layercode.errors')
  const conversations = seriesName('layercode.error.conversations')
  // Counted over the range from the samples themselves: a kind's first sample already holds
  // its first errors, which increase() cannot see; a series born in the range counts whole.
  const inRange = (series: string) =>
    `sum by (${kind}) (clamp_min(${series}${sel()} - (${series}${sel()} offset $__range or ${series}${sel()} * 0), 0)) > 0`
  const seen = (series: string, how: 'min' | 'max', by = kind) =>
    `${how} by (${by}) (${series}${sel()}) * 1000`
  return {
    errorOccurrences: inRange(errors),
    errorConversations: inRange(conversations),
    errorFirstSeen: seen('layercode:error_first_seen:timestamp', 'min'),
    errorLastSeen: seen('layercode:error_last_seen:timestamp', 'max'),
    errorReleases: `count by (${kind}) (${seen('layercode:error_last_seen:timestamp', 'max', `${kind}, ${labelName('service.version')}`)})`,
    errorsPerMinute: `sum by (${labelName(Attr.ErrorType)}, ${labelName(Attr.ErrorMessage)}) (${rate(errors, sel())}) * 60`,
    /** Kinds first seen in the last day: when. */
    newErrorKinds: `${seen('layercode:error_first_seen:timestamp', 'min')} > (time() - 86400) * 1000`,
    /** When each release first showed each kind: the earliest is the one that brought it. */
    errorsByRelease: seen(
      'layercode:error_first_seen:timestamp',
      'min',
      `${kind}, ${labelName('service.version')}`,
    ),
  }
}

// ------------------------------------------------------------------------ Loki, Tempo

const logs = `{service_name=~"$service", deployment_environment_name=~"$environment"}`
/** The agents' lines without the canary's (LOG_SYNTHETIC_FIELD; an absent field is ""). */
const realLogs = `${logs} | ${LOG_SYNTHETIC_FIELD}!="true"`
export const LOGQL = {
  volumeByLevel: `sum by (severity_text) (count_over_time(${realLogs}[$__auto]))`,
  errorsByType: `sum by (error_type, error_code) (count_over_time(${realLogs} | severity_text="error" [$__range]))`,
  errorLogs: `${realLogs} | severity_text="error"`,
  byConversation: `${logs} | conversation_id=~"$conversation_id" | turn_id=~"$turn_id"`,
  /** Every line of one conversation (the Conversation dashboard's exact id). */
  conversation: `${logs} | conversation_id="$conversation_id"`,
  /** Its session.end line: LayerCode's figures, the turns and the spend the agent counted. */
  conversationEnd: `${logs} | conversation_id="$conversation_id" |= "session ended"`,
  /** The error lines of one kind (the inbox's link: its fingerprint in the cell). */
  errorsOfKind: (fingerprint: string) => `${logs} | error_fingerprint="${fingerprint}"`,
  /** The canary's warnings and errors (its turns' failures name their cause). */
  canaryProblems: `${logs} | ${LOG_SYNTHETIC_FIELD}="true" | severity_text=~"warn|error"`,
}

/** Turns (webhook spans with a turn id) longer than a threshold. */
const turnsOver = (ms: number) =>
  `{resource.service.name=~"$service" && span.layercode.turn.id != nil && duration > ${ms}ms}`
export const TRACEQL = {
  slowestTurns: turnsOver(1000),
  /** Conversations that started (their session.start webhook), newest as Tempo finds them. */
  recentConversations: `{resource.service.name=~"$service" && span.layercode.event.type = "session.start"} | select(span.layercode.conversation.id)`,
  /** Every webhook of one conversation, one trace each. */
  conversationTurns: `{resource.service.name=~"$service" && span.layercode.conversation.id = "$conversation_id"} | select(span.layercode.event.type, span.layercode.turn.id, span.layercode.outcome)`,
  /** Over the first-speech objective's threshold (slos.ts) on the whole turn: no span marks the first speech. */
  turnsOver,
  failedTurns: `{resource.service.name=~"$service" && span.layercode.outcome = "error"}`,
  /** The spans that recorded one kind of error (the inbox's link). */
  errorsOfKind: (fingerprint: string) =>
    `{resource.service.name=~"$service" && span.layercode.error.fingerprint = "${fingerprint}"}`,
}

// ------------------------------------------------------------------------------ alerts

/** The alert thresholds (layercode-kit.yaml), shown on the panels too. */
export const THRESHOLD = thresholds(CONFIG)
export function thresholds(config: KitConfig) {
  const { alerts } = config
  return {
    errorRate: alerts.error_rate.threshold,
    /** The error-rate alert needs this many turns in its window: 1 failure in 2 is no outage. */
    errorRateMinTurns: alerts.error_rate.min_turns,
    latencyP95Seconds: alerts.latency_p95.threshold,
    tokensPerHour: alerts.tokens_per_hour.threshold,
    /** US dollars per hour, per service and environment. */
    spendPerHourUsd: alerts.spend_per_hour.threshold,
    firstSpeechP95Seconds: alerts.first_speech_p95.threshold,
    /** Share of a service's webhooks refused for a wrong secret or clock, and how many at least. */
    rejectedWebhooksShare: alerts.webhooks_rejected.threshold,
    rejectedWebhooksMin: alerts.webhooks_rejected.min_rejections,
  }
}

/**
 * The rejections that mean LayerCode's own webhooks are refused: a secret that differs
 * (mismatch) or a clock off by more than the tolerance (stale). Missing or malformed
 * signatures come from scanners and misrouted clients, not from LayerCode: shown, not paged.
 */
export const CONFIG_REJECTIONS = ['mismatch', 'stale'] as const

/**
 * The canary (compose's `canary` service: one synthetic conversation a minute, four turns) is
 * expected to succeed within every window; its alert fires when none did, or when this many failed.
 */
export const CANARY = {
  /** The recorded 5-minute turn counts (recording.ts). */
  window: '5m',
  failedTurns: CONFIG.alerts.canary.failed_turns,
  conversationsPerMinute: 1,
} as const

/** Prometheus scrape jobs of the pipeline's own components (prometheus/prometheus.yml). */
export const SCRAPED_COMPONENTS = ['collector', 'tempo', 'loki'] as const
