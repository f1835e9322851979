"""Why a file cannot be imported at all, as one error kind the UI can show and the tests can check."""

from __future__ import annotations

from enum import StrEnum

from leaddesk.domain.errors import ImportFileError


class FileProblem(StrEnum):
    """The kinds of file an import refuses; each message starts with a fixed phrase for it."""

    EMPTY = "empty"
    NOT_SPREADSHEET = "not_spreadsheet"
    UNSUPPORTED = "unsupported"
    PASSWORD = "password"
    INCOMPLETE = "incomplete"
    DAMAGED = "damaged"
    UNSAFE = "unsafe"
    TOO_LARGE = "too_large"
    NO_SHEET = "no_sheet"
    NO_HEADER = "no_header"
    UNREADABLE = "unreadable"


class UnreadableFileError(ImportFileError):
    """An `ImportFileError` that also says which kind of problem it is (`problem`)."""

    def __init__(self, problem: FileProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem

    def __reduce__(self) -> tuple[type[UnreadableFileError], tuple[FileProblem, str]]:
        return (type(self), (self.problem, self.message))


class Cancelled(Exception):
    """The user cancelled a long read or preparation (raised when `should_cancel()` returned True)."""


def refuse(problem: FileProblem, message: str) -> UnreadableFileError:
    """The error to raise for a refused file (kept short at the call sites)."""
    return UnreadableFileError(problem, message)
