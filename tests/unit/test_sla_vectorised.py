"""The vectorised period figures agree exactly with the one-by-one rules they replace: business seconds with
`BusinessCalendar.business_seconds_between_epoch`, group figures with `SlaGroupFigures.of`."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from leaddesk.services.calendar import BusinessCalendar
from leaddesk.services.calendar.hours import parse_closure
from leaddesk.services.sla.figures import HandoffFacts, SlaGroupFigures
from leaddesk.services.sla.vectorised import (
    HandoffColumns,
    business_seconds,
    first_seen_codes,
    group_figures,
    grouped_figures,
)

BLOCK = 1 << 25
REASONS = ("not_in_target", "bad_data", "duplicate", None, "")


def _calendars() -> list[BusinessCalendar]:
    return [
        BusinessCalendar.default("Europe/Rome"),
        BusinessCalendar(
            tz="America/New_York",
            country="US",
            closures=(parse_closure("2026-08-10..2026-08-21"),),
        ),
    ]


@pytest.mark.parametrize("calendar", _calendars(), ids=["rome", "new-york"])
def test_business_seconds_equal_the_calendar(calendar: BusinessCalendar) -> None:
    rng = random.Random(7)
    lo = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    hi = datetime(2027, 6, 1, tzinfo=UTC).timestamp()
    # a block boundary inside the range, so spans across it are checked too
    boundary = float((int(lo) // BLOCK + 1) * BLOCK)
    starts, ends = [], []
    for i in range(4000):
        s = rng.uniform(lo, hi)
        if i % 3 == 0:
            s = float(int(s))  # whole seconds, as most stored instants
        if i % 50 == 0:
            s = boundary - rng.uniform(0, 5 * 86400)
        span = rng.choice([0.0, -3600.0, rng.uniform(0, 3600), rng.uniform(0, 30 * 86400)])
        e = s + span
        if i % 17 == 0:
            e = math.nan
        if i % 19 == 0:
            s = math.nan
        starts.append(s)
        ends.append(e)
    got = business_seconds(calendar, np.array(starts), np.array(ends))
    for s, e, value in zip(starts, ends, got.tolist(), strict=True):
        if math.isnan(s) or math.isnan(e):
            assert math.isnan(value)
        else:
            assert value == calendar.business_seconds_between_epoch(s, e)


def _facts(rng: random.Random, n: int, now: float) -> list[HandoffFacts]:
    facts = []
    for i in range(n):
        handed = now - rng.uniform(0, 40 * 86400)
        accept_due = handed + rng.uniform(3600, 3 * 86400)
        contact_due = accept_due + rng.uniform(0, 3 * 86400)
        replied = rng.choice([None, handed + rng.uniform(0, 5 * 86400)])
        rejected = replied is not None and rng.random() < 0.3
        contacted = (
            None if rejected and rng.random() < 0.8 else rng.choice([None, handed + rng.uniform(0, 9e5)])
        )
        facts.append(
            HandoffFacts(
                lead_id=i,
                campaign_id=rng.choice([None, 1, 2]),
                campaign_name=None,
                owner_id=None,
                owner_name=None,
                handed_off_at=handed,
                replied_at=replied,
                rejected=rejected,
                reject_reason=rng.choice(REASONS) if rejected else None,
                accept_due=accept_due,
                first_contact_at=contacted,
                contact_due=contact_due,
                hours_to_reply=None if replied is None else round(rng.uniform(0, 30), rng.choice([0, 3])),
                hours_to_contact=None if contacted is None else round(rng.uniform(0, 60), rng.choice([0, 3])),
                open_breach=rng.random() < 0.1,
            )
        )
    return facts


def _columns(facts: list[HandoffFacts]) -> HandoffColumns:
    def floats(values: list[float | None]) -> np.ndarray:
        return np.array(values, dtype=np.float64)

    codes, reasons = first_seen_codes([(f.reject_reason or "other") if f.rejected else None for f in facts])
    return HandoffColumns(
        handed_off_at=floats([f.handed_off_at for f in facts]),
        replied_at=floats([f.replied_at for f in facts]),
        rejected=np.array([f.rejected for f in facts], dtype=bool),
        reason_code=codes,
        reasons=reasons,
        accept_due=floats([f.accept_due for f in facts]),
        first_contact_at=floats([f.first_contact_at for f in facts]),
        contact_due=floats([f.contact_due for f in facts]),
        hours_to_reply=floats([f.hours_to_reply for f in facts]),
        hours_to_contact=floats([f.hours_to_contact for f in facts]),
        open_breach=np.array([f.open_breach for f in facts], dtype=bool),
    )


@pytest.mark.parametrize("n", [0, 1, 2, 7, 500])
def test_group_figures_equal_the_one_by_one_rules(n: int) -> None:
    rng = random.Random(n)
    now = datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()
    facts = _facts(rng, n, now)
    columns = _columns(facts)
    assert group_figures(columns, None, now) == SlaGroupFigures.of(facts, now)
    for campaign in (None, 1, 2):
        mask = np.array([f.campaign_id == campaign for f in facts], dtype=bool)
        expected = SlaGroupFigures.of([f for f in facts if f.campaign_id == campaign], now)
        got = group_figures(columns, mask, now)
        assert got == expected
        assert list(got.rejected_by_reason) == list(expected.rejected_by_reason)  # same order too


@pytest.mark.parametrize("n", [0, 1, 7, 500])
def test_grouped_figures_equal_the_figures_of_each_group(n: int) -> None:
    rng = random.Random(100 + n)
    now = datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()
    columns = _columns(_facts(rng, n, now))
    count = 5
    groups = np.array([rng.randrange(-1, count) for _ in range(n)], dtype=np.int64)  # -1: in none
    got = grouped_figures(columns, groups, count, now)
    assert len(got) == count
    for g, figures in enumerate(got):
        expected = group_figures(columns, groups == g, now)
        assert figures == expected
        assert list(figures.rejected_by_reason) == list(expected.rejected_by_reason)  # same order too
