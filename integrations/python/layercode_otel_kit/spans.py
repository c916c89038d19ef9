"""A span processor that reads the GenAI spans other instrumentations make (pydantic-ai under
Logfire): the contract's tool-call (count, duration) and model-call metrics, and why a turn
failed."""

from __future__ import annotations

import threading
from collections import OrderedDict

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from .contract import Attr, Operation, Outcome
from .instruments import instruments
from .turn import current_turn

# Traces whose failure is remembered until their turn ends (a bound, not a timeout).
MAX_TRACES = 10_000


class KitSpanProcessor(SpanProcessor):
    def __init__(self) -> None:
        self._errors: OrderedDict[int, str] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def install(cls) -> KitSpanProcessor:
        """Adds one processor to the global tracer provider (Logfire's, or the SDK's)."""
        provider = trace.get_tracer_provider()
        existing = getattr(provider, "_layercode_kit_processor", None)
        if isinstance(existing, KitSpanProcessor):
            return existing
        processor = cls()
        add = getattr(provider, "add_span_processor", None)
        if add is None:
            raise RuntimeError(
                "layercode_otel_kit needs an SDK tracer provider: configure Logfire "
                "(or the OpenTelemetry SDK) before instrumenting the app"
            )
        add(processor)
        provider._layercode_kit_processor = processor  # type: ignore[attr-defined]
        return processor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        failed = span.status.status_code == StatusCode.ERROR
        if failed and span.context is not None:
            self._remember(span.context.trace_id, _error_type(span))
        operation = attributes.get(Attr.OPERATION)
        # on_end runs where the span ended: inside the turn, whose agent names the records.
        turn = current_turn()
        agent = turn.agent if turn else str(attributes.get(Attr.AGENT_NAME, ""))
        if operation == Operation.EXECUTE_TOOL or span.name.startswith("execute_tool "):
            tool = attributes.get(Attr.TOOL_NAME) or span.name.removeprefix("execute_tool ")
            call = {
                Attr.AGENT_NAME: agent,
                Attr.TOOL_NAME: str(tool),
                Attr.OUTCOME: Outcome.ERROR if failed else Outcome.OK,
            }
            instruments().tool_calls.add(1, call)
            if span.end_time and span.start_time:
                instruments().tool_duration.record((span.end_time - span.start_time) / 1e9, call)
        elif operation == Operation.CHAT and span.end_time and span.start_time:
            # gen_ai.system: the provider's deprecated name, which older instrumentations set.
            metric = {
                Attr.OPERATION: Operation.CHAT,
                Attr.PROVIDER: str(
                    attributes.get(Attr.PROVIDER) or attributes.get("gen_ai.system") or ""
                ),
                Attr.REQUEST_MODEL: str(attributes.get(Attr.REQUEST_MODEL, "")),
                Attr.AGENT_NAME: agent,
            }
            if model := attributes.get(Attr.RESPONSE_MODEL):
                metric[Attr.RESPONSE_MODEL] = str(model)
            if failed:
                metric[Attr.ERROR_TYPE] = _error_type(span)
            instruments().model_duration.record((span.end_time - span.start_time) / 1e9, metric)

    def error_type(self, trace_id: int) -> str:
        """Why a turn's trace failed (the exception a span recorded), or `_OTHER`."""
        with self._lock:
            return self._errors.pop(trace_id, "_OTHER")

    def _remember(self, trace_id: int, error_type: str) -> None:
        with self._lock:
            self._errors.setdefault(trace_id, error_type)
            while len(self._errors) > MAX_TRACES:
                self._errors.popitem(last=False)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _error_type(span: ReadableSpan) -> str:
    for event in span.events:
        exception_type = (event.attributes or {}).get("exception.type")
        if event.name == "exception" and exception_type:
            return str(exception_type)
    return str((span.attributes or {}).get(Attr.ERROR_TYPE, "_OTHER"))
