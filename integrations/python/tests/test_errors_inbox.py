"""Exceptions on spans count in the errors inbox by fingerprint, as in the Node package.
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import time
import unittest

from layercode_otel_kit.contract import Attr

from support import TRACER, points


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
