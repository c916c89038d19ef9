"""Why the app refused a webhook with 401, read from its layercode-signature header alone: the
app verified it (with the secret); the kit only names the reason the contract counts."""

from __future__ import annotations

import re
import time

SIGNATURE_HEADER = b"layercode-signature"
# LayerCode's default tolerance between the signature's timestamp and now, as the Node agent's.
TOLERANCE_S = 300
_SIGNATURE = re.compile(r"^t=(\d{1,12}),v1=[0-9a-fA-F]{64}$")


def rejection_reason(header: str | None, now: float | None = None) -> str:
    """missing, malformed, stale, or mismatch (well formed and fresh, so the HMAC differed)."""
    if not header:
        return "missing"
    match = _SIGNATURE.match(header.strip())
    if not match:
        return "malformed"
    if abs((time.time() if now is None else now) - int(match.group(1))) > TOLERANCE_S:
        return "stale"
    return "mismatch"
