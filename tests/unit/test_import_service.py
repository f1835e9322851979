"""The write side of imports on SQLite and PostgreSQL: rows in, rejections by row number, duplicates and
their policies, campaign touches, merge events, custom fields, dry run, cancel, presets, search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from leaddesk.app import Services, build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import DuplicatePolicy, EventKind
from leaddesk.domain.errors import NotFoundError, ValidationError
from leaddesk.domain.identity import name_company_key
from leaddesk.domain.queries import LeadFilter, PageRequest
from leaddesk.models import CampaignTouch, ImportBatch, Lead, LeadEvent
from leaddesk.services.importing import PrepareOptions
from leaddesk.services.importing.batch_writer import fast_name_key
from leaddesk.services.importing.import_service import ImportCancelled, ImportSettings
from tests.import_files.builders import write_xlsx

HEADERS = ["Nome", "Cognome", "Email", "Telefono", "Azienda", "Città", "Ruolo", "Codice cliente"]


@pytest.fixture
def services(db: Any, clock: FixedClock) -> Iterator[Services]:
    svc = build_services(db, clock)
    yield svc


def lead_list(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    return write_xlsx(path, [headers, *rows])


def leads(services: Services) -> list[Lead]:
    with services.db.reading() as s:
        found = list(s.scalars(select(Lead).order_by(Lead.id)))
        s.expunge_all()
        return found


def events(services: Services, kind: EventKind | None = None) -> list[LeadEvent]:
    with services.db.reading() as s:
        stmt = select(LeadEvent).order_by(LeadEvent.id)
        if kind is not None:
            stmt = stmt.where(LeadEvent.kind == kind.value)
        found = list(s.scalars(stmt))
        s.expunge_all()
        return found


def touches(services: Services) -> list[tuple[int, int | None]]:
    with services.db.reading() as s:
        rows = s.execute(select(CampaignTouch.lead_id, CampaignTouch.campaign_id).order_by(CampaignTouch.id))
        return [(r[0], r[1]) for r in rows]


def test_rows_become_leads_and_bad_rows_are_rejected_by_row_number(
    services: Services, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "fiera.xlsx",
        [
            ["Contatti fiera"],  # a title row: the header is on row 2
            HEADERS,
            ["Anna", "Verdi", "Anna.Verdi@Example.IT", "333 123 4567", "Acme", "Milano", "CEO", "00123"],
            ["Solo", "Nome", None, None, None, None, None, None],  # row 4: no identity
            ["Paola", "Bianchi", None, None, "Beta Srl", None, None, None],  # a name + company is enough
            [None, None, "luca@", None, None, None, None, None],  # row 6: a bad email and nothing else
            [None, None, None, "02 1234567", None, None, None, None],  # a phone alone is enough
        ],
    )
    result = services.imports.import_file(path, ImportSettings(campaign="SMAU 2024"))
    assert (result.rows_read, result.created, result.updated, result.duplicates, result.rejected) == (
        5,
        3,
        0,
        0,
        2,
    )
    rejected = [(e.row, e.column) for e in result.errors]
    assert rejected == [
        (4, "Nome, Cognome, Email, Telefono, Azienda"),
        (6, "Email"),
        (6, "Nome, Cognome, Email, Telefono, Azienda"),
    ]
    assert "needs an email, a phone, or a name with a company" in result.errors[0].message
    assert [r.row_number for r in result.rejected_rows] == [4, 6]
    anna, paola, phone_only = leads(services)
    assert (anna.email, anna.phone, anna.company, anna.city, anna.stage) == (
        "anna.verdi@example.it",
        "+393331234567",
        "Acme",
        "Milano",
        "new",
    )
    assert anna.custom_fields == {"Codice cliente": "00123"}
    assert anna.import_batch_id == result.batch_id
    assert paola.name_company_key == name_company_key("Paola", "Bianchi", "Beta Srl")
    assert phone_only.phone == "+39021234567"
    # Every lead has its import event and the campaign's touch, all marked with the batch.
    assert [(e.lead_id, e.to_stage, e.import_batch_id) for e in events(services)] == [
        (anna.id, "new", result.batch_id),
        (paola.id, "new", result.batch_id),
        (phone_only.id, "new", result.batch_id),
    ]
    assert {e.kind for e in events(services)} == {EventKind.IMPORTED.value}
    campaign = services.campaigns.list_campaigns()[0]
    assert campaign.name == "SMAU 2024"
    assert touches(services) == [
        (anna.id, campaign.id),
        (paola.id, campaign.id),
        (phone_only.id, campaign.id),
    ]
    assert {lead.campaign_id for lead in leads(services)} == {campaign.id}
    with services.db.reading() as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch is not None
        assert (batch.rows_read, batch.created, batch.rejected, batch.file_name) == (5, 3, 2, "fiera.xlsx")
        assert batch.errors["total"] == 3
        assert batch.mapping["header_row"] == 2


def test_duplicates_within_the_file_merge_into_the_first_row(services: Services, tmp_path: Path) -> None:
    path = lead_list(
        tmp_path / "list.xlsx",
        [
            ["Anna", "Verdi", "anna@example.it", None, "Acme", None, None, "A1"],
            ["Anna", "Verdi", "ANNA@EXAMPLE.IT", "333 1234567", "Acme", "Milano", None, "A2"],  # same email
            ["Ann", "V.", None, "+39 333 123 4567", None, "Roma", "CEO", None],  # same phone as the row above
            ["anna", "VERDI", None, None, "acme", None, None, None],  # same name + company
            ["Bruno", "Neri", "bruno@example.it", None, None, None, None, None],
        ],
    )
    result = services.imports.import_file(path)
    assert (result.created, result.duplicates, result.updated) == (2, 3, 0)
    anna, bruno = leads(services)
    # fill (the default): the first row's values stay, empty fields are filled by later rows
    assert (anna.first_name, anna.phone, anna.city, anna.job_title) == (
        "Anna",
        "+393331234567",
        "Milano",
        "CEO",
    )
    assert anna.custom_fields == {"Codice cliente": "A1"}
    merged = events(services, EventKind.MERGED)
    assert [(e.lead_id, e.details["row"], e.details["matched_by"]) for e in merged] == [
        (anna.id, 3, "email"),
        (anna.id, 4, "phone"),
        (anna.id, 5, "name_company"),
    ]
    assert merged[0].details["changes"] == {"phone": [None, "+393331234567"], "city": [None, "Milano"]}
    assert merged[0].details["into_lead_created_by_this_import"] is True
    assert bruno.email == "bruno@example.it"


@pytest.mark.parametrize(
    ("policy", "expected_city", "expected_title", "expected_code", "updated"),
    [
        (DuplicatePolicy.SKIP, "Milano", None, "A1", 0),
        (DuplicatePolicy.FILL, "Milano", "CTO", "A1", 1),
        (DuplicatePolicy.OVERWRITE, "Roma", "CTO", "B2", 1),
    ],
)
def test_duplicate_policies_against_the_database(
    services: Services,
    tmp_path: Path,
    policy: DuplicatePolicy,
    expected_city: str,
    expected_title: str | None,
    expected_code: str,
    updated: int,
) -> None:
    first = lead_list(
        tmp_path / "first.xlsx", [["Anna", "Verdi", "anna@example.it", None, "Acme", "Milano", None, "A1"]]
    )
    services.imports.import_file(first, ImportSettings(campaign="Fiera"))
    second = lead_list(
        tmp_path / "second.xlsx",
        [
            ["Anna", "Verdi", "Anna@Example.it", None, "Acme", "Roma", "CTO", "B2"],
            ["Nuovo", "Lead", "n@x.it"] + [None] * 5,
        ],
    )
    result = services.imports.import_file(second, ImportSettings(campaign="Webinar", policy=policy))
    assert (result.created, result.duplicates, result.updated) == (1, 1, updated)
    anna = leads(services)[0]
    assert (anna.city, anna.job_title, anna.custom_fields["Codice cliente"]) == (
        expected_city,
        expected_title,
        expected_code,
    )
    assert anna.campaign_id == services.campaigns.list_campaigns()[0].id  # the campaign that brought it stays
    # Whatever the policy, the new campaign is one more touch, and the merge is an event.
    fiera, webinar = sorted(services.campaigns.list_campaigns(), key=lambda c: c.id)
    assert sorted(c for lead_id, c in touches(services) if lead_id == anna.id) == [fiera.id, webinar.id]
    merged = events(services, EventKind.MERGED)
    assert len(merged) == 1
    assert merged[0].details["policy"] == policy.value
    assert merged[0].details["campaign_id"] == webinar.id
    assert merged[0].import_batch_id == result.batch_id
    assert anna.version == (1 if policy is DuplicatePolicy.SKIP else 2)
    # The same campaign again is not a new touch.
    again = services.imports.import_file(second, ImportSettings(campaign="Webinar", policy=policy))
    assert again.duplicates == 2 and again.created == 0
    assert len([c for lead_id, c in touches(services) if lead_id == anna.id]) == 2


def test_leads_in_the_trash_are_not_matched(services: Services, tmp_path: Path) -> None:
    path = lead_list(tmp_path / "a.xlsx", [["Anna", "Verdi", "anna@example.it"] + [None] * 5])
    services.imports.import_file(path)
    services.lifecycle.delete_leads([leads(services)[0].id])
    result = services.imports.import_file(path)
    assert (result.created, result.duplicates) == (1, 0)


def test_dry_run_reports_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    path = lead_list(
        tmp_path / "a.xlsx", [["Anna", "Verdi", "anna@example.it"] + [None] * 5, ["Solo"] + [None] * 7]
    )
    result = services.imports.import_file(path, ImportSettings(campaign="Nuova", dry_run=True))
    assert (result.batch_id, result.created, result.rejected, result.dry_run) == (None, 1, 1, True)
    assert result.to_json()["dry_run"] is True
    assert leads(services) == []
    assert services.campaigns.list_campaigns() == []
    assert services.imports.batches() == []


def test_cancel_midway_rolls_everything_back(services: Services, tmp_path: Path) -> None:
    rows = [[f"N{i}", "X", f"p{i}@example.it"] + [None] * 5 for i in range(6000)]
    path = lead_list(tmp_path / "big.xlsx", rows)
    chunks = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "importing" and done:
            chunks.append(done)

    with pytest.raises(ImportCancelled, match="nothing was saved"):
        services.imports.import_file(
            path,
            ImportSettings(campaign="C"),
            progress=progress,
            should_cancel=lambda: bool(chunks),
        )
    assert chunks  # the first chunk had been written when Cancel came
    assert leads(services) == [] and events(services) == []
    assert services.imports.batches() == [] and services.campaigns.list_campaigns() == []


def test_a_mapping_without_identity_columns_is_refused(services: Services, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", [["Città", "Note"], ["Milano", "x"]])
    with pytest.raises(ValidationError, match="No column is mapped to Email, Phone"):
        services.imports.import_file(path)


def test_unknown_preset_and_campaign_are_clear_errors(services: Services, tmp_path: Path) -> None:
    path = lead_list(tmp_path / "a.xlsx", [["Anna", "Verdi", "anna@example.it"] + [None] * 5])
    with pytest.raises(NotFoundError, match="no import preset called 'Fiere'"):
        services.imports.import_file(path, preset="Fiere")
    with pytest.raises(NotFoundError, match="Campaign #99"):
        services.imports.import_file(path, ImportSettings(campaign_id=99))


def test_presets_are_saved_and_offered_for_the_same_headers(services: Services, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "p.xlsx", [["Contatto", "Posta", "Ditta"], ["Anna Verdi", "anna@example.it", "Acme"]]
    )
    with services.imports.read(path) as table:
        suggestion = services.imports.suggest_mapping(table.headers)
        assert suggestion.preset is None
        mapping = suggestion.mapping.with_target("Posta", "email").with_target("Ditta", "company")
        services.imports.save_preset("Fiere", mapping)
    other = write_xlsx(
        tmp_path / "q.xlsx", [["ditta", "POSTA", "Contatto"], ["Beta", "b@example.it", "Bruno Neri"]]
    )
    with services.imports.read(other) as table:
        suggestion = services.imports.suggest_mapping(table.headers)
    assert suggestion.preset is not None and suggestion.preset.name == "Fiere"
    assert suggestion.mapping.target_of("POSTA") is None or suggestion.mapping.column_for("email") is not None
    # Saved under the same name again: replaced.
    services.imports.save_preset("fiere", mapping)
    assert [p.name for p in services.imports.presets()] == ["fiere"]
    result = services.imports.import_file(path, preset="FIERE")
    assert result.created == 1
    assert leads(services)[0].company == "Acme"


def test_imported_leads_are_searchable_and_scored(services: Services, tmp_path: Path) -> None:
    path = lead_list(
        tmp_path / "a.xlsx",
        [
            ["Zoë", "Ferraris", "zoe@example.it", "333 765 4321", "Gamma Spa", "Forlì", "CEO", None],
            ["Bruno", "Neri", "bruno@example.it", None, "Delta", "Torino", "Office manager", None],
        ],
    )
    services.imports.import_file(path, ImportSettings(campaign="Fiera"))
    found = services.leads.page(PageRequest(LeadFilter(text="ferraris forli")))
    assert [r.last_name for r in found] == ["Ferraris"]
    assert [r.last_name for r in services.leads.page(PageRequest(LeadFilter(text="3337654321")))] == [
        "Ferraris"
    ]
    # Scores written at import equal what the scoring service computes.
    before = {lead.id: lead.score for lead in leads(services)}
    assert services.scoring.rescore().changed == 0
    assert {lead.id: lead.score for lead in leads(services)} == before
    # A merge that changes a searched field keeps the search index in step.
    again = lead_list(
        tmp_path / "b.xlsx", [["Bruno", "Neri", "bruno@example.it", None, "Delta", "Cesena", None, None]]
    )
    services.imports.import_file(again, ImportSettings(policy=DuplicatePolicy.OVERWRITE))
    assert [r.city for r in services.leads.page(PageRequest(LeadFilter(text="cesena")))] == ["Cesena"]
    assert services.leads.page(PageRequest(LeadFilter(text="torino"))) == []
    assert services.leads.count(LeadFilter(import_batch_id=services.imports.batches()[-1].id)) == 2


def test_csv_without_header_and_options(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "anna@example.it;+41 44 668 18 00;03/04/2024\nbruno@example.it;044 668 18 01;\n", encoding="utf-8"
    )
    with services.imports.read(path, header_row=0) as table:
        assert table.headers == ("Column 1", "Column 2", "Column 3")
        mapping = (
            services.imports.suggest_mapping(table.headers)
            .mapping.with_target("Column 1", "email")
            .with_target("Column 2", "phone")
            .with_target("Column 3", "created_at")
        )
        settings = ImportSettings(
            prepare=PrepareOptions(default_region="CH", time_zone="UTC", day_first=False)
        )
        result = services.imports.import_table(table, mapping, settings)
    assert result.created == 2
    anna, bruno = leads(services)
    assert (anna.phone, bruno.phone) == ("+41446681800", "+41446681801")
    assert anna.created_at == dt.datetime(2024, 3, 4, tzinfo=dt.UTC)


def test_long_values_are_cut_to_the_column(services: Services, tmp_path: Path) -> None:
    path = lead_list(tmp_path / "a.xlsx", [["A" * 150, "Verdi", "anna@example.it"] + [None] * 5])
    result = services.imports.import_file(path)
    assert leads(services)[0].first_name == "A" * 100
    assert [(e.row, e.column) for e in result.errors] == [(2, "Nome")]


def test_rejected_rows_file_can_be_fixed_and_imported_again(services: Services, tmp_path: Path) -> None:
    path = lead_list(
        tmp_path / "a.xlsx",
        [["Solo", "Nome", None, None, None, "Milano", None, "007"], ["Anna", None, "a@x.it"] + [None] * 5],
    )
    result = services.imports.import_file(path)
    saved = services.imports.write_rejected_rows(tmp_path / "rejected", result.headers, result.rejected_rows)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == [*HEADERS, "Row in the original file", "Problem"]
    assert rows[1][:9] == ["Solo", "Nome", None, None, None, "Milano", None, "007", 2]
    assert "needs an email" in rows[1][9]
    sheet.cell(row=2, column=5).value = "Acme"  # the fix: a company
    load_fixed = tmp_path / "fixed.xlsx"
    sheet.parent.save(load_fixed)
    again = services.imports.import_file(load_fixed)
    assert (again.created, again.rejected) == (1, 0)
    assert leads(services)[-1].custom_fields == {"Codice cliente": "007"}  # the helper columns were ignored


def test_check_counts_duplicates_without_writing(services: Services, tmp_path: Path) -> None:
    first = lead_list(tmp_path / "a.xlsx", [["Anna", "Verdi", "anna@example.it"] + [None] * 5])
    services.imports.import_file(first)
    path = lead_list(
        tmp_path / "b.xlsx",
        [
            ["Anna", "Verdi", "ANNA@example.it"] + [None] * 5,
            ["Bruno", "Neri", "bruno@example.it"] + [None] * 5,
            ["Bruno", "Neri", "bruno@example.it"] + [None] * 5,
            ["Solo"] + [None] * 7,
        ],
    )
    with services.imports.read(path) as table:
        check = services.imports.check(table, services.imports.suggest_mapping(table.headers).mapping)
    assert (check.rows_read, check.valid, check.rejected) == (4, 3, 1)
    assert (check.duplicates_existing, check.duplicates_in_file) == (1, 1)
    assert check.previous_imports == ()
    with services.imports.read(first) as table:
        check = services.imports.check(table, services.imports.suggest_mapping(table.headers).mapping)
    assert [b.file_name for b in check.previous_imports] == ["a.xlsx"]
    with services.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1


def test_the_backup_is_taken_before_the_transaction(services: Services, tmp_path: Path) -> None:
    calls: list[str] = []
    services.imports._backup = calls.append  # type: ignore[assignment]
    path = lead_list(tmp_path / "a.xlsx", [["Anna", "Verdi", "anna@example.it"] + [None] * 5])
    services.imports.import_file(path, ImportSettings(dry_run=True))
    assert calls == []
    services.imports.import_file(path)
    assert calls == ["pre-import"]
    services.imports.undo(services.imports.batches()[0].id)
    assert calls == ["pre-import", "pre-undo"]


@pytest.mark.parametrize(
    ("first", "last", "company"),
    [
        ("Anna", "Verdi", "Acme"),
        ("  Zoë ", "De  Luca", "Società Ñ"),
        (None, "Verdi", "Acme"),
        ("Anna", None, None),
        (None, None, "Acme"),
        ("Ǆemal", "ŒUVRE", "ﬁrm"),
    ],
)
def test_the_fast_name_key_is_the_domain_key(
    first: str | None, last: str | None, company: str | None
) -> None:
    assert fast_name_key(first, last, company) == name_company_key(first, last, company)


def leads_indexes(services: Services) -> list[tuple[str, str]]:
    """The leads table's indexes as (name, definition), on either database."""
    with services.db.reading() as s:
        if s.get_bind().dialect.name == "sqlite":
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' ORDER BY 1"
        else:
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads' ORDER BY indexname"
        return [(str(n), str(d)) for n, d in s.connection().exec_driver_sql(sql)]


