"""The contract's instruments, created once on the global meter provider (Logfire's)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from opentelemetry import metrics

from .contract import (
    COST_BUCKETS_USD,
    LATENCY_BUCKETS_S,
    METRICS,
    SESSION_BUCKETS_S,
    TURN_COUNT_BUCKETS,
    Metric,
)


@dataclass(frozen=True)
class Instruments:
    duration: metrics.Histogram
    first_speech: metrics.Histogram
    sessions_started: metrics.Counter
    sessions_ended: metrics.Counter
    tool_calls: metrics.Counter
    webhook_rejections: metrics.Counter
    tool_duration: metrics.Histogram
    model_duration: metrics.Histogram
    session_duration: metrics.Histogram
    session_latency: metrics.Histogram
    session_transcription: metrics.Histogram
    session_tts: metrics.Histogram
    session_turns: metrics.Histogram
    cost: metrics.Counter
    session_cost: metrics.Histogram


@cache
def instruments() -> Instruments:
    meter = metrics.get_meter("layercode-otel-kit")

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
    )
