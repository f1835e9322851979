"""The app's date field: a calendar to pick from, and the user's date format with a four-digit year."""

from __future__ import annotations

from PySide6.QtWidgets import QDateEdit, QWidget

from leaddesk.ui.formatting import date_edit_format


def date_field(parent: QWidget | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(date_edit_format())
    return edit
