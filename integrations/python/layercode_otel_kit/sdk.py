"""The OpenTelemetry SDK for an app without Logfire: traces, metrics and logs over OTLP/HTTP,
configured by the standard OTEL_* variables. Needs the `otlp` extra:
`pip install "layercode-otel-kit[otlp]"`."""

from __future__ import annotations

import os

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk.trace import TracerProvider

# The kit's dashboards assume 10 s (Grafana's step); the SDK's own default is 60 s.
DEFAULT_METRIC_EXPORT_INTERVAL_MS = "10000"


def has_sdk_tracer_provider() -> bool:
    """True once Logfire, setup_otel() or the app itself has installed an SDK tracer provider."""
    return hasattr(trace.get_tracer_provider(), "add_span_processor")


def _exporters(signal: str) -> list[str]:
    names = os.getenv(f"OTEL_{signal.upper()}_EXPORTER", "").split(",")
    return [n.strip() for n in names if n.strip()] or ["otlp"]


def setup_otel() -> None:
    """Installs SDK providers for the three signals, each exporting over OTLP/HTTP (protobuf)
    where OTEL_EXPORTER_OTLP_ENDPOINT and the other standard variables say (default
    http://localhost:4318). The resource comes from OTEL_SERVICE_NAME and
    OTEL_RESOURCE_ATTRIBUTES. Does nothing when a tracer provider is already installed
    (Logfire's) or OTEL_SDK_DISABLED=true. Call it once, before `instrument_app`."""
    if has_sdk_tracer_provider() or os.getenv("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    protocol = os.getenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    if protocol != "http/protobuf":
        raise RuntimeError(
            f"layercode_otel_kit.setup_otel exports OTLP/HTTP (http/protobuf), not {protocol}: "
            "unset OTEL_EXPORTER_OTLP_PROTOCOL or point it at the collector's port 4318"
        )
    try:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise RuntimeError(
            "layercode_otel_kit.setup_otel needs the OTLP exporter: "
            'pip install "layercode-otel-kit[otlp]"'
        ) from exc
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    os.environ.setdefault("OTEL_METRIC_EXPORT_INTERVAL", DEFAULT_METRIC_EXPORT_INTERVAL_MS)
    resource = Resource.create()
    tracer_provider = TracerProvider(resource=resource)
    if "otlp" in _exporters("traces"):
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    readers = (
        [PeriodicExportingMetricReader(OTLPMetricExporter())]
        if "otlp" in _exporters("metrics")
        else []
    )
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    logger_provider = LoggerProvider(resource=resource)
    if "otlp" in _exporters("logs"):
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    _logs.set_logger_provider(logger_provider)
