"""An ASGI middleware that turns LayerCode webhooks into the kit's turn telemetry.

It watches the webhook route from the outside: the request body (event type and ids), the SSE
answer (first response.tts, a response.data error, response.end) and the client's disconnect,
so the app's own code stays as it is. What it records is the contract's (contract.py): turn,
session and first-speech metrics, the ids and outcome on the request's SERVER span, the call
context of every log record, and a "turn completed" / "turn failed" log line per turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, NamedTuple

from loguru import logger
from opentelemetry import metrics, trace
from opentelemetry.trace import Status, StatusCode

from .contract import METRICS, Attr, Metric, Outcome
from .instruments import instruments
from .pricing import price_table, speech_charges
from .scope import SCOPE_NAME, SCOPE_VERSION
from .signature import SIGNATURE_HEADER, rejection_reason
from .spans import KitSpanProcessor, record_charges, tagged
from .turn import Turn, _current

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TURN_EVENTS = ("session.start", "message")
# Idle sessions (no session.end) stop counting as active after this, like the Node agent's
# history TTL.
SESSION_TTL_S = 3600.0
# Telemetry's own failures go to the standard library's logging, never back through loguru
# (whose sink is OTLP) and never to the caller.
_log = logging.getLogger("layercode_otel_kit")
_FAILURE_REPORT_INTERVAL_S = 60.0
_last_failure_report = float("-inf")


def _telemetry_failed(where: str) -> None:
    """Reports a failure of the kit's own code (at most once a minute); the request goes on."""
    global _last_failure_report
    now = time.monotonic()
    if now - _last_failure_report >= _FAILURE_REPORT_INTERVAL_S:
        _last_failure_report = now
        _log.warning(
            "layercode_otel_kit: telemetry failed in %s; the request is unaffected",
            where,
            exc_info=True,
        )


# At most one "webhook rejected" warning per reason this often (the others are counted).
REJECTION_LOG_INTERVAL_S = 10.0