def big_list(tmp_path: Path, count: int, prefix: str = "p") -> Path:
    rows = [
        [f"{prefix.upper()}{i}", "X", f"{prefix}{i}@example.it", None, f"Ditta {i % 7}", "Roma"] + [None] * 2
        for i in range(count)
    ]
    rows.append(["Copia", "X", f"{prefix}3@example.it"] + [None] * 5)  # a duplicate of an earlier row
    return lead_list(tmp_path / f"{prefix}.xlsx", rows)


@pytest.fixture
def small_big_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file bringing 20 new leads or more counts as big (on SQLite it may set the leads' indexes aside)."""
    monkeypatch.setattr("leaddesk.services.importing.batch_writer.DEFER_INDEXES_ROWS", 20)


def in_chunks_of_8(services: Services) -> Services:
    """The reader passes rows on 8 at a time: the writer decides on the indexes after the first 8."""
    services.imports.limits = replace(services.imports.limits, chunk_rows=8)
    return services


@pytest.mark.usefixtures("small_big_import")
def test_a_big_import_builds_the_leads_indexes_once_at_the_end(services: Services, tmp_path: Path) -> None:
    in_chunks_of_8(services)
    known = [
        [f"K{i}", "X", f"p{i}@example.it", None, "Vecchia", "Milano"] + [None] * 2 for i in range(0, 60, 9)
    ]
    services.imports.import_file(lead_list(tmp_path / "known.xlsx", known), ImportSettings())
    before = leads_indexes(services)
    steps: list[tuple[str, int, int]] = []
    result = services.imports.import_file(
        big_list(tmp_path, 60),
        ImportSettings(campaign="Fiera", policy=DuplicatePolicy.OVERWRITE),
        progress=lambda phase, done, total: steps.append((phase, done, total)),
    )
    # The 7 known people and the repeated row merge (the duplicate lookups keep their indexes).
    assert (result.created, result.duplicates, result.updated) == (53, 8, 7)
    indexing = [(done, total) for phase, done, total in steps if phase == "indexing"]
    if services.db.engine.dialect.name == "sqlite":
        # All of the leads' indexes but the three the duplicate lookups read, built again one by one.
        total = len(before) - 3
        assert indexing == [(done, total) for done in range(total + 1)]
        phases = [phase for phase, _d, _t in steps]
        assert phases.index("indexing") > max(i for i, p in enumerate(phases) if p == "importing")
        with services.db.reading() as s:
            assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    else:
        assert indexing == []  # PostgreSQL would lock the table against every reader meanwhile
    assert leads_indexes(services) == before
    found = services.leads.page(PageRequest(LeadFilter(text="ditta 3"), limit=50))
    assert {r.email for r in found} == {f"p{i}@example.it" for i in range(60) if i % 7 == 3}
    with services.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Lead).where(Lead.city == "Roma")) == 60
        assert s.scalar(select(func.count()).select_from(Lead).where(Lead.company == "Vecchia")) == 0


