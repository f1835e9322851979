"""Cell normalisers: phones, emails, dates in the team's zone, numbers, yes/no, countries, stages, names."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from leaddesk.domain.enums import Stage
from leaddesk.services.importing.normalising import (
    _SIMPLE_EMAIL,
    CellError,
    cell_text,
    excel_serial,
    normalise_bool,
    normalise_count,
    normalise_country,
    normalise_datetime,
    normalise_email,
    normalise_money,
    normalise_phone,
    outcome_stage,
    parse_stage,
    split_full_name,
)

ROME = ZoneInfo("Europe/Rome")
UTC = dt.UTC


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("333 123 4567", "+393331234567"),
        ("3331234567", "+393331234567"),
        (3331234567.0, "+393331234567"),
        ("+39 333 123 4567", "+393331234567"),
        ("+39 02 1234567", "+39021234567"),
        ("0039 02 1234567", "+39021234567"),
        ("0039-333-1234567", "+393331234567"),
        ("(02) 1234-567", "+39021234567"),
        ("02.1234567", "+39021234567"),
        ("+39 (0)2 1234567", "+39021234567"),
        ("Tel. 06 12345678", "+390612345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_phones_typed_every_way(typed: object, e164: str) -> None:
    assert normalise_phone(typed, "IT") == e164  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["abc", "12", "02 12", "+999 123456", "n/d"])
def test_unparseable_phones_are_errors(typed: str) -> None:
    with pytest.raises(CellError):
        normalise_phone(typed, "IT")


def test_default_region_applies_to_national_numbers() -> None:
    assert normalise_phone("(415) 555-0100", "US") == "+14155550100"


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Mario.Rossi@Example.IT", "mario.rossi@example.it"),
        ("  anna@example.it ", "anna@example.it"),
        ("mailto:anna@example.it", "anna@example.it"),
        ("Anna Verdi <Anna@Example.it>", "anna@example.it"),
        ("o'neil+news@example.ie", "o'neil+news@example.ie"),
        ("x@münchen.de", "x@münchen.de"),
    ],
)
def test_emails_are_lower_cased(typed: str, clean: str) -> None:
    assert normalise_email(typed) == clean


@pytest.mark.parametrize(
    "typed", ["anna@", "@example.it", "anna example.it", "a..b@example.it", "a@b.test", "a@localhost"]
)
def test_invalid_emails_are_errors(typed: str) -> None:
    with pytest.raises(CellError, match="not a valid email"):
        normalise_email(typed)


_ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789_%+'-", min_size=1, max_size=10)
_LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_TLD = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
    st.sampled_from(["test", "local", "localhost", "invalid", "arpa", "onion", "it"]),
)
_ADDRESS = st.builds(
    lambda atoms, labels, tld: ".".join(atoms) + "@" + ".".join([*labels, tld]),
    st.lists(_ATOM, min_size=1, max_size=4),
    st.lists(_LABEL, min_size=1, max_size=3),
    _TLD,
)


@settings(max_examples=300, deadline=None)
@given(_ADDRESS)
def test_the_fast_email_path_agrees_with_email_validator(address: str) -> None:
    """The fast path for common addresses gives exactly email-validator's verdict, lower-cased."""
    assert _SIMPLE_EMAIL.pattern  # the path under test
    ours = None
    with contextlib.suppress(CellError):
        ours = normalise_email(address)
    try:
        theirs = str(validate_email(address, check_deliverability=False).normalized).lower()
    except EmailNotValidError:
        theirs = None
    assert ours == theirs


# --- dates --------------------------------------------------------------------------------------------


def when(
    value: object, *, day_first: bool = True, date_1904: bool = False, zone: ZoneInfo = ROME
) -> dt.datetime:
    return normalise_datetime(value, zone=zone, day_first=day_first, date_1904=date_1904)  # type: ignore[arg-type]


def test_excel_serials_in_both_date_systems() -> None:
    assert excel_serial(45366, date_1904=False) == dt.datetime(2024, 3, 15)
    assert excel_serial(45366 - 1462, date_1904=True) == dt.datetime(2024, 3, 15)
    assert excel_serial(45366.4375, date_1904=False) == dt.datetime(2024, 3, 15, 10, 30)
    assert excel_serial(1, date_1904=False) == dt.datetime(1900, 1, 1)
    assert excel_serial(59, date_1904=False) == dt.datetime(1900, 2, 28)
    assert excel_serial(61, date_1904=False) == dt.datetime(1900, 3, 1)
    with pytest.raises(CellError):
        excel_serial(60, date_1904=False)  # Excel's fictitious 29 February 1900
    with pytest.raises(CellError):
        excel_serial(2_994_626, date_1904=False)  # year 10100


