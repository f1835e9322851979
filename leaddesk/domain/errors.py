"""Errors a person can act on (`UserError` and its kinds). Anything else is a bug."""

from __future__ import annotations

from datetime import datetime


class UserError(Exception):
    """An error caused by input or state the user controls; its message is shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(UserError):
    """A referenced lead, campaign, member or file does not exist."""


class ValidationError(UserError):
    """Input that does not satisfy the rules (missing reason, bad email, empty name...)."""


class TransitionError(UserError):
    """A lifecycle move that the transition table does not allow from the lead's stage."""


class ConflictError(UserError):
    """Someone else changed the record since it was read (optimistic locking)."""

    def __init__(self, message: str, *, changed_by: str | None = None, changed_at: datetime | None = None):
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at


class DatabaseError(UserError):
    """The database cannot be used: not a LeadDesk database, newer than the app, unreachable..."""


class NotLeadDeskDatabaseError(DatabaseError):
    pass


class DatabaseTooNewError(DatabaseError):
    pass


class ImportFileError(UserError):
    """A file that cannot be imported at all (not a spreadsheet, encrypted, truncated...)."""
