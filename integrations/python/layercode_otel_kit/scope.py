"""The instrumentation scope of what the wrapper itself emits: this library's name and, when it
is installed, its version (OpenTelemetry names a scope after the instrumentation library)."""

from __future__ import annotations

from importlib import metadata

SCOPE_NAME = "layercode-otel-kit"

try:
    SCOPE_VERSION: str | None = metadata.version(SCOPE_NAME)
except metadata.PackageNotFoundError:  # run from a source tree (PYTHONPATH)
    SCOPE_VERSION = None
