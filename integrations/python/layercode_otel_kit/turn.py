"""One webhook as the middleware sees it, and the context that carries it to log records and
span processors while the app handles it."""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from dataclasses import dataclass, field


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

    def log_fields(self) -> dict[str, str]:
        fields = {
            "conversation_id": self.conversation_id,
            "session_id": self.session_id,
            "turn_id": self.turn_id,
            "event_type": self.event_type,
            "agent": self.agent,
        }
        return {key: value for key, value in fields.items() if value}

    def read_body(self) -> None:
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

    def read_sse(self, chunk: bytes) -> None:
        """Follows the answer's SSE events (they may span chunks)."""
        self.pending += chunk.decode("utf-8", errors="replace")
        *events, self.pending = self.pending.split("\n\n")
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
