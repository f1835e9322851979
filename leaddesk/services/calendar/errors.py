"""The one error kind of the business-hours calendar."""

from __future__ import annotations

from leaddesk.domain.errors import ValidationError


class CalendarError(ValidationError, ValueError):
    """Bad calendar input, or a request the calendar can never satisfy.

    It is a `ValidationError` (a `UserError`: its message is shown as is) and also a `ValueError`, so that
    code written against the standard library's convention catches it too.
    """
