"""Unit tests of the wrapper on in-memory OpenTelemetry providers and a Starlette app that
answers like layercode-create-app (SSE events, an {"error": ...} data event on failure).
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import unittest
from unittest import mock

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
from layercode_otel_kit.contract import (
    LOG_CONTEXT_FIELDS,
    SYNTHETIC_METADATA_KEY,
    Attr,
    CostItem,
    Outcome,
)
from layercode_otel_kit import spans as spans_module
from layercode_otel_kit.instruments import Generations, genai_generations, instruments
from layercode_otel_kit.pricing import load_price_table
from layercode_otel_kit.middleware import Rejections, Sessions
from layercode_otel_kit.signature import rejection_reason
from layercode_otel_kit.spans import KitSpanProcessor
from layercode_otel_kit.turn import MAX_BODY_BYTES, Turn

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


class MiddlewareTest(unittest.TestCase):
    def setUp(self) -> None:
        SPANS.clear()
        LOGS.clear()

    def test_an_ok_turn_is_counted_timed_and_put_on_the_server_span(self) -> None:
        before = count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.OK})
        self.assertEqual(post({"type": "message", "turn_id": "t1", "text": "hi", **IDS}), 200)
        self.assertEqual(count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.OK}), before + 1)
        self.assertGreater(count("layercode.turn.time_to_first_speech"), 0)
        [span] = [s for s in SPANS.get_finished_spans() if s.name == "POST /api/agent"]
        self.assertEqual(span.attributes[Attr.TURN_ID], "t1")
        self.assertEqual(span.attributes[Attr.CONVERSATION_ID], "c1")
        self.assertEqual(span.attributes[Attr.OUTCOME], Outcome.OK)
        self.assertEqual(span.attributes[Attr.AGENT_NAME], "bakery")
        first_speech = span.attributes[Attr.TIME_TO_FIRST_SPEECH]
        duration_s = (span.end_time - span.start_time) / 1e9
        self.assertTrue(0 < first_speech <= duration_s, first_speech)

    def test_an_error_data_event_makes_the_turn_failed_though_it_answers_200(self) -> None:
        before = count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.ERROR})
        self.assertEqual(post({"type": "message", "turn_id": "t2", "text": "fail", **IDS}), 200)
        self.assertEqual(count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.ERROR}), before + 1)
        [span] = [s for s in SPANS.get_finished_spans() if s.name == "POST /api/agent"]
        self.assertEqual(span.attributes[Attr.OUTCOME], Outcome.ERROR)
        self.assertEqual(span.attributes[Attr.ERROR_TYPE], "_OTHER")
        self.assertEqual(span.status.status_code, trace.StatusCode.ERROR)
        bodies = [r.log_record.body for r in LOGS.get_finished_logs()]
        self.assertIn("turn failed", bodies)

    def test_a_caller_who_hangs_up_mid_answer_aborts_the_turn(self) -> None:
        async def hung_up(scope, receive, send) -> None:
            await receive()  # the webhook
            await send({"type": "http.response.start", "status": 200, "headers": []})
            tts = sse({"type": "response.tts", "content": "Hel", "turn_id": "t5"})[0]
            await send({"type": "http.response.body", "body": tts, "more_body": True})
            await receive()  # the caller is gone: the app stops without response.end

        body = json.dumps({"type": "message", "turn_id": "t5", "text": "hi", **IDS}).encode()
        messages = [
            {"type": "http.request", "body": body, "more_body": False},
            {"type": "http.disconnect"},
        ]

        async def receive():
            return messages.pop(0)

        async def send(_message) -> None:
            pass

        before = count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.ABORTED})
        app = TurnTelemetry(hung_up, agent="bakery")
        scope = {"type": "http", "method": "POST", "path": "/api/agent", "headers": []}
        with TRACER.start_as_current_span("POST /api/agent"):
            asyncio.run(app(scope, receive, send))
        self.assertEqual(count("layercode.turn.duration", **{Attr.OUTCOME: Outcome.ABORTED}), before + 1)

    def test_a_refused_webhook_is_no_turn(self) -> None:
        before = sum(count("layercode.turn.duration", **{Attr.OUTCOME: o}) for o in ("ok", "error"))
        self.assertEqual(post({"type": "message", "turn_id": "t3", **IDS}, signature="bad"), 401)
        after = sum(count("layercode.turn.duration", **{Attr.OUTCOME: o}) for o in ("ok", "error"))
        self.assertEqual(after, before)

    def test_sessions_start_and_end(self) -> None:
        started = count("layercode.sessions.started")
        ids = {"conversation_id": "c9", "session_id": "s9"}
        post({"type": "session.start", "turn_id": "t0", **ids})
        post({"type": "session.end", **ids})
        self.assertEqual(count("layercode.sessions.started"), started + 1)
        self.assertGreaterEqual(count("layercode.sessions.ended"), 1)

    def test_session_end_records_layercodes_figures_and_the_turns(self) -> None:
        def summed(name: str) -> tuple[float, float]:
            found = points(name)
            return sum(p.count for p in found), sum(p.sum for p in found)

        names = [
            "layercode.session.duration",
            "layercode.session.latency",
            "layercode.session.transcription.duration",
            "layercode.session.tts.duration",
            "layercode.session.turns",
        ]
        before = {name: summed(name) for name in names}
        ids = {"conversation_id": "c8", "session_id": "s8"}
        post({"type": "session.start", "turn_id": "t0", **ids})
        post({"type": "message", "turn_id": "t1", "text": "hi", **ids})
        post({"type": "data", "data": {}, **ids})  # no turn
        end = {"duration": 90_500, "latency": 640, "transcription_duration_seconds": 12.5}
        post({"type": "session.end", **end, "tts_duration_seconds": True, **ids})
        grown = {
            name: tuple(a - b for a, b in zip(summed(name), before[name], strict=True))
            for name in names
        }
        self.assertEqual(grown["layercode.session.duration"], (1, 90.5))
        self.assertEqual(grown["layercode.session.latency"], (1, 0.64), "ms, read as seconds")
        self.assertEqual(grown["layercode.session.transcription.duration"], (1, 12.5))
        self.assertEqual(grown["layercode.session.tts.duration"], (0, 0), "true is no figure")
        self.assertEqual(grown["layercode.session.turns"], (1, 2))

    def test_a_synthetic_conversation_is_tagged_and_a_real_one_is_not(self) -> None:
        def synthetic_turns(tag: object) -> float:
            return sum(
                p.count
                for p in points("layercode.turn.duration")
                if p.attributes.get(Attr.SYNTHETIC) is tag
            )

        tagged, untagged = synthetic_turns(True), synthetic_turns(None)
        ids = {"conversation_id": "c7", "session_id": "s7"}
        canary = {"custom_metadata": {SYNTHETIC_METADATA_KEY: True}}
        post({"type": "message", "turn_id": "t1", "text": "hi", **canary, **ids})
        post({"type": "message", "turn_id": "t2", "text": "hi", **ids})
        self.assertEqual(synthetic_turns(True), tagged + 1)
        self.assertEqual(synthetic_turns(None), untagged + 1)

    def test_log_records_carry_the_turn_and_the_trace(self) -> None:
        post({"type": "message", "turn_id": "t4", "text": "hi", **IDS})
        [answering] = [
            r.log_record for r in LOGS.get_finished_logs() if r.log_record.body == "answering"
        ]
        self.assertEqual(answering.attributes["turn_id"], "t4")
        self.assertEqual(answering.attributes["agent"], "bakery")
        self.assertEqual(answering.severity_text, "info")
        self.assertNotEqual(answering.trace_id, 0)
        [completed] = [
            r.log_record for r in LOGS.get_finished_logs() if r.log_record.body == "turn completed"
        ]
        self.assertEqual(completed.attributes["outcome"], "ok")


class RejectionTest(unittest.TestCase):
    def test_names_the_reason_from_the_signature_header_alone(self) -> None:
        fresh = f"t={int(time.time())},v1={'a' * 64}"
        self.assertEqual(rejection_reason(None), "missing")
        self.assertEqual(rejection_reason("t=abc,v1=zz"), "malformed")
        self.assertEqual(rejection_reason(f"t=1,v1={'a' * 64}"), "stale")
        self.assertEqual(rejection_reason(fresh), "mismatch")

    def test_counts_every_webhook_the_app_refused_and_warns_once_per_reason(self) -> None:
        def counted() -> dict[str, int]:
            out: dict[str, int] = {}
            for p in points("layercode.webhook.rejections"):
                reason = str(p.attributes[Attr.REJECTION_REASON])
                out[reason] = out.get(reason, 0) + int(p.value)
            return out

        before = counted()
        LOGS.clear()
        APP.rejections = Rejections()  # earlier tests' unsigned posts started its intervals
        body = {"type": "message", "session_id": "r1", "conversation_id": "r1", "turn_id": "t"}
        fresh = f"t={int(time.time())},v1={'b' * 64}"
        for headers in [{"layercode-signature": fresh}] * 3 + [{}, {"layercode-signature": "x"}]:
            response = CLIENT.post("/api/agent", json=body, headers=headers)
            self.assertEqual(response.status_code, 401)
        grown = {k: v - before.get(k, 0) for k, v in counted().items()}
        self.assertEqual(
            {k: v for k, v in grown.items() if v}, {"mismatch": 3, "missing": 1, "malformed": 1}
        )
        warned = [
            r.log_record.attributes.get("rejection_reason")
            for r in LOGS.get_finished_logs()
            if r.log_record.body == "webhook rejected"
        ]
        self.assertEqual(sorted(warned), ["malformed", "mismatch", "missing"], "rate-limited")
        records = [r.log_record.attributes for r in LOGS.get_finished_logs()]
        self.assertNotIn("b" * 64, repr(records), "no signature in the log")


class SpanProcessorTest(unittest.TestCase):
    def test_masks_captured_headers_outside_the_allowlist_whatever_their_names(self) -> None:
        KitSpanProcessor.install()
        tracer = trace.get_tracer("headers-test")
        span = tracer.start_span(
            "headers",
            attributes={
                "http.request.header.x_functions_key": ("k1",),
                "http.request.header.ocp-apim-subscription-key": ("k2",),
                "http.request.header.content_type": ("application/json",),
                "http.request.header.user-agent": ("LayerCode",),
                "http.request.method": "POST",
            },
        )
        span.end()
        (exported,) = [s for s in SPANS.get_finished_spans() if s.name == "headers"]
        attributes = dict(exported.attributes or {})
        self.assertEqual(attributes["http.request.header.x_functions_key"], ("[REDACTED]",))
        self.assertEqual(
            attributes["http.request.header.ocp-apim-subscription-key"], ("[REDACTED]",)
        )
        self.assertEqual(attributes["http.request.header.content_type"], ("application/json",))
        self.assertEqual(attributes["http.request.header.user-agent"], ("LayerCode",))
        self.assertEqual(attributes["http.request.method"], "POST")

    def test_model_tokens_and_speech_cost_at_the_table_prices_and_add_up_per_session(self) -> None:
        def spent(**match: str) -> float:
            return sum(
                p.value
                for p in points("layercode.cost")
                if all(p.attributes.get(k) == v for k, v in match.items())
            )

        def session_costs() -> tuple[float, float]:
            found = points("layercode.session.cost")
            return sum(p.count for p in found), sum(p.sum for p in found)

        model = {Attr.REQUEST_MODEL: "gpt-4o-mini-2024-07-18", Attr.PROVIDER: "openai"}
        items = (CostItem.INPUT, CostItem.CACHED_INPUT, CostItem.OUTPUT)
        before = {item: spent(**model, **{Attr.COST_ITEM: item}) for item in items}
        speech_before = spent(**{Attr.COST_ITEM: CostItem.TTS})
        sessions_before = session_costs()
        ids = {"conversation_id": "c6", "session_id": "s6"}
        post({"type": "session.start", "turn_id": "t0", **ids})
        post({"type": "message", "turn_id": "t1", "text": "model, please", **ids})
        end = {"transcription_duration_seconds": 30, "tts_duration_seconds": 60}
        post({"type": "session.end", **end, **ids})
        # gpt-4o-mini's price (the dated id takes its base id's): per million tokens
        price = load_price_table({})["models"]["gpt-4o-mini"]
        expected = {
            CostItem.INPUT: 600 * price["input"] / 1e6,
            CostItem.CACHED_INPUT: 400 * price["cached_input"] / 1e6,
            CostItem.OUTPUT: 200 * price["output"] / 1e6,
        }
        for item in items:
            grown = spent(**model, **{Attr.COST_ITEM: item}) - before[item]
            self.assertAlmostEqual(grown, expected[item], places=12, msg=item)
        speech = load_price_table({})["speech"]
        tts = spent(**{Attr.COST_ITEM: CostItem.TTS}) - speech_before
        self.assertAlmostEqual(tts, speech["tts_per_minute"], places=12)
        count, total = (a - b for a, b in zip(session_costs(), sessions_before, strict=True))
        self.assertEqual(count, 1)
        whole = sum(expected.values()) + 0.5 * speech["transcription_per_minute"] + tts
        self.assertAlmostEqual(total, whole, places=12)

    def test_a_tool_span_is_counted_and_timed(self) -> None:
        call = {Attr.AGENT_NAME: "bakery", Attr.TOOL_NAME: "list_menu", Attr.OUTCOME: Outcome.OK}

        def timed() -> tuple[float, float]:
            found = [p for p in points("layercode.tool.duration") if dict(p.attributes) == call]
            return (found[0].count, found[0].sum) if found else (0, 0.0)

        calls, (n, total) = count("layercode.tool.calls", **call), timed()
        span = TRACER.start_span(
            "execute_tool list_menu",
            attributes={
                Attr.OPERATION: "execute_tool",
                Attr.TOOL_NAME: "list_menu",
                Attr.AGENT_NAME: "bakery",
            },
            start_time=1_000_000_000,
        )
        span.end(end_time=1_250_000_000)  # 0.25 s
        self.assertEqual(count("layercode.tool.calls", **call), calls + 1)
        self.assertEqual(timed()[0], n + 1)
        self.assertAlmostEqual(timed()[1] - total, 0.25)


class GenerationsTest(unittest.TestCase):
    """The GenAI names follow OTEL_SEMCONV_STABILITY_OPT_IN, as the Node package's do."""

    def setUp(self) -> None:
        SPANS.clear()

    def on(self, legacy: bool, latest: bool):
        kit = dataclasses.replace(instruments(), generations=Generations(legacy, latest))
        return mock.patch.object(spans_module, "instruments", lambda: kit)

    def test_the_switch_values(self) -> None:
        switch = "OTEL_SEMCONV_STABILITY_OPT_IN"
        self.assertEqual(genai_generations({}), Generations(True, False))
        self.assertEqual(genai_generations({switch: "http/dup"}), Generations(True, False))
        latest = {switch: "http, GEN_AI_LATEST_EXPERIMENTAL"}
        self.assertEqual(genai_generations(latest), Generations(False, True))
        dup = {switch: "gen_ai_latest_experimental/dup"}
        self.assertEqual(genai_generations(dup), Generations(True, True))

    def model_call(self, conversation: str) -> None:
        ids = {"conversation_id": conversation, "session_id": conversation}
        post({"type": "message", "turn_id": "t1", "text": "model, please", **ids})
        tool = TRACER.start_span(
            "execute_tool list_menu",
            attributes={Attr.OPERATION: "execute_tool", Attr.TOOL_NAME: "list_menu"},
            start_time=1_000_000_000,
        )
        tool.end(end_time=1_500_000_000)

    def counts(self) -> dict[str, float]:
        text = {Attr.TOKEN_MODALITY: "text", Attr.REQUEST_MODEL: "gpt-4o-mini-2024-07-18"}
        return {
            "legacy model": count("gen_ai.client.operation.duration"),
            "latest model": count("gen_ai.client.inference.duration"),
            "legacy tool": count("layercode.tool.duration"),
            "latest tool": count("gen_ai.execute_tool.duration"),
            "input": count("gen_ai.client.inference.usage.input_tokens", **text),
            "output": count("gen_ai.client.inference.usage.output_tokens", **text),
            "cached": count("gen_ai.client.inference.usage.cache_read.input_tokens", **text),
            "per call": count("gen_ai.client.inference.operation.input_tokens"),
        }

    def grown(self, legacy: bool, latest: bool) -> dict[str, float]:
        before = self.counts()
        with self.on(legacy, latest):
            self.model_call("c-gen")
        return {k: v - before[k] for k, v in self.counts().items()}

    def test_latest_names_only(self) -> None:
        self.assertEqual(
            self.grown(legacy=False, latest=True),
            {
                "legacy model": 0,
                "latest model": 1,
                "legacy tool": 0,
                "latest tool": 1,
                "input": 1000,
                "output": 200,
                "cached": 400,
                "per call": 1,
            },
        )

    def test_legacy_names_only_by_default(self) -> None:
        grown = self.grown(legacy=True, latest=False)
        self.assertEqual((grown["legacy model"], grown["legacy tool"]), (1, 1))
        latest = {k: v for k, v in grown.items() if not k.startswith("legacy")}
        self.assertEqual(latest, dict.fromkeys(latest, 0))

    def test_dup_records_both(self) -> None:
        grown = self.grown(legacy=True, latest=True)
        self.assertEqual(
            (grown["legacy model"], grown["latest model"], grown["legacy tool"], grown["input"]),
            (1, 1, 1, 1000),
        )

    def test_chat_spans_carry_layercodes_conversation_id_and_others_do_not(self) -> None:
        self.model_call("c-real")
        by_name = {s.name: dict(s.attributes or {}) for s in SPANS.get_finished_spans()}
        self.assertEqual(by_name["chat gpt-4o-mini"][Attr.GEN_AI_CONVERSATION_ID], "c-real")
        self.assertNotIn(Attr.GEN_AI_CONVERSATION_ID, by_name["execute_tool list_menu"])
        # Outside a turn there is no conversation: none is made up.
        TRACER.start_span("chat gpt-4o-mini", attributes=CHAT_USAGE).end()
        outside = [dict(s.attributes or {}) for s in SPANS.get_finished_spans()][-1]
        self.assertNotIn(Attr.GEN_AI_CONVERSATION_ID, outside)


