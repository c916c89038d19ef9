"""The contract's instruments, created once on the global meter provider (Logfire's)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from opentelemetry import metrics

from .contract import (
    COST_BUCKETS_USD,
    LATENCY_BUCKETS_S,
    METRICS,
    SEMCONV_OPT_IN_ENV,
    SESSION_BUCKETS_S,
    TOKEN_BUCKETS,
    TURN_COUNT_BUCKETS,
    GenAiOptIn,
    Metric,
)
from .scope import SCOPE_NAME, SCOPE_VERSION


# When each kind of error (its labels, synthetic tag included) was first and last counted,
# Unix seconds: reported by the error_first_seen / error_last_seen gauges (spans.py fills it).
ERROR_SIGHTINGS: dict[tuple[tuple[str, str | bool], ...], list[float]] = {}


def _sightings(which: int):
    def observe(_options: metrics.CallbackOptions) -> list[metrics.Observation]:
        return [metrics.Observation(seen[which], dict(key)) for key, seen in list(ERROR_SIGHTINGS.items())]

    return observe


@dataclass(frozen=True)
class Generations:
    """Which GenAI names to record, as OTEL_SEMCONV_STABILITY_OPT_IN asks (as in Node)."""

    legacy: bool
    latest: bool


def genai_generations(env: Mapping[str, str] | None = None) -> Generations:
    """Unset: the legacy names; gen_ai_latest_experimental: the latest; its /dup form: both."""
    raw = (os.environ if env is None else env).get(SEMCONV_OPT_IN_ENV, "")
    values = {v.strip().lower() for v in raw.split(",") if v.strip()}
    if GenAiOptIn.DUP in values:
        return Generations(legacy=True, latest=True)
    if GenAiOptIn.LATEST in values:
        return Generations(legacy=False, latest=True)
    return Generations(legacy=True, latest=False)


@dataclass(frozen=True)
class Instruments:
    duration: metrics.Histogram
    first_speech: metrics.Histogram
    sessions_started: metrics.Counter
    sessions_ended: metrics.Counter
    tool_calls: metrics.Counter
    webhook_rejections: metrics.Counter
    errors: metrics.Counter
    error_conversations: metrics.Counter
    error_first_seen: metrics.ObservableGauge
    error_last_seen: metrics.ObservableGauge
    tool_duration: metrics.Histogram
    model_duration: metrics.Histogram
    session_duration: metrics.Histogram
    session_latency: metrics.Histogram
    session_transcription: metrics.Histogram
    session_tts: metrics.Histogram
    session_turns: metrics.Histogram
    cost: metrics.Counter
    session_cost: metrics.Histogram
    generations: Generations
    inference_duration: metrics.Histogram
    execute_tool_duration: metrics.Histogram
    input_tokens: metrics.Counter
    output_tokens: metrics.Counter
    cache_read_tokens: metrics.Counter
    input_tokens_per_call: metrics.Histogram
    output_tokens_per_call: metrics.Histogram


@cache
def instruments() -> Instruments:
    meter = metrics.get_meter(SCOPE_NAME, SCOPE_VERSION)

    def spec(name: str) -> dict[str, str]:
        m = METRICS[name]
        return {"name": m.name, "unit": m.unit, "description": m.description}

    def histogram(name: str, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> metrics.Histogram:
        # The Node agent's buckets; an SDK that prefers exponential histograms (Logfire) sends
        # those instead, and the kit's queries read both.
        return meter.create_histogram(
            **spec(name), explicit_bucket_boundaries_advisory=list(buckets)
        )

    return Instruments(
        duration=histogram(Metric.LAYERCODE_TURN_DURATION),
        first_speech=histogram(Metric.LAYERCODE_TURN_TIME_TO_FIRST_SPEECH),
        sessions_started=meter.create_counter(**spec(Metric.LAYERCODE_SESSIONS_STARTED)),
        sessions_ended=meter.create_counter(**spec(Metric.LAYERCODE_SESSIONS_ENDED)),
        tool_calls=meter.create_counter(**spec(Metric.LAYERCODE_TOOL_CALLS)),
        webhook_rejections=meter.create_counter(**spec(Metric.LAYERCODE_WEBHOOK_REJECTIONS)),
        errors=meter.create_counter(**spec(Metric.LAYERCODE_ERRORS)),
        error_conversations=meter.create_counter(**spec(Metric.LAYERCODE_ERROR_CONVERSATIONS)),
        error_first_seen=meter.create_observable_gauge(
            **spec(Metric.LAYERCODE_ERROR_FIRST_SEEN), callbacks=[_sightings(0)]
        ),
        error_last_seen=meter.create_observable_gauge(
            **spec(Metric.LAYERCODE_ERROR_LAST_SEEN), callbacks=[_sightings(1)]
        ),
        tool_duration=histogram(Metric.LAYERCODE_TOOL_DURATION),
        model_duration=histogram(Metric.GEN_AI_CLIENT_OPERATION_DURATION),
        session_duration=histogram(Metric.LAYERCODE_SESSION_DURATION, SESSION_BUCKETS_S),
        session_latency=histogram(Metric.LAYERCODE_SESSION_LATENCY),
        session_transcription=histogram(
            Metric.LAYERCODE_SESSION_TRANSCRIPTION_DURATION, SESSION_BUCKETS_S
        ),
        session_tts=histogram(Metric.LAYERCODE_SESSION_TTS_DURATION, SESSION_BUCKETS_S),
        session_turns=histogram(Metric.LAYERCODE_SESSION_TURNS, TURN_COUNT_BUCKETS),
        cost=meter.create_counter(**spec(Metric.LAYERCODE_COST)),
        session_cost=histogram(Metric.LAYERCODE_SESSION_COST, COST_BUCKETS_USD),
        generations=genai_generations(),
        inference_duration=histogram(Metric.GEN_AI_CLIENT_INFERENCE_DURATION),
        execute_tool_duration=histogram(Metric.GEN_AI_EXECUTE_TOOL_DURATION),
        input_tokens=meter.create_counter(**spec(Metric.GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS)),
        output_tokens=meter.create_counter(
            **spec(Metric.GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS)
        ),
        cache_read_tokens=meter.create_counter(
            **spec(Metric.GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS)
        ),
        input_tokens_per_call=histogram(
            Metric.GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS, TOKEN_BUCKETS
        ),
        output_tokens_per_call=histogram(
            Metric.GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS, TOKEN_BUCKETS
        ),
    )
