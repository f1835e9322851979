"""The period's handoffs read as columns: on SQLite as one text per column (one statement step), which must
give exactly what reading the rows gives, whatever the stored instants and reasons look like; and the SLA
figures read that way are the same as before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import text

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import Role
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Lead
from leaddesk.models.database import Database
from leaddesk.services.sla.sql import HandoffRead, _read_rows, _read_sqlite, read_handoffs

PERIOD = [Lead.deleted_at.is_(None), Lead.accept_due_at.is_not(None)]


@pytest.fixture
def svc(sqlite_db: Database, clock: FixedClock) -> Services:
    services = build_services(sqlite_db, clock)
    clock.set(datetime(2026, 2, 10, 8, tzinfo=UTC))
    services.sla.ensure_policy()
    return services


def _handed_off(svc: Services, n: int) -> list[int]:
    owner = svc.team.add_member("Marco", Role.SALES).id
    ids = [
        svc.lifecycle.create_lead(LeadDraft(first_name=f"L{i}", last_name="T", email=f"l{i}@x.it"))
        for i in range(n)
    ]
    svc.lifecycle.handoff(ids, owner_id=owner)
    return ids


def _same(a: HandoffRead, b: HandoffRead) -> None:
    assert a.ids == b.ids
    assert a.campaign_ids.tolist() == b.campaign_ids.tolist()
    assert a.owner_ids.tolist() == b.owner_ids.tolist()
    assert list(a.reject_reasons) == list(b.reject_reasons)
    assert np.array_equal(a.instants, b.instants, equal_nan=True)  # bit for bit, NaN where none


def _set(svc: Services, lead_id: int, **columns: object) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    with svc.db.writing() as s:
        s.execute(text(f"UPDATE leads SET {assignments} WHERE id = :id"), {**columns, "id": lead_id})


def test_the_column_texts_equal_the_rows(svc: Services) -> None:
    ids = _handed_off(svc, 6)
    # fractions of a second, none, instants missing, and the ends of the years, months and days
    _set(svc, ids[0], accepted_at="2026-02-10 09:15:00.250000", first_contact_at="2026-02-10 11:00:00.000001")
    _set(svc, ids[1], rejected_at="2024-02-29 23:59:59.000000", reject_reason="not_in_target")
    _set(svc, ids[2], rejected_at="2026-02-10 10:30:00.999999", reject_reason="a, b; c")
    _set(svc, ids[3], paused_until="2026-02-16 08:00:00.123456", campaign_id=None)
    _set(svc, ids[4], first_contact_at="1970-01-01 00:00:00.000000", accepted_at="2099-12-31 00:00:00.999999")
    _set(svc, ids[5], first_contact_at="2026-04-31 12:00:00.000000")  # SQLite reads it as 1 May
    with svc.db.reading() as s:
        fast = _read_sqlite(s, PERIOD, with_ids=True)
        rows = _read_rows(s, PERIOD, with_ids=True)
        assert read_handoffs(s, PERIOD, with_ids=False).ids is None
    assert fast is not None and len(fast) == 6
    _same(fast, rows)
    row = {lead_id: i for i, lead_id in enumerate(fast.ids or ())}
    assert fast.reject_reasons[row[ids[2]]] == "a, b; c"
    assert fast.instants[1][row[ids[0]]] == datetime(2026, 2, 10, 9, 15, 0, 250000, tzinfo=UTC).timestamp()
    assert np.isnan(fast.instants[2][row[ids[0]]])  # not rejected
    assert fast.campaign_ids[row[ids[3]]] == -1
    assert fast.instants[2][row[ids[1]]] == datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC).timestamp()
    assert fast.instants[3][row[ids[4]]] == 0.0
    # SQLite's date functions round to the millisecond: the whole second is read before the fraction.
    assert fast.instants[1][row[ids[4]]] == datetime(2099, 12, 31, 0, 0, 0, 999999, tzinfo=UTC).timestamp()
    assert fast.instants[3][row[ids[5]]] == datetime(2026, 5, 1, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "written",
    [
        {"rejected_at": "2026-02-10 10:00:00+00:00"},  # an offset
        {"rejected_at": "2026-02-10 11:00:00"},  # no fraction
        {"rejected_at": "2026-02-10 10:00:00.5"},  # a short fraction
        {"rejected_at": "2026-02-10T10:00:00.500000"},  # another separator
        {"rejected_at": "2026-13-10 10:00:00.000000"},  # no such month (SQLite: none)
        {"rejected_at": "1969-12-31 23:59:59.500000"},  # before 1970
        {"rejected_at": "2026-02-10 10:00:00.00000,"},  # a comma where a digit goes
        {"rejected_at": "2026-02-10 10:00:00.000000", "reject_reason": "one\x1ftwo"},  # the separator
    ],
)
def test_what_is_not_in_the_stored_form_is_read_as_rows(svc: Services, written: dict[str, str]) -> None:
    ids = _handed_off(svc, 3)
    _set(svc, ids[1], **{"reject_reason": "x", **written})
    with svc.db.reading() as s:
        assert _read_sqlite(s, PERIOD, with_ids=True) is None
        _same(read_handoffs(s, PERIOD, with_ids=True), _read_rows(s, PERIOD, with_ids=True))
    _set(svc, ids[1], rejected_at="2026-02-10 10:00:00.500000", reject_reason="two")
    with svc.db.reading() as s:
        fast = _read_sqlite(s, PERIOD, with_ids=True)
        assert fast is not None
        _same(fast, _read_rows(s, PERIOD, with_ids=True))


def test_no_handoff_reads_as_empty_columns(svc: Services) -> None:
    with svc.db.reading() as s:
        for read in (_read_sqlite(s, PERIOD, with_ids=True), _read_rows(s, PERIOD, with_ids=True)):
            assert read is not None and len(read) == 0 and read.instants.shape == (7, 0)
    assert svc.sla.figures(date(2026, 2, 1), date(2026, 2, 28)).overall.handoffs == 0


def test_the_figures_are_the_same_either_way(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _handed_off(svc, 8)
    svc.lifecycle.accept(ids[:3])
    svc.lifecycle.reject(ids[3], reason="not_in_target")
    svc.lifecycle.reject(ids[4], reason="bad_data")
    feb = (date(2026, 2, 1), date(2026, 2, 28))
    weeks = [(date(2026, 2, 2), date(2026, 2, 8)), (date(2026, 2, 9), date(2026, 2, 15))]
    fast = svc.sla.period(*feb, buckets=weeks)
    monkeypatch.setattr("leaddesk.services.sla.sql._read_sqlite", lambda *a, **k: None)
    rows = svc.sla.period(*feb, buckets=weeks)
    assert repr(fast) == repr(rows)  # the same values, in the same order (reasons most common first)
    assert fast.figures.overall.handoffs == 8 and fast.figures.overall.rejected == 2
