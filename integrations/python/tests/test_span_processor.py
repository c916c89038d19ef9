"""The span processor: masked headers, model and speech cost, tool metrics.
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import unittest

from opentelemetry import trace

from layercode_otel_kit.contract import Attr, CostItem, Outcome
from layercode_otel_kit.pricing import load_price_table
from layercode_otel_kit.spans import KitSpanProcessor

from support import SPANS, TRACER, count, points, post


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
