"""The kit's telemetry for layercode-create-app (PyPI), without changing its code.

`instrument_toolkit()` wraps the toolkit's app factory and logging setup, so that its own
CLI (`layercode-create-app run ...`, called through `python -m layercode_otel_kit`) or your
code that calls `create_app` gets the turn middleware and OTLP logs.
"""

from __future__ import annotations

import os
from typing import Any

from .logs import forward_loguru
from .middleware import TurnTelemetry


def instrument_app(app: Any, *, agent: str, route: str = "/api/agent") -> Any:
    """Adds the turn middleware to a FastAPI/Starlette app (before it starts serving)."""
    app.add_middleware(TurnTelemetry, agent=agent, route=route)
    return app


def instrument_toolkit() -> None:
    from layercode_create_app import cli
    from layercode_create_app.server import app as server

    if getattr(cli, "_layercode_kit", False):
        return
    create_app = server.create_app
    setup_logging = cli.setup_logging

    def create_instrumented_app(settings: Any, agent: Any) -> Any:
        app = create_app(settings, agent)
        name = getattr(agent, "name", None) or type(agent).__name__.lower()
        return instrument_app(app, agent=name, route=settings.agent_route)

    def setup_logging_with_otlp(settings: Any, level: str | None = None) -> None:
        setup_logging(settings, level=level)
        forward_loguru(level or os.getenv("LOG_LEVEL") or "INFO")

    cli.create_app = create_instrumented_app
    server.create_app = create_instrumented_app
    cli.setup_logging = setup_logging_with_otlp
    cli._layercode_kit = True  # type: ignore[attr-defined]
