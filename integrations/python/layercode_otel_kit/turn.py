"""One webhook as the middleware sees it, and the context that carries it to log records and
span processors while the app handles it."""

from __future__ import annotations

import json
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from .contract import SYNTHETIC_METADATA_KEY

# What the middleware keeps of a request body and of an unfinished SSE event: webhooks are
# kilobytes; a larger one is the app's to accept or refuse, and is no turn here.
MAX_BODY_BYTES = 4 * 2**20
MAX_PENDING_CHARS = 2**20
# session.end's figures (duration and latency in ms, the others in seconds).
SESSION_FIGURES = (
    "duration",
    "latency",
    "transcription_duration_seconds",
    "tts_duration_seconds",
)


@dataclass
class Turn:
    """One webhook, as far as the middleware has seen it."""

    agent: str
    started: float = field(default_factory=time.perf_counter)
    body: bytearray = field(default_factory=bytearray)
    event_type: str | None = None
    conversation_id: str | None = None
    session_id: str | None = None
    turn_id: str | None = None
    status: int | None = None
    first_speech_s: float | None = None
    ended: bool = False
    failed: bool = False
    disconnected: bool = False
    pending: str = ""
    body_too_large: bool = False
    # Synthetic traffic (custom_metadata's kit_synthetic: the canary): its metrics are tagged.
    synthetic: bool = False
    # What the turn's model calls cost (layercode.cost), added to its session's total.
    spend_usd: float = 0.0
    # What LayerCode reports in session.end, by its key (absent or invalid: left out).
    session_figures: dict[str, float] = field(default_factory=dict)

    def log_fields(self) -> dict[str, str]:
        fields = {
            "conversation_id": self.conversation_id,
            "session_id": self.session_id,
            "turn_id": self.turn_id,
            "event_type": self.event_type,
            "agent": self.agent,
        }
        return {key: value for key, value in fields.items() if value}

    def add_body(self, chunk: bytes) -> None:
        if len(self.body) + len(chunk) > MAX_BODY_BYTES:
            self.body_too_large = True
            self.body.clear()
        elif not self.body_too_large:
            self.body += chunk

    def read_body(self) -> None:
        if self.body_too_large:
            return
        try:
            payload = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return
        if not isinstance(payload, dict):
            return

        def text(key: str) -> str | None:
            value = payload.get(key)
            return value if isinstance(value, str) and value else None

        self.event_type = text("type")
        self.conversation_id = text("conversation_id")
        self.session_id = text("session_id")
        self.turn_id = text("turn_id")
        metadata = payload.get("custom_metadata") or payload.get("metadata")
        if isinstance(metadata, dict):
            self.synthetic = metadata.get(SYNTHETIC_METADATA_KEY) in (True, "true")
        if self.event_type == "session.end":
            for key in SESSION_FIGURES:
                value = payload.get(key)
                # bool is an int in Python: not a figure; json.loads accepts Infinity and NaN.
                if (
                    isinstance(value, int | float)
                    and not isinstance(value, bool)
                    and math.isfinite(value)
                    and value >= 0
                ):
                    self.session_figures[key] = float(value)

    def read_sse(self, chunk: bytes) -> None:
        """Follows the answer's SSE events (they may span chunks)."""
        self.pending += chunk.decode("utf-8", errors="replace")
        *events, self.pending = self.pending.split("\n\n")
        if len(self.pending) > MAX_PENDING_CHARS:
            self.pending = ""
        for event in events:
            for line in event.splitlines():
                if not line.startswith("data:"):
                    continue
                try:
                    data = json.loads(line[5:])
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                kind = data.get("type")
                if kind == "response.tts" and self.first_speech_s is None:
                    self.first_speech_s = time.perf_counter() - self.started
                elif kind == "response.data":
                    content = data.get("content")
                    # layercode-create-app answers a failed turn with {"error": "..."}
                    if isinstance(content, dict) and "error" in content:
                        self.failed = True
                elif kind == "response.end":
                    self.ended = True


_current: ContextVar[Turn | None] = ContextVar("layercode_turn", default=None)


def current_turn() -> Turn | None:
    """The webhook being handled in this context, if any (for log records)."""
    return _current.get()
