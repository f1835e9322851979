"""The demo's sales queue: which handoffs still wait is decided in business hours, not wall-clock hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaddesk.services.demo_service import _still_waiting

ROME = ZoneInfo("Europe/Rome")
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=ROME)


class _Roll(random.Random):
    """Every draw is the same value: the chance given to a lead is what decides."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("handed_off", "roll", "waiting"),
    [
        # Friday 17:30: half a business hour before Saturday noon, within even the hot-lead target.
        (datetime(2026, 11, 27, 17, 30, tzinfo=ROME), 0.85, True),
        # Friday 15:00: three business hours, within the normal target only.
        (datetime(2026, 11, 27, 15, 0, tzinfo=ROME), 0.5, True),
        (datetime(2026, 11, 27, 15, 0, tzinfo=ROME), 0.7, False),
        # Wednesday: long past the target, kept waiting only rarely (a breach to discuss).
        (datetime(2026, 11, 25, 10, 0, tzinfo=ROME), 0.005, True),
        (datetime(2026, 11, 25, 10, 0, tzinfo=ROME), 0.5, False),
        # Older than a week: always answered.
        (SATURDAY_NOON - timedelta(days=9), 0.0, False),
    ],
)
def test_waiting_is_decided_in_business_hours(handed_off: datetime, roll: float, waiting: bool) -> None:
    assert _still_waiting(_Roll(roll), handed_off, SATURDAY_NOON, 1.0, 4.0) is waiting
