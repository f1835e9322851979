"""Privacy on a real database: export everything about a person, and erase a person for real — on SQLite
not one byte of the personal values may stay in the database file or its WAL."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, EventKind, Outcome, RejectReason, Role, Stage
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.queries import LeadFilter
from leaddesk.domain.records import LeadDraft
from leaddesk.models import Activity, ImportBatch, Lead, LeadEvent
from leaddesk.models.database import Database

FIRST, LAST = "Quintiliano", "Zbrzeczkowski"
EMAIL = "quintiliano.zbrzeczkowski@unicorno-erase.example"
OLD_EMAIL = "q.zbrz.old@unicorno-erase.example"
PHONE = "+393471928374"
NOTE = "Quintiliano vuole il listino"


def _person(db: Database, clock: FixedClock) -> tuple[object, int]:
    svc = build_services(db, clock)
    rep = svc.team.add_member("Marco Vendite", Role.SALES)
    svc.lifecycle.create_lead(LeadDraft(first_name="Mario", last_name="Rossi", email="m@x.it"))
    lead = svc.lifecycle.create_lead(
        LeadDraft(
            first_name=FIRST,
            last_name=LAST,
            email=OLD_EMAIL,
            phone=PHONE,
            company="Unicorno SpA",
            city="Gallarate",
            job_title="CEO",
            notes=NOTE,
            custom_fields={"linkedin": "linkedin.com/in/zbrzeczkowski"},
        )
    )
    version = svc.leads.detail(lead).version
    svc.lifecycle.update_lead(lead, {"email": EMAIL}, expected_version=version)
    svc.lifecycle.add_touch(lead, None, content="Whitepaper", content_type="whitepaper")
    svc.lifecycle.handoff([lead], owner_id=rep.id, note=NOTE)
    svc.lifecycle.reject(lead, reason=RejectReason.WRONG_PERSON.value, note=f"{LAST} non decide")
    svc.lifecycle.recycle([lead], note="riprovare")
    svc.lifecycle.handoff([lead], owner_id=rep.id)
    svc.lifecycle.log_activity(
        lead, kind=ActivityKind.CALL, outcome=Outcome.REACHED, note=f"Parlato con {FIRST}"
    )
    with db.writing() as s:
        s.add(
            ImportBatch(
                file_name="fiera.xlsx",
                sha256="0" * 64,
                mapping={},
                duplicate_policy="skip",
                errors={
                    "rows": [{"row": 7, "message": "bad phone", "values": {"email": EMAIL, "phone": "x"}}]
                },
                created_at=clock(),
            )
        )
    return svc, lead


def test_export_person_writes_every_kind_of_data(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    svc, lead = _person(db, clock)
    out = svc.privacy.export_person(lead, tmp_path / "person.xlsx")  # type: ignore[attr-defined]
    wb = load_workbook(out)
    assert wb.sheetnames == ["Person", "History", "Activities", "Campaign touches", "Import history"]
    person = {r[0]: r[1] for r in wb["Person"].iter_rows(min_row=2, values_only=True)}
    assert person["Email"] == EMAIL and person["Phone"] == PHONE and person["linkedin"]
    history = [r[1] for r in wb["History"].iter_rows(min_row=2, values_only=True)]
    assert history.count("handed_off") == 2 and "edited" in history and "rejected" in history
    assert [r[6] for r in wb["Activities"].iter_rows(min_row=2, values_only=True)] == [f"Parlato con {FIRST}"]
    assert wb["Campaign touches"].max_row == 2
    with pytest.raises(ValidationError, match=r"\.xlsx"):
        svc.privacy.export_person(lead, tmp_path / "person.csv")  # type: ignore[attr-defined]
    with pytest.raises(NotFoundError):
        svc.privacy.export_person(9999, tmp_path / "x.xlsx")  # type: ignore[attr-defined]


def test_erase_anonymises_everywhere_and_keeps_the_counts(db: Database, clock: FixedClock) -> None:
    svc, lead = _person(db, clock)
    before = svc.leads.stage_counts()  # type: ignore[attr-defined]
    report = svc.privacy.erase(lead, actor_id=None)  # type: ignore[attr-defined]
    assert report.events_scrubbed >= 3
    with db.reading() as s:
        row = s.get(Lead, lead)
        assert row is not None and row.erased_at is not None
        assert (row.first_name, row.last_name, row.email, row.phone, row.notes, row.city) == (None,) * 6
        assert row.custom_fields == {} and row.name_company_key is None
        assert row.stage == Stage.CONTACTED.value and row.company == "Unicorno SpA"  # counts stay
        dump = repr(
            [
                (e.kind, e.reason, e.details)
                for e in s.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead))
            ]
        )
        dump += repr([a.note for a in s.scalars(select(Activity))])
        dump += repr([b.errors for b in s.scalars(select(ImportBatch))])
        for value in (FIRST, LAST, EMAIL, OLD_EMAIL, PHONE, "zbrzeczkowski"):
            assert value.lower() not in dump.lower()
        erased = s.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead, LeadEvent.kind == EventKind.ERASED.value)
        ).one()
        assert "email" in erased.details["fields"]
    assert svc.leads.stage_counts() == before  # type: ignore[attr-defined]
    assert svc.leads.count(LeadFilter(text=LAST)) == 0  # type: ignore[attr-defined]
    assert svc.leads.count(LeadFilter(text="Rossi")) == 1  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="already erased"):
        svc.privacy.erase(lead)  # type: ignore[attr-defined]
    with pytest.raises(NotFoundError):
        svc.lifecycle.qualify([lead])  # type: ignore[attr-defined]


def _hits(data: bytes, value: str) -> list[str]:
    found = []
    for variant in {value, value.lower(), value.upper(), value.casefold()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if variant.encode(encoding) in data:
                found.append(f"{variant!r} as {encoding}")
    return found


def test_erase_leaves_no_byte_in_the_sqlite_files(sqlite_db: Database, clock: FixedClock) -> None:
    svc, lead = _person(sqlite_db, clock)
    path = sqlite_db.sqlite_path
    assert path is not None
    wal = Path(f"{path}-wal")
    assert _hits(path.read_bytes() + (wal.read_bytes() if wal.exists() else b""), EMAIL)  # the test can see
    report = svc.privacy.erase(lead)  # type: ignore[attr-defined]
    assert report.verified_in_files
    data = path.read_bytes()
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL must be checkpointed and truncated"
    for value in (FIRST, LAST, EMAIL, OLD_EMAIL, PHONE, "393471928374", "zbrzeczkowski", "unicorno-erase"):
        assert _hits(data, value) == [], value
    # The rest of the data is intact.
    assert svc.leads.count(LeadFilter(text="Rossi")) == 1  # type: ignore[attr-defined]
    with sqlite_db.reading() as s:
        assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
