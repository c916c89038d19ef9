"""The in-memory OpenTelemetry providers (set once per process) and a Starlette app that
answers like layercode-create-app, wrapped by TurnTelemetry: what the wrapper's tests share."""

from __future__ import annotations

import asyncio
import json
import unittest

from loguru import logger
from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from layercode_otel_kit import LoguruToOtlp, TurnTelemetry
from layercode_otel_kit.contract import Attr

READER = InMemoryMetricReader()

SPANS = InMemorySpanExporter()

LOGS = InMemoryLogRecordExporter()

metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))

_tracer_provider = TracerProvider()

_tracer_provider.add_span_processor(SimpleSpanProcessor(SPANS))

trace.set_tracer_provider(_tracer_provider)

_logger_provider = LoggerProvider()

_logger_provider.add_log_record_processor(SimpleLogRecordProcessor(LOGS))

_logs.set_logger_provider(_logger_provider)

logger.remove()

logger.add(LoguruToOtlp(), format="{message}")

def sse(*events: dict) -> list[bytes]:
    return [f"data: {json.dumps(e)}\n\n".encode() for e in events]

async def agent(request: Request):
    body = await request.json()
    if request.headers.get("x-test-signature") != "ok":
        return JSONResponse({"detail": "Invalid signature"}, status_code=401)
    if body["type"] in ("data", "session.end"):
        logger.info("handled {}", body["type"])
        return JSONResponse({"status": "ok"})
    text = body.get("text") or ""
    if "model" in text:  # a model call, as pydantic-ai's span reports it (a dated model id)
        TRACER.start_span("chat gpt-4o-mini", attributes=CHAT_USAGE).end()

    async def stream():
        logger.info("answering")
        if "fail" in text:
            yield from_chunks(sse({"type": "response.data", "content": {"error": "boom"}}))
        else:
            # one event split across two chunks
            chunk = sse({"type": "response.tts", "content": "Hello"})[0]
            yield chunk[:7]
            await asyncio.sleep(0.01)
            yield chunk[7:]
        yield from_chunks(sse({"type": "response.end"}))

    return StreamingResponse(stream(), media_type="text/event-stream")

CHAT_USAGE = {
    Attr.OPERATION: "chat",
    Attr.PROVIDER: "openai",
    Attr.REQUEST_MODEL: "gpt-4o-mini-2024-07-18",
    Attr.INPUT_TOKENS: 1000,
    Attr.CACHED_INPUT_TOKENS: 400,
    Attr.OUTPUT_TOKENS: 200,
}

def from_chunks(chunks: list[bytes]) -> bytes:
    return b"".join(chunks)

APP = TurnTelemetry(
    Starlette(routes=[Route("/api/agent", agent, methods=["POST"])]), agent="bakery"
)

CLIENT = TestClient(APP)

TRACER = trace.get_tracer("test")

def post(body: dict, signature: str = "ok") -> int:
    with TRACER.start_as_current_span("POST /api/agent"):
        response = CLIENT.post("/api/agent", json=body, headers={"x-test-signature": signature})
        response.read()
    return response.status_code

def points(name: str) -> list:
    data = READER.get_metrics_data()
    found = []
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found.extend(metric.data.data_points)
    return found

def count(name: str, **attributes: str) -> float:
    total = 0.0
    for point in points(name):
        if all(point.attributes.get(k) == v for k, v in attributes.items()):
            total += getattr(point, "value", None) or getattr(point, "count", 0)
    return total

IDS = {"conversation_id": "c1", "session_id": "s1"}

if __name__ == "__main__":
    unittest.main()