def test_naive_times_are_in_the_team_zone_and_come_out_utc() -> None:
    # Winter (CET, +1) and summer (CEST, +2).
    assert when(dt.datetime(2024, 1, 15, 10, 0)) == dt.datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert when(dt.datetime(2024, 7, 15, 10, 0)) == dt.datetime(2024, 7, 15, 8, 0, tzinfo=UTC)
    assert when(dt.date(2024, 7, 15)) == dt.datetime(2024, 7, 14, 22, 0, tzinfo=UTC)
    assert when("2024-07-15 10:00", zone=ZoneInfo("America/New_York")) == dt.datetime(
        2024, 7, 15, 14, 0, tzinfo=UTC
    )
    assert when(45366.4375) == dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)
    assert when(45366.4375 - 1462, date_1904=True) == dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-03-15T10:30:00Z", dt.datetime(2024, 3, 15, 10, 30, tzinfo=UTC)),
        ("2024-03-15T10:30:00+05:00", dt.datetime(2024, 3, 15, 5, 30, tzinfo=UTC)),
        ("2024-03-15T10:30:00.123-0300", dt.datetime(2024, 3, 15, 13, 30, 0, 123000, tzinfo=UTC)),
        ("2010-10-14T12:00:00.000Z-0300", dt.datetime(2010, 10, 14, 15, 0, tzinfo=UTC)),
        ("2024-03-15T10:30:00", dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)),
        ("2024-03-15", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
        ("15/03/2024", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
        ("15/03/2024 10:30", dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)),
        ("01-02-13", dt.datetime(2013, 1, 31, 23, 0, tzinfo=UTC)),
        ("15.03.2024", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
        ("9/15/2000 00:00:00", dt.datetime(2000, 9, 14, 22, 0, tzinfo=UTC)),
        ("15 marzo 2024", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
        ("March 15, 2024", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
        ("20240315", dt.datetime(2024, 3, 14, 23, 0, tzinfo=UTC)),
    ],
)
def test_date_texts(text: str, utc: dt.datetime) -> None:
    assert when(text) == utc


def test_day_first_preference_only_decides_ambiguous_dates() -> None:
    assert when("03/04/2024").date() == dt.date(2024, 4, 2)  # 3 April, Rome midnight -> 2 April 22:00 UTC
    assert when("03/04/2024", day_first=False).date() == dt.date(2024, 3, 3)  # 4 March
    assert when("13/04/2024", day_first=False).date() == dt.date(2024, 4, 12)


@pytest.mark.parametrize(
    "value", ["domani", "2024-02-30", "31/31/2024", dt.time(10, 30), dt.timedelta(hours=5), True]
)
def test_bad_dates_are_errors(value: object) -> None:
    with pytest.raises(CellError):
        when(value)


# --- numbers, booleans, countries, stages, names -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("1.500", Decimal("1500")),
        ("1.234,56", Decimal("1234.56")),
        ("€ 1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("12,5", Decimal("12.5")),
        ("500000.0", Decimal("500000.0")),
        ("200.000.000", Decimal("200000000")),
        (12.5, Decimal("12.5")),
        (1500.0, Decimal("1500")),
        (1234.567, Decimal("1234.57")),  # to the cent, as the lead stores it
        ("1.234,565", Decimal("1234.57")),
    ],
)
def test_money(value: object, amount: Decimal) -> None:
    stored = normalise_money(value, decimal_comma=True)  # type: ignore[arg-type]
    assert stored == amount and stored.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "why"),
    [("-300 EUR", "cannot be negative"), ("(300)", "cannot be negative"), (1e13, "less than")],
)
def test_money_the_app_cannot_store_is_a_cell_error(value: object, why: str) -> None:
    with pytest.raises(CellError, match=why):
        normalise_money(value, decimal_comma=True)  # type: ignore[arg-type]


def test_money_with_decimal_point_preference() -> None:
    assert normalise_money("1,500", decimal_comma=False) == Decimal("1500")
    assert normalise_money("1.5", decimal_comma=False) == Decimal("1.5")
    with pytest.raises(CellError):
        normalise_money("tanto", decimal_comma=True)


@pytest.mark.parametrize(
    ("value", "count"),
    [(250, 250), (250.0, 250), ("1.200", 1200), ("51-200", 51), ("500+", 500), ("50 dipendenti", 50)],
)
def test_company_size(value: object, count: int) -> None:
    assert normalise_count(value) == count  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["molti", 12.5, "-"])
def test_company_size_errors(value: object) -> None:
    with pytest.raises(CellError):
        normalise_count(value)  # type: ignore[arg-type]


