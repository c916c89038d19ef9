"""The layercode-otel-kit's telemetry for Python LayerCode agents (layercode-create-app)."""

from .logs import LoguruToOtlp, forward_loguru
from .middleware import TurnTelemetry
from .sdk import setup_otel
from .toolkit import instrument_app, instrument_toolkit

__all__ = [
    "LoguruToOtlp",
    "TurnTelemetry",
    "forward_loguru",
    "instrument_app",
    "instrument_toolkit",
    "setup_otel",
]