class ErrorsInboxTest(unittest.TestCase):
    """Exceptions on spans count in layercode.errors by fingerprint, as the Node package's."""

    def fingerprints(self, name: str = "layercode.errors") -> dict[str, float]:
        return {
            str(p.attributes.get(Attr.ERROR_FINGERPRINT)): p.value
            for p in points(name)
            if str(p.attributes.get(Attr.ERROR_TYPE)).endswith(".KitchenClosed")
        }

    def raise_in_two_spans(self, order: int) -> None:
        # One exception recorded by the span it happened in and by its parent, one trace.
        with TRACER.start_as_current_span("invoke_agent bakery") as outer:
            try:
                raise KitchenClosed(f"order {order} failed")
            except KitchenClosed as error:
                with TRACER.start_as_current_span("execute_tool place_order") as inner:
                    inner.record_exception(error)
                outer.record_exception(error)

    def test_an_exception_counts_once_a_trace_by_its_fingerprint(self) -> None:
        before = self.fingerprints()
        self.raise_in_two_spans(1)
        self.raise_in_two_spans(2)  # the same fault, another order: the same fingerprint
        grown = {k: v - before.get(k, 0) for k, v in self.fingerprints().items()}
        self.assertEqual(list(grown.values()), [2])
        (fingerprint,) = grown
        self.assertRegex(fingerprint, r"^[0-9a-f]{16}$")
        messages = {
            p.attributes.get(Attr.ERROR_MESSAGE)
            for p in points("layercode.errors")
            if p.attributes.get(Attr.ERROR_FINGERPRINT) == fingerprint
        }
        self.assertEqual(messages, {"order <n> failed"})
        # When it was first and last seen, for the inbox (Unix seconds, this process's).
        seen = {
            name: [
                p.value
                for p in points(f"layercode.error.{name}")
                if p.attributes.get(Attr.ERROR_FINGERPRINT) == fingerprint
            ]
            for name in ("first_seen", "last_seen")
        }
        self.assertEqual(len(seen["first_seen"]), 1)
        self.assertLessEqual(seen["first_seen"][0], seen["last_seen"][0])
        self.assertLess(time.time() - seen["last_seen"][0], 60)