@pytest.mark.usefixtures("small_big_import")
def test_cancel_while_the_indexes_are_built_leaves_the_database_as_it_was(
    sqlite_db: Any, clock: FixedClock, tmp_path: Path
) -> None:
    services = in_chunks_of_8(build_services(sqlite_db, clock))
    before = leads_indexes(services)
    phases: list[str] = []
    with pytest.raises(ImportCancelled):
        services.imports.import_file(
            big_list(tmp_path, 40),
            ImportSettings(campaign="Fiera"),
            progress=lambda phase, _done, _total: phases.append(phase),
            should_cancel=lambda: "indexing" in phases,
        )
    assert "indexing" in phases
    assert leads_indexes(services) == before
    assert leads(services) == [] and services.imports.batches() == []


@pytest.mark.usefixtures("small_big_import")
def test_indexes_stay_when_the_file_brings_few_new_leads_or_it_is_a_dry_run(
    services: Services, tmp_path: Path
) -> None:
    in_chunks_of_8(services)
    before = leads_indexes(services)
    phases: list[str] = []

    def progress(phase: str, _done: int, _total: int) -> None:
        phases.append(phase)

    services.imports.import_file(big_list(tmp_path, 40, "a"), ImportSettings(dry_run=True), progress=progress)
    assert "indexing" not in phases and leads(services) == []  # (set aside, and back with the rollback)
    services.imports.import_file(big_list(tmp_path, 40, "b"), ImportSettings(), progress=progress)
    for again in (
        big_list(tmp_path, 40, "b"),  # the same people again: no new leads
        big_list(tmp_path, 15, "c"),  # fewer than 20 new leads
        big_list(tmp_path, 60, "d"),  # not twice the 55 stored
    ):
        phases.clear()
        services.imports.import_file(again, ImportSettings(), progress=progress)
        assert "importing" in phases and "indexing" not in phases
    assert len(leads(services)) == 40 + 15 + 60
    assert leads_indexes(services) == before
