"""The contract's instruments, created once on the global meter provider (Logfire's)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from opentelemetry import metrics

from .contract import LATENCY_BUCKETS_S, METRICS


@dataclass(frozen=True)
class Instruments:
    turns: metrics.Counter
    duration: metrics.Histogram
    first_speech: metrics.Histogram
    sessions_started: metrics.Counter
    sessions_ended: metrics.Counter
    tool_calls: metrics.Counter
    model_duration: metrics.Histogram


@cache
def instruments() -> Instruments:
    meter = metrics.get_meter("layercode-otel-kit")

    def spec(name: str) -> dict[str, str]:
        m = METRICS[name]
        return {"name": m.name, "unit": m.unit, "description": m.description}

    def histogram(name: str) -> metrics.Histogram:
        # The Node agent's buckets; an SDK that prefers exponential histograms (Logfire) sends
        # those instead, and the kit's queries read both.
        return meter.create_histogram(
            **spec(name), explicit_bucket_boundaries_advisory=list(LATENCY_BUCKETS_S)
        )

    return Instruments(
        turns=meter.create_counter(**spec("layercode.turns")),
        duration=histogram("layercode.turn.duration"),
        first_speech=histogram("layercode.turn.time_to_first_speech"),
        sessions_started=meter.create_counter(**spec("layercode.sessions.started")),
        sessions_ended=meter.create_counter(**spec("layercode.sessions.ended")),
        tool_calls=meter.create_counter(**spec("layercode.tool.calls")),
        model_duration=histogram("gen_ai.client.operation.duration"),
    )
