"""One honest line from an exception raised inside a user's model or by torch's loaders.

TorchScript wraps a model's own exception in "The following operation failed in the TorchScript
interpreter" plus two tracebacks; the model's exception type and message are the last lines.
torch.load's weights-only failure starts with advice on how to bypass the safety check (and
ANSI colour codes); the cause is the "WeightsUnpickler error" line. These helpers keep the cause.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_RAISED = re.compile(r"^(?:builtins\.)?([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)): ?(.*)$")


def plain(text: str) -> str:
    """`text` without ANSI escape sequences."""
    return _ANSI.sub("", text)


def _torchscript_cause(text: str) -> tuple[str, str] | None:
    if "TorchScript interpreter" not in text and "Traceback of TorchScript" not in text:
        return None
    tail = text.rsplit("<--- HERE", 1)[-1]
    for line in tail.splitlines():
        if line and not line[0].isspace():
            match = _RAISED.match(line.strip())
            if match:
                return match.group(1).rsplit(".", 1)[-1], match.group(2)
            return None
    return None


def first_line(text: str, limit: int = 240) -> str:
    """The first non-empty line of `text`, without colour codes, at most `limit` characters."""
    for line in plain(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""


def describe(exc: BaseException) -> str:
    """'Type: first line' for an exception, seen through TorchScript's and torch.load's wrapping."""
    text = plain(str(exc))
    cause = _torchscript_cause(text)
    if cause is not None:
        return f"{cause[0]}: {first_line(cause[1])}".rstrip(": ")
    if "Weights only load failed" in text:
        for line in text.splitlines():
            if "WeightsUnpickler error:" in line:
                reason = line.split("WeightsUnpickler error:", 1)[1].strip()
                return f"{type(exc).__name__}: {reason.split('. ')[0].rstrip('.')}"
        return f"{type(exc).__name__}: the file holds objects other than tensors"
    return f"{type(exc).__name__}: {first_line(text)}".rstrip(": ")
