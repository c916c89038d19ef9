"""A span processor that reads the GenAI spans other instrumentations make (pydantic-ai under
Logfire): the contract's tool-call (count, duration), model-call and cost metrics, and why a
turn failed."""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from .contract import (
    LOGGED_HEADERS,
    MAX_ERROR_FINGERPRINTS,
    OVERFLOW_FINGERPRINT,
    Attr,
    Operation,
    Outcome,
    TokenModality,
)
from .fingerprint import ErrorIdentity, error_identity
from .instruments import ERROR_SIGHTINGS, instruments
from .pricing import Charge, price_table, token_charges
from .turn import Turn, current_turn

# Traces whose failure is remembered until their turn ends (a bound, not a timeout).
MAX_TRACES = 10_000
REDACTED = "[REDACTED]"
_HEADER_ATTRIBUTE = re.compile(r"^http\.(?:request|response)\.header\.(.+)$")
_LOGGED_HEADERS = frozenset(LOGGED_HEADERS)


def mask_headers(span: Span) -> None:
    """Masks captured header attributes (http.request.header.<name>) outside the contract's
    allowlist, whatever the header's name: credentials travel under names no pattern foresees
    (x-functions-key, ocp-apim-subscription-key, ...)."""
    for key, value in list((span.attributes or {}).items()):
        match = _HEADER_ATTRIBUTE.match(key)
        if match and match.group(1).lower().replace("_", "-") not in _LOGGED_HEADERS:
            masked = [REDACTED] * len(value) if isinstance(value, (list, tuple)) else REDACTED
            span.set_attribute(key, masked)

_unpriced: set[str] = set()


def tagged(attributes: dict[str, str | bool], turn: Turn | None) -> dict[str, str | bool]:
    """A metric's attributes, with layercode.synthetic when the turn is the canary's."""
    return {**attributes, Attr.SYNTHETIC: True} if turn and turn.synthetic else attributes


def record_charges(
    charges: Iterable[Charge], attributes: dict[str, str | bool], turn: Turn | None
) -> float:
    """Counts charges on layercode.cost (and on the turn, for its session); their sum."""
    total = 0.0
    for charge in charges:
        item = {**tagged(attributes, turn), Attr.COST_ITEM: charge.item}
        instruments().cost.add(charge.usd, item)
        total += charge.usd
    if turn:
        turn.spend_usd += total
    return total