class KitchenClosed(Exception):
    pass


class TurnTest(unittest.TestCase):
    def test_log_fields_are_the_contracts(self) -> None:
        turn = Turn(agent="a", event_type="message")
        turn.conversation_id, turn.session_id, turn.turn_id = "c", "s", "t"
        self.assertEqual(set(turn.log_fields()), set(LOG_CONTEXT_FIELDS))

    def test_bad_bodies_leave_the_turn_unknown(self) -> None:
        for body in (b"not json", b"[1]", b'{"type": 3}', b"\xff"):
            turn = Turn(agent="a")
            turn.body += body
            turn.read_body()
            self.assertIsNone(turn.event_type, body)

    def test_session_end_figures_are_finite_non_negative_numbers(self) -> None:
        turn = Turn(agent="bakery")
        turn.add_body(
            b'{"type": "session.end", "duration": Infinity, "tts_duration_seconds": -1,'
            b' "transcription_duration_seconds": 3, "latency": 5}'
        )
        turn.read_body()
        self.assertEqual(
            turn.session_figures, {"transcription_duration_seconds": 3.0, "latency": 5.0}
        )

    def test_an_oversized_body_is_not_kept(self) -> None:
        turn = Turn(agent="a")
        turn.add_body(b'{"type": "message", "turn_id": "t", "text": "')
        turn.add_body(b"x" * MAX_BODY_BYTES)
        turn.add_body(b'"}')
        self.assertEqual(len(turn.body), 0)
        turn.read_body()
        self.assertIsNone(turn.event_type)

    def test_sse_events_split_across_chunks(self) -> None:
        turn = Turn(agent="a")
        event = b'data: {"type":"response.tts","content":"hi"}\n\n'
        turn.read_sse(event[:10])
        self.assertIsNone(turn.first_speech_s)
        turn.read_sse(event[10:] + b"data: not json\n\n" + b'data: {"type":"response.end"}\n\n')
        self.assertIsNotNone(turn.first_speech_s)
        self.assertTrue(turn.ended)
        self.assertFalse(turn.failed)


class SessionsTest(unittest.TestCase):
    def test_active_sessions_per_agent_end_and_expire(self) -> None:
        sessions = Sessions(ttl_s=3600)
        sessions.touch("s1", "a")
        sessions.touch("s2", "a")
        sessions.touch("s3", "b")
        sessions.end("s2")
        self.assertEqual(sessions.active(), {"a": 1, "b": 1})
        self.assertEqual(Sessions(ttl_s=-1).active(), {})
        expiring = Sessions(ttl_s=-1)
        expiring.touch("s1", "a")
        self.assertEqual(expiring.active(), {})


if __name__ == "__main__":
    unittest.main()
