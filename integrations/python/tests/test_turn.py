"""The turn parser and the active-sessions gauge, on hostile input too.
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import unittest

from layercode_otel_kit.contract import LOG_CONTEXT_FIELDS
from layercode_otel_kit.middleware import Sessions
from layercode_otel_kit.turn import MAX_BODY_BYTES, Turn


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
