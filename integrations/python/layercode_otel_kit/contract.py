"""The kit's telemetry contract for Python apps.

Generated from packages/telemetry/src/contract.ts by `npm run docs`: do not edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


class Attr:
    """Span, metric and log attribute names."""

    EVENT_TYPE: Final = "layercode.event.type"
    CONVERSATION_ID: Final = "layercode.conversation.id"
    SESSION_ID: Final = "layercode.session.id"
    TURN_ID: Final = "layercode.turn.id"
    OUTCOME: Final = "layercode.outcome"
    TIME_TO_FIRST_SPEECH: Final = "layercode.turn.time_to_first_speech"
    COST_ITEM: Final = "layercode.cost.item"
    REJECTION_REASON: Final = "layercode.webhook.rejection.reason"
    SYNTHETIC: Final = "layercode.synthetic"
    ERROR_FINGERPRINT: Final = "layercode.error.fingerprint"
    ERROR_MESSAGE: Final = "layercode.error.message"
    AGENT_NAME: Final = "gen_ai.agent.name"
    OPERATION: Final = "gen_ai.operation.name"
    PROVIDER: Final = "gen_ai.provider.name"
    REQUEST_MODEL: Final = "gen_ai.request.model"
    RESPONSE_MODEL: Final = "gen_ai.response.model"
    RESPONSE_ID: Final = "gen_ai.response.id"
    FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
    INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
    OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
    CACHED_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
    TOKEN_TYPE: Final = "gen_ai.token.type"
    TOKEN_MODALITY: Final = "gen_ai.token.modality"
    TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"
    GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
    TOOL_NAME: Final = "gen_ai.tool.name"
    TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
    TOOL_TYPE: Final = "gen_ai.tool.type"
    INPUT_MESSAGES: Final = "gen_ai.input.messages"
    OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
    ERROR_TYPE: Final = "error.type"
    HTTP_METHOD: Final = "http.request.method"
    HTTP_ROUTE: Final = "http.route"
    HTTP_STATUS: Final = "http.response.status_code"


class Outcome:
    """Values of layercode.outcome."""

    OK: Final = "ok"
    ERROR: Final = "error"
    ABORTED: Final = "aborted"


class Operation:
    """Values of gen_ai.operation.name."""

    INVOKE_AGENT: Final = "invoke_agent"
    CHAT: Final = "chat"
    EXECUTE_TOOL: Final = "execute_tool"


class CostItem:
    """Values of layercode.cost.item."""

    INPUT: Final = "input"
    CACHED_INPUT: Final = "cached_input"
    OUTPUT: Final = "output"
    TRANSCRIPTION: Final = "transcription"
    TTS: Final = "tts"


class TokenModality:
    """Values of gen_ai.token.modality."""

    TEXT: Final = "text"
    IMAGE: Final = "image"
    AUDIO: Final = "audio"
    UNKNOWN: Final = "unknown"


class GenAiOptIn:
    """GenAI values of OTEL_SEMCONV_STABILITY_OPT_IN."""

    LATEST: Final = "gen_ai_latest_experimental"
    DUP: Final = "gen_ai_latest_experimental/dup"


class Metric:
    """Names of the metrics the kit records."""

    HTTP_SERVER_REQUEST_DURATION: Final = "http.server.request.duration"
    GEN_AI_CLIENT_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
    GEN_AI_CLIENT_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
    GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.operation.time_to_first_chunk"
    GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS: Final = "gen_ai.client.inference.usage.input_tokens"
    GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS: Final = "gen_ai.client.inference.usage.output_tokens"
    GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.client.inference.usage.cache_read.input_tokens"
    GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS: Final = "gen_ai.client.inference.operation.input_tokens"
    GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS: Final = "gen_ai.client.inference.operation.output_tokens"
    GEN_AI_CLIENT_INFERENCE_DURATION: Final = "gen_ai.client.inference.duration"
    GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.inference.time_to_first_chunk"
    GEN_AI_INVOKE_AGENT_DURATION: Final = "gen_ai.invoke_agent.duration"
    GEN_AI_EXECUTE_TOOL_DURATION: Final = "gen_ai.execute_tool.duration"
    LAYERCODE_TURN_DURATION: Final = "layercode.turn.duration"
    LAYERCODE_TURN_TIME_TO_FIRST_SPEECH: Final = "layercode.turn.time_to_first_speech"
    LAYERCODE_TURN_FIRST_SPEECH_QUEUE: Final = "layercode.turn.first_speech.queue"
    LAYERCODE_TURN_FIRST_SPEECH_MODEL: Final = "layercode.turn.first_speech.model"
    LAYERCODE_TURN_FIRST_SPEECH_TOOLS: Final = "layercode.turn.first_speech.tools"
    LAYERCODE_TURN_FIRST_SPEECH_SENTENCE: Final = "layercode.turn.first_speech.sentence"
    LAYERCODE_TOOL_CALLS: Final = "layercode.tool.calls"
    LAYERCODE_ERRORS: Final = "layercode.errors"
    LAYERCODE_ERROR_CONVERSATIONS: Final = "layercode.error.conversations"
    LAYERCODE_ERROR_FIRST_SEEN: Final = "layercode.error.first_seen"
    LAYERCODE_ERROR_LAST_SEEN: Final = "layercode.error.last_seen"
    LAYERCODE_WEBHOOK_REJECTIONS: Final = "layercode.webhook.rejections"
    LAYERCODE_TOOL_DURATION: Final = "layercode.tool.duration"
    LAYERCODE_SESSIONS_ACTIVE: Final = "layercode.sessions.active"
    LAYERCODE_SESSIONS_STARTED: Final = "layercode.sessions.started"
    LAYERCODE_SESSIONS_ENDED: Final = "layercode.sessions.ended"
    LAYERCODE_SESSION_DURATION: Final = "layercode.session.duration"
    LAYERCODE_SESSION_LATENCY: Final = "layercode.session.latency"
    LAYERCODE_SESSION_TRANSCRIPTION_DURATION: Final = "layercode.session.transcription.duration"
    LAYERCODE_SESSION_TTS_DURATION: Final = "layercode.session.tts.duration"
    LAYERCODE_COST: Final = "layercode.cost"
    LAYERCODE_SESSION_COST: Final = "layercode.session.cost"
    LAYERCODE_SESSION_TURNS: Final = "layercode.session.turns"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    instrument: str
    unit: str
    description: str
    attributes: tuple[str, ...]


METRICS: Final[dict[str, MetricSpec]] = {
    "http.server.request.duration": MetricSpec(
        name="http.server.request.duration",
        instrument="histogram",
        unit="s",
        description="Duration of HTTP server requests, until the response is complete (for an SSE answer, until its stream ended): the duration of the SERVER span",
        attributes=(
            "http.request.method",
            "http.route",
            "http.response.status_code",
        ),
    ),
    "gen_ai.client.token.usage": MetricSpec(
        name="gen_ai.client.token.usage",
        instrument="histogram",
        unit="{token}",
        description="Number of input and output tokens used per model call",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
            "gen_ai.token.type",
        ),
    ),
    "gen_ai.client.operation.duration": MetricSpec(
        name="gen_ai.client.operation.duration",
        instrument="histogram",
        unit="s",
        description="Duration of model calls, from request to the last streamed chunk",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
        ),
    ),
    "gen_ai.client.operation.time_to_first_chunk": MetricSpec(
        name="gen_ai.client.operation.time_to_first_chunk",
        instrument="histogram",
        unit="s",
        description="Time from a streaming model call to its first chunk of output (text, reasoning or a tool call): the provider-side part of the wait",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
        ),
    ),
    "gen_ai.client.inference.usage.input_tokens": MetricSpec(
        name="gen_ai.client.inference.usage.input_tokens",
        instrument="counter",
        unit="{token}",
        description="Input (prompt) tokens of model calls, by modality (the kit's chat models: text). The total the token panels, rules and alerts read",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
            "gen_ai.token.modality",
        ),
    ),
    "gen_ai.client.inference.usage.output_tokens": MetricSpec(
        name="gen_ai.client.inference.usage.output_tokens",
        instrument="counter",
        unit="{token}",
        description="Output (completion) tokens of model calls, by modality (the kit's chat models: text). The total the token panels, rules and alerts read",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
            "gen_ai.token.modality",
        ),
    ),
    "gen_ai.client.inference.usage.cache_read.input_tokens": MetricSpec(
        name="gen_ai.client.inference.usage.cache_read.input_tokens",
        instrument="counter",
        unit="{token}",
        description="Of the input tokens, those the provider read from its prompt cache, when it reports them",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
            "gen_ai.token.modality",
        ),
    ),
    "gen_ai.client.inference.operation.input_tokens": MetricSpec(
        name="gen_ai.client.inference.operation.input_tokens",
        instrument="histogram",
        unit="{token}",
        description="Input tokens per model call, for percentiles (the conventions read totals from the counters)",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
        ),
    ),
    "gen_ai.client.inference.operation.output_tokens": MetricSpec(
        name="gen_ai.client.inference.operation.output_tokens",
        instrument="histogram",
        unit="{token}",
        description="Output tokens per model call, for percentiles (the conventions read totals from the counters)",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
            "gen_ai.response.model",
        ),
    ),
    "gen_ai.client.inference.duration": MetricSpec(
        name="gen_ai.client.inference.duration",
        instrument="histogram",
        unit="s",
        description="Duration of model calls, from request to the last streamed chunk",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
        ),
    ),
    "gen_ai.client.inference.time_to_first_chunk": MetricSpec(
        name="gen_ai.client.inference.time_to_first_chunk",
        instrument="histogram",
        unit="s",
        description="Time from a streaming model call to its first chunk of output (text, reasoning or a tool call)",
        attributes=(
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.agent.name",
        ),
    ),
    "gen_ai.invoke_agent.duration": MetricSpec(
        name="gen_ai.invoke_agent.duration",
        instrument="histogram",
        unit="s",
        description="Duration of the agent's work for a turn (the invoke_agent span): history, prompts, model and tool calls, until the answer's last chunk. layercode.turn.duration stays the turn's measure: it runs from the webhook to response.end, queueing behind the conversation's previous turn and streaming included",
        attributes=("gen_ai.agent.name",),
    ),
    "gen_ai.execute_tool.duration": MetricSpec(
        name="gen_ai.execute_tool.duration",
        instrument="histogram",
        unit="s",
        description="Duration of tool calls, from the call to its result (the execute_tool span), with the outcome the tool panels split by",
        attributes=(
            "gen_ai.agent.name",
            "gen_ai.tool.name",
            "layercode.outcome",
        ),
    ),
    "layercode.turn.duration": MetricSpec(
        name="layercode.turn.duration",
        instrument="histogram",
        unit="s",
        description="Duration of a turn (a session.start or message webhook), from the webhook to response.end. Its count is the number of turns: `_count` (classic) or `histogram_count` (native), by outcome. LayerCode's own measure, not gen_ai.invoke_agent.duration: it includes waiting for the conversation's previous turn and the answer's streaming",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
            "layercode.outcome",
        ),
    ),
    "layercode.turn.time_to_first_speech": MetricSpec(
        name="layercode.turn.time_to_first_speech",
        instrument="histogram",
        unit="s",
        description="Time from the webhook's arrival to the agent's first response.tts chunk: the agent's share of the caller's wait (LayerCode's transcription and speech synthesis come on top). A failed turn's first chunk may be the fallback apology: filter on the outcome",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
            "layercode.outcome",
        ),
    ),
    "layercode.turn.first_speech.queue": MetricSpec(
        name="layercode.turn.first_speech.queue",
        instrument="histogram",
        unit="s",
        description="Part of a turn's time to first speech: waiting for the conversation's previous turn to finish (turns of one conversation run in order). Recorded for every turn that spoke; the parts add up to layercode.turn.time_to_first_speech less the agent's own work (history, prompts, injected delays)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
        ),
    ),
    "layercode.turn.first_speech.model": MetricSpec(
        name="layercode.turn.first_speech.model",
        instrument="histogram",
        unit="s",
        description="Part of a turn's time to first speech: inside model calls, until the text spoken first began (the whole of earlier calls, e.g. one that asked for a tool). Recorded for every turn that spoke; the parts add up to layercode.turn.time_to_first_speech less the agent's own work (history, prompts, injected delays)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
        ),
    ),
    "layercode.turn.first_speech.tools": MetricSpec(
        name="layercode.turn.first_speech.tools",
        instrument="histogram",
        unit="s",
        description="Part of a turn's time to first speech: inside tool calls before the first speech. Recorded for every turn that spoke; the parts add up to layercode.turn.time_to_first_speech less the agent's own work (history, prompts, injected delays)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
        ),
    ),
    "layercode.turn.first_speech.sentence": MetricSpec(
        name="layercode.turn.first_speech.sentence",
        instrument="histogram",
        unit="s",
        description="Part of a turn's time to first speech: from the first text the model streamed until the first whole sentence was ready to speak (the kit speaks sentence by sentence). Recorded for every turn that spoke; the parts add up to layercode.turn.time_to_first_speech less the agent's own work (history, prompts, injected delays)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.event.type",
        ),
    ),
    "layercode.tool.calls": MetricSpec(
        name="layercode.tool.calls",
        instrument="counter",
        unit="{call}",
        description="Tool calls by tool and outcome",
        attributes=(
            "gen_ai.agent.name",
            "gen_ai.tool.name",
            "layercode.outcome",
        ),
    ),
    "layercode.errors": MetricSpec(
        name="layercode.errors",
        instrument="counter",
        unit="{error}",
        description="Errors recorded (a failed span's exception: a turn, a model call, a tool; each thrown error once), by fingerprint, type and normalized message: the errors inbox. At most 100 fingerprints per process; later ones count as `overflow`",
        attributes=(
            "layercode.error.fingerprint",
            "error.type",
            "layercode.error.message",
        ),
    ),
    "layercode.error.conversations": MetricSpec(
        name="layercode.error.conversations",
        instrument="counter",
        unit="{conversation}",
        description="Conversations an error touched: counted the first time a fingerprint occurs in a conversation (the calls affected)",
        attributes=(
            "layercode.error.fingerprint",
            "error.type",
            "layercode.error.message",
        ),
    ),
    "layercode.error.first_seen": MetricSpec(
        name="layercode.error.first_seen",
        instrument="gauge",
        unit="s",
        description="When this process first recorded each kind of error (Unix seconds): the inbox keeps the earliest over processes and restarts (recording rules)",
        attributes=(
            "layercode.error.fingerprint",
            "error.type",
            "layercode.error.message",
        ),
    ),
    "layercode.error.last_seen": MetricSpec(
        name="layercode.error.last_seen",
        instrument="gauge",
        unit="s",
        description="When this process last recorded each kind of error (Unix seconds)",
        attributes=(
            "layercode.error.fingerprint",
            "error.type",
            "layercode.error.message",
        ),
    ),
    "layercode.webhook.rejections": MetricSpec(
        name="layercode.webhook.rejections",
        instrument="counter",
        unit="{webhook}",
        description="Webhooks refused before any handling because their signature was missing, malformed, stale or did not match the body, by reason (a wrong LAYERCODE_WEBHOOK_SECRET refuses every one; no turn happens)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.webhook.rejection.reason",
        ),
    ),
    "layercode.tool.duration": MetricSpec(
        name="layercode.tool.duration",
        instrument="histogram",
        unit="s",
        description="Duration of tool calls, from the call to its result (the execute_tool span): the part of a turn its tools take",
        attributes=(
            "gen_ai.agent.name",
            "gen_ai.tool.name",
            "layercode.outcome",
        ),
    ),
    "layercode.sessions.active": MetricSpec(
        name="layercode.sessions.active",
        instrument="gauge",
        unit="{session}",
        description="Sessions started and not yet ended (idle ones expire with the history TTL)",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.sessions.started": MetricSpec(
        name="layercode.sessions.started",
        instrument="counter",
        unit="{session}",
        description="session.start webhooks",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.sessions.ended": MetricSpec(
        name="layercode.sessions.ended",
        instrument="counter",
        unit="{session}",
        description="session.end webhooks",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.session.duration": MetricSpec(
        name="layercode.session.duration",
        instrument="histogram",
        unit="s",
        description="A session's length as LayerCode reports it in session.end (`duration`, ms)",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.session.latency": MetricSpec(
        name="layercode.session.latency",
        instrument="histogram",
        unit="s",
        description="LayerCode's own latency figure for a session (session.end `latency`). LayerCode does not document its unit; like `duration` it has no unit suffix and is read as milliseconds (the seconds fields say `_seconds`)",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.session.transcription.duration": MetricSpec(
        name="layercode.session.transcription.duration",
        instrument="histogram",
        unit="s",
        description="Seconds of the caller's speech LayerCode transcribed in a session (session.end `transcription_duration_seconds`): what speech-to-text is billed on",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.session.tts.duration": MetricSpec(
        name="layercode.session.tts.duration",
        instrument="histogram",
        unit="s",
        description="Seconds of speech LayerCode synthesized for the agent in a session (session.end `tts_duration_seconds`): what text-to-speech is billed on",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.cost": MetricSpec(
        name="layercode.cost",
        instrument="counter",
        unit="{USD}",
        description="Spend in US dollars at the price table's prices (packages/telemetry/prices.json, or LAYERCODE_PRICES_FILE), counted where it is measured: a model call's input, cached input and output tokens when it ends, LayerCode's transcription and speech minutes at session.end. A model without a price counts nothing (the agent logs it once)",
        attributes=(
            "gen_ai.agent.name",
            "layercode.cost.item",
        ),
    ),
    "layercode.session.cost": MetricSpec(
        name="layercode.session.cost",
        instrument="histogram",
        unit="{USD}",
        description="A session's spend in US dollars, recorded at session.end: its model calls and LayerCode's speech minutes, as layercode.cost counts them",
        attributes=("gen_ai.agent.name",),
    ),
    "layercode.session.turns": MetricSpec(
        name="layercode.session.turns",
        instrument="histogram",
        unit="{turn}",
        description="Turns the agent ran in a session (its own count of session.start and message webhooks), recorded at session.end",
        attributes=("gen_ai.agent.name",),
    ),
}

LATENCY_BUCKETS_S: Final = (
    0.01,
    0.025,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.75,
    1,
    1.5,
    2,
    3,
    5,
    7.5,
    10,
    15,
    20,
    30,
    60,
)
SESSION_BUCKETS_S: Final = (
    1,
    5,
    10,
    30,
    60,
    120,
    300,
    600,
    1200,
    1800,
    3600,
    7200,
)
TURN_COUNT_BUCKETS: Final = (
    1,
    2,
    3,
    5,
    10,
    20,
    50,
    100,
    200,
)
COST_BUCKETS_USD: Final = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    25,
    50,
)
TOKEN_BUCKETS: Final = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
PRICES_FILE_ENV: Final = "LAYERCODE_PRICES_FILE"
LOG_CONTEXT_FIELDS: Final = (
    "conversation_id",
    "session_id",
    "turn_id",
    "event_type",
    "agent",
)
GENAI_CONTENT_ATTRIBUTES: Final = (
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "gen_ai.prompt",
    "gen_ai.completion",
    "pydantic_ai.all_messages",
    "final_result",
    "tool_arguments",
    "tool_response",
)
SERVICE_NAME_OVERRIDE_ATTRIBUTE: Final = "layercode.service.name"
SYNTHETIC_METADATA_KEY: Final = "kit_synthetic"
CAPTURE_CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
SEMCONV_OPT_IN_ENV: Final = "OTEL_SEMCONV_STABILITY_OPT_IN"
MAX_ERROR_FINGERPRINTS: Final = 100
OVERFLOW_FINGERPRINT: Final = "overflow"
LOGGED_HEADERS: Final = (
    "accept",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "traceparent",
    "tracestate",
    "transfer-encoding",
    "user-agent",
    "x-amzn-trace-id",
    "x-cloud-trace-context",
    "x-correlation-id",
    "x-request-id",
)
