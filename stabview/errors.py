"""Exceptions with messages a user can act on; the CLI and GUI show them as one line."""

from __future__ import annotations

import re


class StabviewError(Exception):
    """Base class: anything raised on purpose for bad input or an impossible request."""


class ShapeMismatch(StabviewError, ValueError):
    """An array's shape does not fit what an operator, network or mask expects."""


class DtypeMismatch(StabviewError, TypeError):
    """An array's dtype does not fit (e.g. a complex image given to the Radon transform)."""


class MaskError(StabviewError, ValueError):
    """A sampling mask cannot be built or used as asked."""


class ImageLoadError(StabviewError, ValueError):
    """An image file cannot be read or is not a usable greyscale image."""


class UnknownName(StabviewError, KeyError):
    """A sample, network, preset or mask kind name that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NetworkOutputError(StabviewError, RuntimeError):
    """A network returned something that is not a finite image of the expected shape."""


class UserModelError(StabviewError, RuntimeError):
    """A user's own model raised while reconstructing: its exception, named in one line."""


class ImageTooLarge(ImageLoadError):
    """An image file declares more pixels than stabview loads (a guard against decompression bombs)."""


class OutputPathError(StabviewError, ValueError):
    """The folder given for the written results cannot be used (e.g. it is an existing file)."""


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\s*:\s*(.*)$")


def one_line(text: str) -> str:
    """`text` without terminal escape codes and control characters, its lines joined by spaces."""
    text = _ANSI.sub("", str(text))
    parts = ("".join(ch for ch in line if ch.isprintable()).strip() for line in text.splitlines())
    return " ".join(p for p in parts if p)


def exception_cause(exc: BaseException) -> str:
    """'TypeName: first line' of an exception raised by code that is not ours.

    TorchScript wraps a model's own exception in its interpreter traceback
    ("... builtins.ValueError: message"): the model's exception type and message are taken from
    that traceback's last exception line, so the user sees what their model raised.
    """
    lines = [_ANSI.sub("", line) for line in str(exc).splitlines()]
    for line in reversed(lines):
        found = _EXCEPTION_LINE.match(line)
        if found and found.group(1) not in ("torch.jit.Error",):
            name = found.group(1).removeprefix("builtins.")
            return f"{name}: {one_line(found.group(2))}" if found.group(2).strip() else name
    first = next((one_line(line) for line in lines if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def call_user_model(fn, *args, who: str):
    """`fn(*args)` for a user's model: whatever it raises becomes a one-line `UserModelError`.

    This is the boundary between our code and the user's: an exception from inside their model
    is their model's failure on this input (exit code 2 on the command line), not our bug.
    """
    try:
        return fn(*args)
    except (StabviewError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - anything the model raises, named by type and message
        raise UserModelError(f"{who} raised {exception_cause(exc)}") from exc
