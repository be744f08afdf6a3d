"""Exceptions with messages a user can act on; the CLI and GUI show them as one line."""


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
