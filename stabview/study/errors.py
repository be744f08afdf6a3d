"""Errors of studies: a bad spec (naming the field) or a study folder that cannot be used."""

from ..errors import StabviewError


class StudyError(StabviewError, RuntimeError):
    """A study folder or cluster that cannot be used as asked."""


class SpecError(StabviewError, ValueError):
    """A study spec that is not valid; the message starts with the field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class CaseStopped(StudyError):
    """A case stopped before its end because its worker is closing; it is run again, never recorded."""
