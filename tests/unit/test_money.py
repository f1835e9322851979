"""Amounts as LeadDesk stores them (`domain.money`), and the lifecycle moves that take one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leaddesk.domain.errors import ValidationError
from leaddesk.domain.money import cents


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (Decimal("40000"), "40000.00"),
        (Decimal("12.345"), "12.35"),
        (7, "7.00"),
        (0.1, "0.10"),
        ("99.9", "99.90"),
    ],
)
def test_amounts_are_kept_to_the_cent(value: object, stored: str) -> None:
    assert str(cents(value)) == stored  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), Decimal("1e12"), Decimal("1e30"), "abc"]
)
def test_what_the_column_cannot_hold_is_refused_clearly(value: object) -> None:
    with pytest.raises(ValidationError):
        cents(value)  # type: ignore[arg-type]
