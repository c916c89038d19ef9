"""An error's fingerprint, as the Node package computes it (packages/telemetry/src/fingerprint.ts).

sha256(type + "\\n" + normalized message + "\\n" + frames, one "module:function" a line), hex,
its first 16 characters. The message's URLs, UUIDs, quoted values and every word holding a
digit become placeholders; the frames are the top three of the app's own code (innermost
first, no line numbers), else of the libraries' (by package). tests/fingerprint_cases.json,
copied from the Node package, holds the cases both sides must agree on.
"""

from __future__ import annotations

import hashlib
import os
import re
import sysconfig
from dataclasses import dataclass

FRAMES = 3
MESSAGE_LENGTH = 160

# The same patterns, in the same order, as fingerprint.ts.
_VOLATILE = (
    (re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+"), "<url>"),
    (
        re.compile(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        ),
        "<uuid>",
    ),
    (re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`"), "<str>"),
    (re.compile(r"[A-Za-z0-9_.:/-]*[0-9][A-Za-z0-9_.:/-]*"), "<n>"),
    (re.compile(r"\s+"), " "),
)


@dataclass(frozen=True)
class Frame:
    module: str
    function: str


def normalize_message(message: str) -> str:
    """The message with its volatile parts replaced: the same for every occurrence of a fault."""
    for pattern, placeholder in _VOLATILE:
        message = pattern.sub(placeholder, message)
    return message.strip()


def fingerprint_of(error_type: str, message: str, frames: list[Frame]) -> str:
    lines = [error_type, normalize_message(message)]
    lines += [f"{f.module}:{f.function}" for f in frames[:FRAMES]]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def fingerprint_of_parts(parts: list[str]) -> str:
    """An app's own grouping (an exception's `fingerprint` attribute, as Sentry's)."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line \d+, in (?P<function>.+)$')
_LIBRARIES = tuple(
    p for p in {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib")} if p
)


def stack_frames(stacktrace: str, root: str | None = None) -> list[Frame]:
    """The frames of a formatted traceback, innermost first: the app's own, else libraries'."""
    root = root or os.getcwd()
    own: list[Frame] = []
    libraries: list[Frame] = []
    for line in reversed(stacktrace.splitlines()):
        match = _FRAME.match(line)
        if not match:
            continue
        file, function = match["file"], match["function"].strip()
        for marker in ("/site-packages/", "/dist-packages/"):
            if marker in file:
                package = file.split(marker)[-1].split("/")[0].removesuffix(".py")
                libraries.append(Frame(package, function))
                break
        else:
            if file.startswith("<") or file.startswith(_LIBRARIES):
                continue
            relative = os.path.relpath(file, root)
            module = os.path.basename(file) if relative.startswith("..") else relative
            module = module.removesuffix(".py").replace(os.sep, "/")
            own.append(Frame(module, function))
    return (own or libraries)[:FRAMES]


@dataclass(frozen=True)
class ErrorIdentity:
    type: str
    message: str
    fingerprint: str


def error_identity(
    error_type: str, message: str, stacktrace: str = "", own: object = None
) -> ErrorIdentity:
    """What the kit records of an error: its type, normalized message and fingerprint."""
    sample = normalize_message(message)[:MESSAGE_LENGTH]
    if isinstance(own, str) and own:
        return ErrorIdentity(error_type, sample, fingerprint_of_parts([own]))
    if isinstance(own, (list, tuple)) and own:
        return ErrorIdentity(error_type, sample, fingerprint_of_parts([str(p) for p in own]))
    frames = stack_frames(stacktrace)
    return ErrorIdentity(error_type, sample, fingerprint_of(error_type, message, frames))
