"""Money amounts as LeadDesk stores them: `Numeric(14, 2)`, so to the cent and below 10¹² (a deal's value).

One rule for every way an amount comes in (the opportunity and won dialogs, an imported list's value
column), so that a lead and the events about it always show the same amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from leaddesk.domain.errors import ValidationError

CENT = Decimal("0.01")
#: The column holds 14 digits, two of them after the point.
LIMIT = Decimal(10) ** 12


def cents(value: Decimal | int | float | str) -> Decimal:
    """`value` rounded to the cent; `ValidationError` when it is not a finite amount in [0, 10¹²)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise ValidationError(f"{value!r} is not an amount.")
    if amount < 0:
        raise ValidationError("An amount cannot be negative.")
    # Half a cent up, as PostgreSQL rounds a numeric(14, 2); the limit first (quantize would overflow).
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP) if amount < LIMIT else amount
    if rounded >= LIMIT:
        raise ValidationError("An amount must be less than 1,000,000,000,000.")
    return rounded
