"""The fingerprint agrees with the Node package on the shared cases, and reads tracebacks."""

from __future__ import annotations

import json
import traceback
import unittest
from pathlib import Path

from layercode_otel_kit.fingerprint import (
    Frame,
    error_identity,
    fingerprint_of,
    normalize_message,
    stack_frames,
)

CASES = json.loads((Path(__file__).parent / "fingerprint_cases.json").read_text("utf-8"))["cases"]


class SharedCasesTest(unittest.TestCase):
    def test_every_case_as_node_computes_it(self) -> None:
        self.assertGreaterEqual(len(CASES), 10)
        for case in CASES:
            with self.subTest(case["name"]):
                frames = [Frame(f["module"], f["function"]) for f in case["frames"]]
                self.assertEqual(normalize_message(case["message"]), case["normalized"])
                self.assertEqual(
                    fingerprint_of(case["type"], case["message"], frames), case["fingerprint"]
                )


def place_order(order_id: int) -> None:
    raise ValueError(f"order {order_id} failed: kitchen closed")


def attempt(order_id: int) -> str:
    try:
        place_order(order_id)
    except ValueError:
        return traceback.format_exc()
    raise AssertionError("did not raise")


class TracebackTest(unittest.TestCase):
    def test_the_apps_frames_innermost_first_without_lines(self) -> None:
        frames = stack_frames(attempt(1))
        self.assertEqual([f.function for f in frames], ["place_order", "attempt"])
        self.assertTrue(frames[0].module.endswith("test_fingerprint"))
        moved = attempt(2).replace(", line ", ", line 1").replace("line 1", "line 9")
        self.assertEqual(stack_frames(moved), frames, "line numbers do not count")

    def test_libraries_by_package_when_no_frame_is_the_apps(self) -> None:
        text = "\n".join(
            [
                "Traceback (most recent call last):",
                '  File "/venv/lib/python3.12/site-packages/pydantic_ai/agent.py", line 10, in run',
                '  File "/venv/lib/python3.12/site-packages/openai/_base_client.py", line 9, in request',
                "openai.RateLimitError: Error code: 429",
            ]
        )
        self.assertEqual(
            stack_frames(text), [Frame("openai", "request"), Frame("pydantic_ai", "run")]
        )

    def test_same_fault_same_fingerprint_other_ids_and_override(self) -> None:
        one = error_identity("ValueError", "order 1 failed: kitchen closed", attempt(1))
        two = error_identity("ValueError", "order 77 failed: kitchen closed", attempt(77))
        self.assertEqual(one, two)
        self.assertEqual(one.message, "order <n> failed: kitchen closed")
        other = error_identity("KeyError", "order 1 failed: kitchen closed", attempt(1))
        self.assertNotEqual(other.fingerprint, one.fingerprint)
        own = error_identity("ValueError", "x", own=["payments", "declined"])
        self.assertEqual(own, error_identity("ValueError", "x", own=["payments", "declined"]))
        self.assertNotEqual(own.fingerprint, one.fingerprint)
