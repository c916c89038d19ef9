"""Loguru records as OpenTelemetry log records (OTLP logs, to Loki), with the call context.

Logfire's own loguru handler turns records into spans; the kit's Logs dashboard reads log
records, with the same fields as the Node agent's: the turn's ids (contract LOG_CONTEXT_FIELDS),
the trace and span of the call (the current OpenTelemetry context), severity text in the Node
agent's words (error, warn, info, debug) and the record's bound fields.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import _logs

from .scope import SCOPE_NAME, SCOPE_VERSION
from .turn import current_turn

# loguru level -> (OTel severity number, the kit's severity text)
_SEVERITY = {
    "TRACE": (_logs.SeverityNumber.TRACE, "debug"),
    "DEBUG": (_logs.SeverityNumber.DEBUG, "debug"),
    "INFO": (_logs.SeverityNumber.INFO, "info"),
    "SUCCESS": (_logs.SeverityNumber.INFO2, "info"),
    "WARNING": (_logs.SeverityNumber.WARN, "warn"),
    "ERROR": (_logs.SeverityNumber.ERROR, "error"),
    "CRITICAL": (_logs.SeverityNumber.FATAL, "error"),
}
_SCALARS = (str, bool, int, float)


class LoguruToOtlp:
    """A loguru sink: `logger.add(LoguruToOtlp(), format="{message}")`."""

    def __init__(self) -> None:
        self._logger = _logs.get_logger(SCOPE_NAME, SCOPE_VERSION)

    def __call__(self, message: Any) -> None:
        record = message.record
        number, text = _SEVERITY.get(record["level"].name, (_logs.SeverityNumber.INFO, "info"))
        attributes: dict[str, Any] = {
            "code.function.name": record["function"],
            "code.file.path": record["file"].path,
            "code.line.number": record["line"],
            "logger.name": record["name"],
        }
        for key, value in record["extra"].items():
            if value is not None:
                attributes[key] = value if isinstance(value, _SCALARS) else str(value)
        if turn := current_turn():
            attributes.update(turn.log_fields())
        exception = record["exception"]
        if exception is not None and exception.type is not None:
            attributes.setdefault("error.type", exception.type.__qualname__)
            attributes.setdefault("error.message", str(exception.value))
        self._logger.emit(
            timestamp=int(record["time"].timestamp() * 1e9),
            severity_number=number,
            severity_text=text,
            body=record["message"],
            attributes=attributes,
        )


def forward_loguru(level: str | int = "INFO") -> int:
    """Adds the sink to loguru's logger; returns its handler id (for logger.remove)."""
    from loguru import logger

    return logger.add(LoguruToOtlp(), level=level, format="{message}", catch=True)
