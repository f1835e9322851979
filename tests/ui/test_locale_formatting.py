"""Numbers shown to the user follow the user's locale (Qt's default QLocale), not Python's format specs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QLocale

from leaddesk.ui.dialogs.restore_dialog import size_label
from leaddesk.ui.formatting import format_decimal, format_int, format_percent
from leaddesk.ui.widgets.period_picker import PeriodPicker


@contextmanager
def _locale(language: QLocale.Language, country: QLocale.Country) -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(language, country))
    try:
        yield
    finally:
        QLocale.setDefault(before)


def test_numbers_in_a_german_locale() -> None:
    with _locale(QLocale.Language.German, QLocale.Country.Germany):
        assert format_int(80011) == "80.011"
        assert format_decimal(3.5) == "3,5"
        assert format_percent(0.425, 1) == "42,5 %"
        assert size_label(5 * 1_048_576 + 524_288) == "5,5 MB"
        assert size_label(2_500_000_000) == "2.384,2 MB"
        assert size_label(10) == "1 kB"
        # Plural messages count with %Ln, which Qt writes in the locale (%n would give "80011").
        assert QCoreApplication.translate("LeadsBrowser", "%Ln lead(s)", None, 80011) == "80.011 lead(s)"


def test_numbers_in_an_english_locale() -> None:
    with _locale(QLocale.Language.English, QLocale.Country.UnitedStates):
        assert format_decimal(3.5) == "3.5"
        assert size_label(2_500_000_000) == "2,384.2 MB"


def test_date_fields_follow_the_locale_with_four_digit_years(qtbot) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    for language, country, shown in (
        (QLocale.Language.German, QLocale.Country.Germany, "01.11.2026"),
        (QLocale.Language.Italian, QLocale.Country.Italy, "01/11/2026"),
        (QLocale.Language.English, QLocale.Country.UnitedStates, "11/1/2026"),
    ):
        with _locale(language, country):
            picker = PeriodPicker(lambda: date(2026, 11, 18))
            qtbot.addWidget(picker)
            assert picker.start.text() == shown


def test_plural_messages_read_as_english_singular_or_plural(qapp) -> None:  # type: ignore[no-untyped-def]
    from leaddesk.ui.i18n import EnglishPlurals

    english = EnglishPlurals()
    assert qapp.installTranslator(english)
    try:
        with _locale(QLocale.Language.English, QLocale.Country.UnitedStates):
            forms = [
                QCoreApplication.translate("LeadsBrowser", "%Ln lead(s)", None, n) for n in (0, 1, 2, 1500)
            ]
            assert forms == ["0 leads", "1 lead", "2 leads", "1,500 leads"]
            assert QCoreApplication.translate("Score", "%Ln touch(es)", None, 1) == "1 touch"
            assert QCoreApplication.translate("Score", "%Ln touch(es)", None, 3) == "3 touches"
            # Messages without a count are left as they are.
            assert QCoreApplication.translate("X", "Options (s)") == "Options (s)"
    finally:
        qapp.removeTranslator(english)
    assert QCoreApplication.translate("LeadsBrowser", "%Ln lead(s)", None, 2) == "2 lead(s)"
