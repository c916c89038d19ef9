"""The price table as the wrapper reads it: the bundled copy of the kit's, or the user's file."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

from layercode_otel_kit.contract import PRICES_FILE_ENV, CostItem
from layercode_otel_kit.pricing import (
    BUNDLED,
    load_price_table,
    model_price,
    speech_charges,
    token_charges,
)

TABLE = {
    "currency": "USD",
    "as_of": "2025-06-01",
    "models": {
        "gpt-4o": {"input": 2.5, "output": 10},
        "gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6},
    },
    "speech": {"transcription_per_minute": 0.01, "tts_per_minute": 0.02},
}


def written(table: object) -> str:
    file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with file:
        file.write(table if isinstance(table, str) else json.dumps(table))
    return file.name


class PricingTest(unittest.TestCase):
    def test_the_bundled_table_is_the_kits(self) -> None:
        # The kit's table: in the repository, or copied beside the tests that run against an
        # installed wheel (tests/e2e/python-wheel.test.ts).
        kit = next(
            path
            for path in (
                Path(__file__).parent / "kit-prices.json",
                Path(__file__).parents[3] / "packages" / "telemetry" / "prices.json",
            )
            if path.exists()
        )
        self.assertEqual(BUNDLED.read_text("utf-8"), kit.read_text("utf-8"))
        self.assertEqual(load_price_table({})["currency"], "USD")

    def test_a_dated_model_id_takes_the_longest_priced_prefix(self) -> None:
        mini = TABLE["models"]["gpt-4o-mini"]
        self.assertEqual(model_price(TABLE, "gpt-4o-mini-2024-07-18"), mini)
        self.assertEqual(model_price(TABLE, "gpt-4o-2024-08-06"), TABLE["models"]["gpt-4o"])
        self.assertIsNone(model_price(TABLE, "gpt-4omni"))

    def test_tokens_and_speech_as_the_node_agent_prices_them(self) -> None:
        charges = token_charges(TABLE, "gpt-4o-mini", input=1000, output=100, cached_input=2000)
        self.assertEqual(
            {c.item: round(c.usd, 12) for c in charges or []},
            {CostItem.INPUT: 0.0, CostItem.CACHED_INPUT: 0.000075, CostItem.OUTPUT: 0.00006},
            "cached input is at most the input",
        )
        self.assertIsNone(token_charges(TABLE, "claude-x", input=1, output=1))
        self.assertEqual(
            [(c.item, round(c.usd, 12)) for c in speech_charges(TABLE, 90, None)],
            [(CostItem.TRANSCRIPTION, 0.015)],
        )

    def test_the_users_file_wins_and_a_broken_one_names_its_problem(self) -> None:
        self.assertEqual(load_price_table({PRICES_FILE_ENV: written(TABLE)}), TABLE)
        broken = json.loads(json.dumps(TABLE))
        broken["models"]["gpt-4o"]["output"] = -1
        for table, problem in [
            (broken, r"models\.gpt-4o\.output: must not be negative"),
            ("{", r"is not JSON"),
            ({**TABLE, "currency": "EUR"}, r'currency: expected "USD"'),
        ]:
            with self.assertRaisesRegex(ValueError, problem):
                load_price_table({PRICES_FILE_ENV: written(table)})
        with self.assertRaisesRegex(ValueError, "cannot read the price table /nonexistent"):
            load_price_table({PRICES_FILE_ENV: "/nonexistent/prices.json"})


if __name__ == "__main__":
    unittest.main()
