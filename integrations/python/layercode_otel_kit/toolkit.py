"""The kit's telemetry for layercode-create-app (PyPI), without changing its code.

`instrument_toolkit()` wraps the toolkit's app factory and logging setup, so that its own
CLI (`layercode-create-app run ...`, called through `python -m layercode_otel_kit`) or your
code that calls `create_app` gets the turn middleware and OTLP logs.
"""

from __future__ import annotations

import os
from typing import Any

from .contract import LOGGED_HEADERS
from .logs import forward_loguru
from .middleware import TurnTelemetry
from .pricing import price_table
from .sdk import has_sdk_tracer_provider

CAPTURE_REQUEST_HEADERS = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"
CAPTURE_RESPONSE_HEADERS = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE"

NO_SDK = (
    "layercode_otel_kit needs the OpenTelemetry SDK before instrument_app(): call "
    "layercode_otel_kit.setup_otel() first (configured by the OTEL_* variables; "
    'pip install "layercode-otel-kit[otlp]"), or logfire.configure() if you use Logfire'
)


def instrument_app(
    app: Any, *, agent: str, route: str = "/api/agent", server_spans: bool = True
) -> Any:
    """Adds the turn middleware to a FastAPI/Starlette app (before it starts serving).

    Checks here, at start-up, what would otherwise fail at the first webhook: an SDK tracer
    provider (setup_otel() or Logfire's) and the price table. With `server_spans`, an app
    that no instrumentation traces yet (Logfire's instrument_fastapi does) gets the ASGI
    instrumentation's SERVER span per request, which the turn middleware annotates."""
    if not has_sdk_tracer_provider():
        raise RuntimeError(NO_SDK)
    price_table()
    app.add_middleware(TurnTelemetry, agent=agent, route=route)
    if server_spans and not getattr(app, "_is_instrumented_by_opentelemetry", False):
        try:
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        except ImportError:
            pass  # no SERVER span: the turn metrics and logs still work
        else:
            # Added last, so it is outermost: the turn middleware runs inside its span. Where
            # the standard variables ask for captured headers, only the allowlist's are.
            capture = {
                arg: list(LOGGED_HEADERS) if os.getenv(variable) else None
                for arg, variable in (
                    ("http_capture_headers_server_request", CAPTURE_REQUEST_HEADERS),
                    ("http_capture_headers_server_response", CAPTURE_RESPONSE_HEADERS),
                )
            }
            app.add_middleware(OpenTelemetryMiddleware, **capture)
            app._is_instrumented_by_opentelemetry = True
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
        # Logfire traces the toolkit's requests itself.
        return instrument_app(app, agent=name, route=settings.agent_route, server_spans=False)

    def setup_logging_with_otlp(settings: Any, level: str | None = None) -> None:
        setup_logging(settings, level=level)
        forward_loguru(level or os.getenv("LOG_LEVEL") or "INFO")

    cli.create_app = create_instrumented_app
    server.create_app = create_instrumented_app
    cli.setup_logging = setup_logging_with_otlp
    cli._layercode_kit = True  # type: ignore[attr-defined]