class Rejections:
    """Counts webhooks the app refused with 401 (layercode.webhook.rejections, by reason) and
    warns, rate-limited per reason, with neither body nor signature: a wrong webhook secret
    refuses every webhook, and no turn means no other alert would tell."""

    def __init__(self, interval_s: float = REJECTION_LOG_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._last: dict[str, tuple[float, int]] = {}

    def record(self, agent: str, reason: str, now: float | None = None) -> None:
        instruments().webhook_rejections.add(
            1, {Attr.AGENT_NAME: agent, Attr.REJECTION_REASON: reason}
        )
        at = time.monotonic() if now is None else now
        last = self._last.get(reason)
        if last and at - last[0] < self.interval_s:
            self._last[reason] = (last[0], last[1] + 1)
            return
        self._last[reason] = (at, 0)
        logger.bind(rejection_reason=reason, suppressed=last[1] if last else 0).warning(
            "webhook rejected"
        )


def _guarded(where: str, step: Callable[[], None]) -> None:
    try:
        step()
    except Exception:
        _telemetry_failed(where)


class SessionTotals(NamedTuple):
    turns: int
    spend_usd: float


class Sessions:
    """Sessions started and not yet ended, per agent, for the layercode.sessions.active gauge.

    Written by the event loop, read by the metric reader's thread: hence the lock."""

    def __init__(self, ttl_s: float = SESSION_TTL_S) -> None:
        self.ttl_s = ttl_s
        # session id -> (agent, last seen, turns seen, what they cost in USD)
        self._seen: dict[str, tuple[str, float, int, float]] = {}
        self._lock = threading.Lock()

    def touch(self, session_id: str, agent: str, spend_usd: float = 0.0) -> None:
        """A turn of the session, and what its model calls cost."""
        with self._lock:
            _, _, turns, spend = self._seen.get(session_id, (agent, 0.0, 0, 0.0))
            self._seen[session_id] = (agent, time.monotonic(), turns + 1, spend + spend_usd)

    def end(self, session_id: str) -> SessionTotals | None:
        """The session's turns seen here and their spend (None when none were)."""
        with self._lock:
            seen = self._seen.pop(session_id, None)
        return SessionTotals(turns=seen[2], spend_usd=seen[3]) if seen else None

    def active(self) -> dict[str, int]:
        cutoff = time.monotonic() - self.ttl_s
        with self._lock:
            for session_id in [s for s, (_, seen, _, _) in self._seen.items() if seen < cutoff]:
                del self._seen[session_id]
            agents = [agent for agent, _, _, _ in self._seen.values()]
        counts: dict[str, int] = {}
        for agent in agents:
            counts[agent] = counts.get(agent, 0) + 1
        return counts


class TurnTelemetry:
    """ASGI middleware: the kit's turn telemetry for a LayerCode webhook route.

    `agent` names the agent (gen_ai.agent.name) in every record; `route` is the webhook path.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        agent: str,
        route: str = "/api/agent",
        spans: KitSpanProcessor | None = None,
    ) -> None:
        self.app = app
        self.agent = agent
        self.route = route
        if spans is None:
            try:
                spans = KitSpanProcessor.install()
            except RuntimeError:
                # Built lazily at the first request by Starlette: never turn that into a 500.
                # instrument_app() refuses this case at start-up.
                _telemetry_failed("installing the span processor")
        self.spans = spans
        price_table()  # a broken LAYERCODE_PRICES_FILE stops the app here, not at its first call
        self.instruments = instruments()
        self.sessions = Sessions()
        self.rejections = Rejections()
        meter = metrics.get_meter(SCOPE_NAME, SCOPE_VERSION)
        active = METRICS[Metric.LAYERCODE_SESSIONS_ACTIVE]
        meter.create_observable_gauge(
            active.name,
            callbacks=[self._observe_sessions],
            unit=active.unit,
            description=active.description,
        )

    def _observe_sessions(self, _options: metrics.CallbackOptions) -> list[metrics.Observation]:
        counts = self.sessions.active()
        counts.setdefault(self.agent, 0)
        return [metrics.Observation(n, {Attr.AGENT_NAME: agent}) for agent, n in counts.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.route:
            await self.app(scope, receive, send)
            return
        turn = Turn(agent=self.agent)
        span = trace.get_current_span()
        signature = next(
            (v for k, v in scope.get("headers", []) if k.lower() == SIGNATURE_HEADER), None
        )

        async def watch_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":

                def read() -> None:
                    turn.add_body(message.get("body", b""))
                    if not message.get("more_body", False):
                        turn.read_body()

                _guarded("reading the webhook", read)
            elif message["type"] == "http.disconnect":
                turn.disconnected = True
            return message

        failure: BaseException | None = None
        finished = False

        def finish() -> None:
            # Before the last body message goes out: the server instrumentation ends its span
            # with it.
            nonlocal finished
            if not finished:
                finished = True
                _guarded(
                    "recording the turn", lambda: self._finish(turn, span, failure, signature)
                )

        async def watch_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                turn.status = int(message["status"])
            elif message["type"] == "http.response.body":
                if turn.status == 200:
                    _guarded("reading the answer", lambda: turn.read_sse(message.get("body", b"")))
                if not message.get("more_body", False):
                    finish()
            try:
                await send(message)
            except OSError:
                turn.disconnected = True
                raise

        token = _current.set(turn)
        try:
            await self.app(scope, watch_receive, watch_send)
        except BaseException as exc:
            failure = exc
            raise
        finally:
            try:
                finish()
            finally:
                _current.reset(token)

    def _finish(
        self,
        turn: Turn,
        span: trace.Span,
        failure: BaseException | None,
        signature: bytes | None = None,
    ) -> None:
        if turn.status == 401:
            header = signature.decode("latin-1") if signature is not None else None
            self.rejections.record(turn.agent, rejection_reason(header))
        # A webhook the app refused (bad signature, bad body) is no turn: its 4xx says so.
        if turn.event_type is None or (turn.status is not None and 400 <= turn.status < 500):
            return
        duration_s = time.perf_counter() - turn.started
        attributes = tagged({Attr.AGENT_NAME: turn.agent}, turn)
        span_attributes = {
            Attr.EVENT_TYPE: turn.event_type,
            Attr.CONVERSATION_ID: turn.conversation_id,
            Attr.SESSION_ID: turn.session_id,
            Attr.TURN_ID: turn.turn_id,
            Attr.AGENT_NAME: turn.agent,
        }
        self._sessions(turn, attributes)
        if turn.event_type not in TURN_EVENTS:
            span.set_attributes({k: v for k, v in span_attributes.items() if v})
            return
        if failure is not None or turn.failed or (turn.status or 500) >= 500:
            outcome = Outcome.ERROR
        elif turn.disconnected and not turn.ended:
            outcome = Outcome.ABORTED
        else:
            outcome = Outcome.OK
        error_type = None
        if outcome == Outcome.ERROR:
            trace_id = span.get_span_context().trace_id
            if failure:
                error_type = type(failure).__qualname__
            elif self.spans:
                error_type = self.spans.error_type(trace_id)
        span_attributes[Attr.OUTCOME] = outcome
        span_attributes[Attr.ERROR_TYPE] = error_type
        span.set_attributes({k: v for k, v in span_attributes.items() if v})
        # The sampling tier keeps every turn slower than the first-speech objective by it.
        if turn.first_speech_s is not None:
            span.set_attribute(Attr.TIME_TO_FIRST_SPEECH, turn.first_speech_s)
        if outcome == Outcome.ERROR:
            span.set_status(Status(StatusCode.ERROR, "the agent failed to answer this turn"))
        metric_attributes = {**attributes, Attr.EVENT_TYPE: turn.event_type, Attr.OUTCOME: outcome}
        self.instruments.duration.record(duration_s, metric_attributes)
        if turn.first_speech_s is not None:
            self.instruments.first_speech.record(turn.first_speech_s, metric_attributes)
        fields = {
            "outcome": outcome,
            "duration_ms": round(duration_s * 1000),
            "first_speech_ms": None
            if turn.first_speech_s is None
            else round(turn.first_speech_s * 1000),
        }
        if outcome == Outcome.ERROR:
            logger.bind(**{"error.type": error_type, "error.code": "agent_failed"}).error(
                "turn failed"
            )
        logger.bind(**{k: v for k, v in fields.items() if v is not None}).info("turn completed")

    def _sessions(self, turn: Turn, attributes: dict[str, str | bool]) -> None:
        if not turn.session_id:
            return
        if turn.event_type == "session.start":
            self.instruments.sessions_started.add(1, attributes)
        if turn.event_type == "session.end":
            self.instruments.sessions_ended.add(1, attributes)
            seen = self.sessions.end(turn.session_id)
            if seen is not None:
                self.instruments.session_turns.record(seen.turns, attributes)
            figures = turn.session_figures
            if "duration" in figures:  # ms
                self.instruments.session_duration.record(figures["duration"] / 1000, attributes)
            if "latency" in figures:  # undocumented unit: ms, like duration (the contract)
                self.instruments.session_latency.record(figures["latency"] / 1000, attributes)
            if "transcription_duration_seconds" in figures:
                self.instruments.session_transcription.record(
                    figures["transcription_duration_seconds"], attributes
                )
            if "tts_duration_seconds" in figures:
                self.instruments.session_tts.record(figures["tts_duration_seconds"], attributes)
            speech = speech_charges(
                price_table(),
                figures.get("transcription_duration_seconds"),
                figures.get("tts_duration_seconds"),
            )
            speech_usd = record_charges(speech, attributes, None)
            # Only a session whose turns ran here has a whole total.
            if seen is not None:
                self.instruments.session_cost.record(seen.spend_usd + speech_usd, attributes)
        elif turn.event_type in TURN_EVENTS:
            self.sessions.touch(turn.session_id, turn.agent, turn.spend_usd)
