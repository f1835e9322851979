"""Qt values that convert to None must not use up references to None.

PySide6 6.12.0 drops one reference to None each time a Qt value converts to None: `index.data(role)` for a
role a row does not have, `currentData()` of a combo entry without data, a Python `QTranslator.translate`
that Qt calls with no disambiguation. The app does these thousands of times a minute (painting a list,
every `tr()`), and on Python 3.11, where None is an ordinary object, the count reaches zero within
minutes and the interpreter aborts ("none_dealloc"). pyproject.toml keeps such a release out; this test
fails on one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QListWidgetItem

from leaddesk.ui.i18n import install_translators

CALLS = 2_000


def _references_lost(call: Callable[[], object]) -> int:
    """References to None lost over CALLS calls, scaled to CALLS; fewer calls when None has few
    references, so that a leaking release fails the test instead of aborting the test run."""
    before = sys.getrefcount(None)
    calls = min(CALLS, before // 8)
    for _ in range(calls):
        call()
    return (before - sys.getrefcount(None)) * CALLS // calls


def test_values_that_are_none_keep_their_references(qapp) -> None:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(1, 1)
    index = model.index(0, 0)
    item = QListWidgetItem("a")
    combo = QComboBox()
    combo.addItem("All campaigns")  # no data: None
    role = Qt.ItemDataRole.UserRole + 7
    losses = {
        "index.data": _references_lost(lambda: index.data(role)),
        "item.data": _references_lost(lambda: item.data(role)),
        "currentData": _references_lost(combo.currentData),
    }
    # (A few references may come and go with the interpreter's own work; thousands would be the leak.)
    assert all(abs(lost) < CALLS // 10 for lost in losses.values()), losses


def test_translating_through_the_apps_translators_keeps_them_too(qapp) -> None:  # type: ignore[no-untyped-def]
    installed = install_translators(qapp)
    try:
        assert installed  # at least the English plural forms
        lost = _references_lost(lambda: QCoreApplication.translate("LeadsBrowser", "Search"))
        lost_plural = _references_lost(lambda: QCoreApplication.translate("X", "%Ln lead(s)", None, 2))
        assert abs(lost) < CALLS // 10 and abs(lost_plural) < CALLS // 10, (lost, lost_plural)
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
