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




class ImageTooLarge(ImageLoadError):
    """An image file declares more pixels than stabview loads (a guard against decompression bombs)."""


class OutputPathError(StabviewError, ValueError):
    """The folder given for the written results cannot be used (e.g. it is an existing file)."""


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def one_line(text: str) -> str:
    """`text` without terminal escape codes and control characters, its lines joined by spaces."""
    text = _ANSI.sub("", str(text))
    parts = ("".join(ch for ch in line if ch.isprintable()).strip() for line in text.splitlines())
    return " ".join(p for p in parts if p)
