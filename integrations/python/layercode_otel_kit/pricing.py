"""The price table: what model tokens and LayerCode's speech minutes cost, counted as the Node
agent counts them (packages/telemetry/src/pricing.ts). The kit's table is bundled here as
prices.json by `npm run docs`; LAYERCODE_PRICES_FILE names another. A broken table is an error
when the wrapper starts, not a silent zero."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .contract import PRICES_FILE_ENV, CostItem

BUNDLED = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Charge:
    item: str
    usd: float


def _price(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: expected a number")
    if value < 0:
        raise ValueError(f"{where}: must not be negative")
    return float(value)


def parse_price_table(text: str, source: str) -> dict[str, Any]:
    """The table in `text`, checked; a ValueError names the file and the first problem."""
    try:
        table = json.loads(text)
    except ValueError as error:
        raise ValueError(f"price table {source} is not JSON: {error}") from error
    if not isinstance(table, dict) or table.get("currency") != "USD":
        raise ValueError(f'price table {source}: currency: expected "USD"')
    models = table.get("models")
    if not isinstance(models, dict):
        raise ValueError(f"price table {source}: models: expected an object")
    for model, price in models.items():
        if not isinstance(price, dict):
            raise ValueError(f"price table {source}: models.{model}: expected an object")
        for key in ("input", "output"):
            _price(price.get(key), f"price table {source}: models.{model}.{key}")
        if "cached_input" in price:
            _price(price["cached_input"], f"price table {source}: models.{model}.cached_input")
    speech = table.get("speech")
    if not isinstance(speech, dict):
        raise ValueError(f"price table {source}: speech: expected an object")
    for key in ("transcription_per_minute", "tts_per_minute"):
        _price(speech.get(key), f"price table {source}: speech.{key}")
    return table


def load_price_table(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    source = env.get(PRICES_FILE_ENV) or str(BUNDLED)
    try:
        text = Path(source).read_text("utf-8")
    except OSError as error:
        raise ValueError(f"cannot read the price table {source}: {error}") from error
    return parse_price_table(text, source)


@cache
def price_table() -> dict[str, Any]:
    """The process' table, read once."""
    return load_price_table()


def model_price(table: Mapping[str, Any], model: str) -> Mapping[str, float] | None:
    """A model's price: its id, or the longest priced id it starts with followed by `-`."""
    models = table["models"]
    if model in models:
        return models[model]
    best = max((m for m in models if model.startswith(f"{m}-")), key=len, default=None)
    return models[best] if best is not None else None


def token_charges(
    table: Mapping[str, Any], model: str, input: int, output: int, cached_input: int = 0
) -> list[Charge] | None:
    """What a model call's tokens cost, per item; None for a model without a price."""
    price = model_price(table, model)
    if price is None:
        return None
    cached = min(max(cached_input, 0), input)
    charges = [
        Charge(CostItem.INPUT, (input - cached) * price["input"] / 1e6),
        Charge(CostItem.OUTPUT, output * price["output"] / 1e6),
    ]
    if cached > 0:
        per_million = price.get("cached_input", price["input"])
        charges.append(Charge(CostItem.CACHED_INPUT, cached * per_million / 1e6))
    return charges


def speech_charges(
    table: Mapping[str, Any], transcription_s: float | None, tts_s: float | None
) -> list[Charge]:
    """What LayerCode's speech minutes of a session cost (seconds, as session.end says)."""
    speech = table["speech"]
    charges = []
    if transcription_s is not None:
        per_minute = speech["transcription_per_minute"]
        charges.append(Charge(CostItem.TRANSCRIPTION, transcription_s / 60 * per_minute))
    if tts_s is not None:
        charges.append(Charge(CostItem.TTS, tts_s / 60 * speech["tts_per_minute"]))
    return charges
