"""The wrapper on the toolkit's webhook: turns, sessions, rejections, logs.
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import asyncio
import json
import time
import unittest

from opentelemetry import trace

from layercode_otel_kit import TurnTelemetry
from layercode_otel_kit.contract import SYNTHETIC_METADATA_KEY, Attr, Outcome
from layercode_otel_kit.middleware import Rejections
from layercode_otel_kit.signature import rejection_reason

from support import APP, CLIENT, IDS, LOGS, SPANS, TRACER, count, points, post, sse


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