def test_consent() -> None:
    assert [normalise_bool(v) for v in ("Sì", "si", "YES", "x", 1, True, "No", "0", False, "opt-out")] == [
        True, True, True, True, True, True, False, False, False, False,
    ]  # fmt: skip
    with pytest.raises(CellError):
        normalise_bool("forse")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Italia", "IT"), ("Italy", "IT"), ("IT", "IT"), ("it", "IT"), ("ITA", "IT"), ("Germania", "DE"),
     ("Deutschland", "DE"), ("Stati Uniti", "US"), ("USA", "US"), ("UK", "GB"), ("Regno Unito", "GB"),
     ("Svizzera", "CH"), ("Atlantide", "Atlantide")],
)  # fmt: skip
def test_countries(typed: str, stored: str) -> None:
    assert normalise_country(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stage"),
    [("Vinto", Stage.WON), ("Perso", Stage.LOST), ("Closed Won", Stage.WON), ("closed_lost", Stage.LOST),
     ("In trattativa", Stage.OPPORTUNITY), ("MQL", Stage.MQL), ("Contattato", Stage.CONTACTED),
     ("Rifiutato", Stage.REJECTED), ("handed_off", Stage.HANDED_OFF), ("Nuovo", Stage.NEW)],
)  # fmt: skip
def test_stages_in_english_and_italian(typed: str, stage: Stage) -> None:
    assert parse_stage(typed) == stage


def test_unknown_stage_and_outcomes() -> None:
    with pytest.raises(CellError):
        parse_stage("boh")
    assert outcome_stage("Vinto") is Stage.WON
    assert outcome_stage("Perso") is Stage.LOST
    assert outcome_stage("Richiamare") is None


@pytest.mark.parametrize(
    ("full", "split"),
    [
        ("Mario Rossi", ("Mario", "Rossi")),
        ("  Mario   Rossi ", ("Mario", "Rossi")),
        ("Rossi, Mario", ("Mario", "Rossi")),
        ("Anna De Luca", ("Anna", "De Luca")),
        ("Maria Grazia Bianchi", ("Maria Grazia", "Bianchi")),
        ("Dott. Mario Rossi", ("Mario", "Rossi")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Cher", ("Cher", None)),
        ("", (None, None)),
    ],
)
def test_full_name_split(full: str, split: tuple[str | None, str | None]) -> None:
    assert split_full_name(full) == split


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (12.5, "12.5"),
        (8595602512225.0, "8595602512225"),
        (-0.0, "0"),
        (7, "7"),
        (True, "TRUE"),
        ("  007 ", "007"),
        ("+39 333", "+39 333"),
        ("Cafe\u0301", "Café"),
        (dt.datetime(2024, 3, 15), "2024-03-15"),
        (dt.datetime(2024, 3, 15, 10, 30), "2024-03-15 10:30:00"),
        (dt.timedelta(hours=255, minutes=10, seconds=10), "255:10:10"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text  # type: ignore[arg-type]


_PHONE_TEXT = st.builds(
    lambda prefix, groups, seps: (
        prefix + "".join(g + s for g, s in zip(groups, seps, strict=False)).strip(" .-")
    ),
    st.sampled_from(["", "+", "00", "(", "+39 ", "0039", "+44 ", "+34", "+1 ", "+378 ", "+39 (0)", "+3"]),
    st.lists(st.text(alphabet="0123456789", min_size=1, max_size=5), min_size=1, max_size=6),
    st.lists(st.sampled_from(["", " ", "-", ".", ") ", "/"]), min_size=6, max_size=6),
)


@settings(max_examples=600, deadline=None)
@given(_PHONE_TEXT, st.sampled_from(["IT", "ES", "VA", "US", "GB", "SM", "DE"]))
def test_the_fast_phone_path_agrees_with_phonenumbers(text: str, region: str) -> None:
    """The arithmetic fast path gives exactly what phonenumbers.parse gives (number or error)."""

    def outcome(fast: bool) -> str:
        try:
            return normalise_phone(text, region, fast=fast)
        except CellError as exc:
            return f"error: {exc}"

    assert outcome(True) == outcome(False)


def test_the_fast_phone_path_is_taken_for_common_italian_shapes() -> None:
    from leaddesk.services.importing.normalising import _fast_parse

    for text in ("333 123 4567", "+39 333 1234567", "(02) 1234-567", "+39 (0)2 1234567", "+34 612 345 678"):
        assert _fast_parse(text, "IT") is not None, text
    for text in ("+44 20 7946 0958", "393 1234567", "Tel. 02 1234567", "02 1234567 int. 12"):
        assert _fast_parse(text, "IT") is None, text
