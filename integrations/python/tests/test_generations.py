"""The GenAI names follow OTEL_SEMCONV_STABILITY_OPT_IN, as the Node package's do.
Run: python -m unittest discover -s integrations/python/tests (the e2e run does)."""

from __future__ import annotations

import dataclasses
import unittest
from unittest import mock

from layercode_otel_kit.contract import Attr
from layercode_otel_kit import spans as spans_module
from layercode_otel_kit.instruments import Generations, genai_generations, instruments

from support import CHAT_USAGE, SPANS, TRACER, count, post


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