class KitSpanProcessor(SpanProcessor):
    def __init__(self) -> None:
        self._errors: OrderedDict[int, str] = OrderedDict()
        self._seen: OrderedDict[tuple[object, str], bool] = OrderedDict()
        self._touched: OrderedDict[tuple[object, str], bool] = OrderedDict()
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
        # Headers an instrumentation passes as start attributes (the app's own ASGI middleware
        # is configured with the allowlist by instrument_app; the collector masks the rest).
        mask_headers(span)
        # The conventions ask for the conversation's id on inference and agent spans: inside a
        # turn it is LayerCode's, a real one (never made up when there is none).
        turn = current_turn()
        attributes = span.attributes or {}
        if (
            turn is not None
            and turn.conversation_id
            and Attr.GEN_AI_CONVERSATION_ID not in attributes
            and (
                attributes.get(Attr.OPERATION) in _CONVERSATION_OPERATIONS
                or span.name.startswith(_CONVERSATION_SPANS)
            )
        ):
            span.set_attribute(Attr.GEN_AI_CONVERSATION_ID, turn.conversation_id)

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        failed = span.status.status_code == StatusCode.ERROR
        if failed and span.context is not None:
            self._remember(span.context.trace_id, _error_type(span))
        operation = attributes.get(Attr.OPERATION)
        # on_end runs where the span ended: inside the turn, whose agent names the records.
        turn = current_turn()
        self._count_errors(span, turn)
        agent = turn.agent if turn else str(attributes.get(Attr.AGENT_NAME, ""))
        kit = instruments()
        if operation == Operation.EXECUTE_TOOL or span.name.startswith("execute_tool "):
            tool = attributes.get(Attr.TOOL_NAME) or span.name.removeprefix("execute_tool ")
            call = {
                Attr.AGENT_NAME: agent,
                Attr.TOOL_NAME: str(tool),
                Attr.OUTCOME: Outcome.ERROR if failed else Outcome.OK,
            }
            kit.tool_calls.add(1, tagged(call, turn))
            if span.end_time and span.start_time:
                duration_s = (span.end_time - span.start_time) / 1e9
                # The GenAI names the switch asks for (OTEL_SEMCONV_STABILITY_OPT_IN).
                if kit.generations.legacy:
                    kit.tool_duration.record(duration_s, tagged(call, turn))
                if kit.generations.latest:
                    timed = {**call, Attr.ERROR_TYPE: _error_type(span)} if failed else call
                    kit.execute_tool_duration.record(duration_s, tagged(timed, turn))
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
            timed = {**metric, Attr.ERROR_TYPE: _error_type(span)} if failed else metric
            duration_s = (span.end_time - span.start_time) / 1e9
            if kit.generations.legacy:
                kit.model_duration.record(duration_s, tagged(timed, turn))
            if kit.generations.latest:
                kit.inference_duration.record(duration_s, tagged(timed, turn))
                self._tokens(attributes, metric, turn)
            self._spend(attributes, metric, turn)

    def _tokens(self, attributes: Any, metric: dict[str, str], turn: Turn | None) -> None:
        """The latest token counters, from the chat span's usage (pydantic-ai records the
        legacy gen_ai.client.token.usage itself; the kit's queries count an app on both once)."""
        kit = instruments()
        counted = tagged({**metric, Attr.TOKEN_MODALITY: TokenModality.TEXT}, turn)
        per_call = tagged(metric, turn)
        for key, counter, histogram in (
            (Attr.INPUT_TOKENS, kit.input_tokens, kit.input_tokens_per_call),
            (Attr.OUTPUT_TOKENS, kit.output_tokens, kit.output_tokens_per_call),
        ):
            if (value := attributes.get(key)) is not None:
                counter.add(int(value), counted)
                histogram.record(int(value), per_call)
        if (cached := attributes.get(Attr.CACHED_INPUT_TOKENS)) is not None:
            kit.cache_read_tokens.add(int(cached), counted)

    def _spend(self, attributes: Any, metric: dict[str, str], turn: Turn | None) -> None:
        """The call's tokens at the price table's prices (a model without one: warned once)."""
        model = metric[Attr.REQUEST_MODEL]
        charges = token_charges(
            price_table(),
            model,
            input=int(attributes.get(Attr.INPUT_TOKENS, 0) or 0),
            output=int(attributes.get(Attr.OUTPUT_TOKENS, 0) or 0),
            cached_input=int(attributes.get(Attr.CACHED_INPUT_TOKENS, 0) or 0),
        )
        if charges is None:
            if model not in _unpriced:
                _unpriced.add(model)
                warnings.warn(
                    f'no price for model "{model}" in the price table: its calls count no '
                    "layercode.cost (add it to your LAYERCODE_PRICES_FILE)",
                    stacklevel=2,
                )
            return
        call: dict[str, str | bool] = {
            k: metric[k] for k in (Attr.AGENT_NAME, Attr.PROVIDER, Attr.REQUEST_MODEL)
        }
        record_charges(charges, call, turn)

    def _count_errors(self, span: ReadableSpan, turn: Turn | None) -> None:
        """The errors inbox: each exception a span recorded, by fingerprint, once a trace (it
        is recorded again on every span it passes through), and once per conversation."""
        if span.context is None:
            return
        for event in span.events:
            if event.name != "exception":
                continue
            found = event.attributes or {}
            identity = _bounded(
                error_identity(
                    str(found.get("exception.type") or "_OTHER"),
                    str(found.get("exception.message") or ""),
                    str(found.get("exception.stacktrace") or ""),
                )
            )
            labels: dict[str, str | bool] = {
                Attr.ERROR_FINGERPRINT: identity.fingerprint,
                Attr.ERROR_TYPE: identity.type,
                Attr.ERROR_MESSAGE: identity.message,
            }
            with self._lock:
                first_in_trace = _first((span.context.trace_id, identity.fingerprint), self._seen)
                conversation = turn.conversation_id if turn else None
                first_in_call = conversation is not None and _first(
                    (conversation, identity.fingerprint), self._touched
                )
            if first_in_trace:
                instruments().errors.add(1, tagged(labels, turn))
                now = time.time()
                key = tuple(sorted(tagged(labels, turn).items()))
                with self._lock:
                    ERROR_SIGHTINGS.setdefault(key, [now, now])[1] = now
            if first_in_call:
                instruments().error_conversations.add(1, tagged(labels, turn))

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


_known_fingerprints: set[str] = set()


def _bounded(identity: ErrorIdentity) -> ErrorIdentity:
    """At most MAX_ERROR_FINGERPRINTS a process; the rest are one overflow series."""
    if identity.fingerprint in _known_fingerprints:
        return identity
    if len(_known_fingerprints) < MAX_ERROR_FINGERPRINTS:
        _known_fingerprints.add(identity.fingerprint)
        return identity
    return ErrorIdentity(OVERFLOW_FINGERPRINT, OVERFLOW_FINGERPRINT, OVERFLOW_FINGERPRINT)


def _first(key: tuple[object, str], seen: OrderedDict[tuple[object, str], bool]) -> bool:
    """Whether `key` is new to `seen` (which keeps the latest MAX_TRACES keys)."""
    if key in seen:
        return False
    seen[key] = True
    while len(seen) > MAX_TRACES:
        seen.popitem(last=False)
    return True


_CONVERSATION_OPERATIONS = (Operation.CHAT, Operation.INVOKE_AGENT)
# pydantic-ai's names for the same spans, whose operation may be set only when they end.
_CONVERSATION_SPANS = ("chat ", "invoke_agent", "agent run")


def _error_type(span: ReadableSpan) -> str:
    for event in span.events:
        exception_type = (event.attributes or {}).get("exception.type")
        if event.name == "exception" and exception_type:
            return str(exception_type)
    return str((span.attributes or {}).get(Attr.ERROR_TYPE, "_OTHER"))
