"""From a raw table to prepared rows: normalised values, custom fields, history, rejections by row number."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from leaddesk.domain.enums import Stage
from leaddesk.domain.errors import ValidationError
from leaddesk.domain.records import LeadDraft
from leaddesk.services.importing import (
    DEFAULT_LIMITS,
    Cancelled,
    PreparedBatch,
    PrepareOptions,
    iter_prepared,
    prepare_rows,
    propose_mapping,
    read_table,
)
from leaddesk.services.importing.prepared_rows import _tasks
from leaddesk.services.processes import WORKER_NICENESS, process_context, start_helper
from tests.import_files.builders import write_xlsx

UTC = dt.UTC

HEADERS = [
    "Nome", "Cognome", "Indirizzo email", "Cellulare", "Ragione sociale", "Provincia", "Nazione",
    "Fonte", "Campagna", "Data consegna a sales", "Data primo contatto", "Esito", "Motivo perdita",
    "Commerciale", "Codice cliente", "Dipendenti",
]  # fmt: skip


def prepare(path: Path, options: PrepareOptions | None = None, **kwargs: object) -> PreparedBatch:
    with read_table(path) as table:
        return prepare_rows(table, propose_mapping(table.headers), options, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def lead_list(tmp_path: Path) -> Path:
    e = None  # an empty cell
    return write_xlsx(
        tmp_path / "campagna.xlsx",
        [
            ["Contatti fiera SMAU 2024"],
            [],
            HEADERS,
            # row 4: a full row with history
            ["  Anna ", "Verdi", "Anna.Verdi@Example.IT", "333 123 4567", "Acme S.p.A.", "MI", "Italia",
             "Fiera", "SMAU 2024", dt.datetime(2024, 3, 15, 10, 30), "16/03/2024 09:00", "Vinto", e,
             "Marco Neri", "00123", 250],
            # row 5: bad phone but a valid email -> accepted, with the phone error
            ["Luca", "Neri", "luca@example.it", "n/d", e, e, "Germany", e, e, e, e, e, e, e, "+39 000",
             "51-200"],
            # row 6: only a bad email -> rejected (its reason and the email error)
            [e, e, "luca@", e, e, e, e, e, e, e, e, e, e, e, e, e],
            # row 7: a name with a company is enough
            ["Paola", "Bianchi", e, e, "Beta Srl", e, "Atlantide", e, e, e, e, "Perso", "Prezzo", e, 7.0, e],
            # row 8: a phone alone is enough; serial dates in a date column
            [e, e, e, "0039 02 1234567", e, e, e, e, e, 45366.4375, e, e, e, e, e, e],
            # row 9: a name without company, email or phone -> rejected
            ["Solo", "Nome", e, e, e, e, e, e, e, e, e, e, e, e, e, e],
        ],
    )  # fmt: skip


def test_rows_are_normalised(lead_list: Path) -> None:
    batch = prepare(lead_list)
    assert batch.total == 6
    by_row = {r.row_number: r for r in batch.rows}
    assert sorted(by_row) == [4, 5, 7, 8]
    anna = by_row[4]
    assert anna.profile == {
        "first_name": "Anna",
        "last_name": "Verdi",
        "email": "anna.verdi@example.it",
        "phone": "+393331234567",
        "company": "Acme S.p.A.",
        "province": "MI",
        "country": "IT",
        "source": "Fiera",
        "company_size": 250,
    }
    assert anna.history == {
        "campaign": "SMAU 2024",
        "handed_off_at": dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC),
        "first_contact_at": dt.datetime(2024, 3, 16, 8, 0, tzinfo=UTC),
        "outcome": "Vinto",
        "sales_owner": "Marco Neri",
    }
    assert anna.custom == {"Codice cliente": "00123"}
    assert anna.errors == ()
    # 'Esito: Vinto' without a closed date: won.
    assert anna.inferred_stage is Stage.WON


def test_cell_problems_do_not_stop_a_row_that_has_an_identity(lead_list: Path) -> None:
    batch = prepare(lead_list)
    luca = next(r for r in batch.rows if r.row_number == 5)
    assert "phone" not in luca.profile
    assert [(e.row, e.column) for e in luca.errors] == [(5, "Cellulare")]
    assert "not a phone number" in luca.errors[0].message
    assert luca.profile["country"] == "DE"
    assert luca.profile["company_size"] == 51
    assert luca.custom == {"Codice cliente": "+39 000"}  # numbers stored as text stay text


def test_rejected_rows_carry_row_number_column_and_reason(lead_list: Path) -> None:
    batch = prepare(lead_list)
    assert [r.row_number for r in batch.rejected] == [6, 9]
    bad_email = batch.rejected[0]
    assert bad_email.errors[0].column == "Indirizzo email"
    assert "not a valid email" in bad_email.errors[0].message
    reason = bad_email.errors[-1]
    assert reason.row == 6
    assert "needs an email, a phone, or a name with a company" in reason.message
    assert "Indirizzo email" in reason.column
    assert bad_email.values == {"Indirizzo email": "luca@"}
    assert [e.row for e in batch.errors] == [5, 6, 6, 9]


def test_name_and_company_and_phone_alone(lead_list: Path) -> None:
    batch = prepare(lead_list)
    by_row = {r.row_number: r for r in batch.rows}
    paola = by_row[7]
    assert paola.profile["country"] == "Atlantide"  # not a country we know: kept as typed
    assert paola.custom == {"Codice cliente": "7"}  # a whole number read as 7.0 renders as '7'
    assert paola.history["lost_reason"] == "Prezzo"
    assert paola.inferred_stage is Stage.LOST
    only_phone = by_row[8]
    assert only_phone.profile == {"phone": "+39021234567"}
    assert only_phone.history["handed_off_at"] == dt.datetime(2024, 3, 15, 9, 30, tzinfo=UTC)
    assert only_phone.inferred_stage is Stage.HANDED_OFF


def test_draft_for_the_writer(lead_list: Path) -> None:
    batch = prepare(lead_list)
    draft = batch.rows[0].draft(campaign_id=3)
    assert isinstance(draft, LeadDraft)
    assert (draft.email, draft.company_size, draft.campaign_id) == ("anna.verdi@example.it", 250, 3)
    assert draft.custom_fields == {"Codice cliente": "00123"}


def test_stage_inference_from_the_latest_history_date(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "history.xlsx",
        [
            ["Email", "Stage", "MQL at", "Accepted at", "Data primo contatto", "Data chiusura", "Esito",
             "Motivo perdita"],
            ["a@x.it", None, "2024-01-01", "2024-01-05", None, None, None, None],
            ["b@x.it", None, "2024-01-01", "2024-01-05", "2024-01-06", None, None, None],
            ["c@x.it", None, "2024-01-01", None, None, "2024-02-01", "Closed Won", None],
            ["d@x.it", None, None, None, None, "2024-02-01", None, "Budget"],
            ["e@x.it", "Opportunità", "2024-01-01", None, None, None, None, None],
            ["f@x.it", None, None, None, None, None, None, None],
            ["g@x.it", None, "2024-01-01", None, None, "2024-02-01", None, None],
            ["h@x.it", "boh", None, None, None, None, None, None],
        ],
    )  # fmt: skip
    batch = prepare(path)
    stages = [r.inferred_stage for r in batch.rows]
    assert stages == [
        Stage.ACCEPTED, Stage.CONTACTED, Stage.WON, Stage.LOST,
        Stage.OPPORTUNITY, Stage.NEW, Stage.MQL, Stage.NEW,
    ]  # fmt: skip
    closed_without_outcome = batch.rows[6]
    assert closed_without_outcome.errors and "closed date" in closed_without_outcome.errors[0].message.lower()
    unknown = batch.rows[7]
    assert unknown.errors[0].column == "Stage" and "not a stage" in unknown.errors[0].message
    assert batch.rows[4].history["stage"] is Stage.OPPORTUNITY


def test_naive_dates_use_the_team_zone_and_1904_serials(tmp_path: Path) -> None:
    rows = [
        ["Email", "Data creazione"],
        ["a@x.it", dt.datetime(2024, 7, 1, 12, 0)],
        ["b@x.it", 45366.5 - 1462],
    ]
    path = write_xlsx(tmp_path / "mac.xlsx", rows, date_1904=True)
    batch = prepare(path, PrepareOptions(time_zone="America/New_York"))
    assert batch.rows[0].history["created_at"] == dt.datetime(2024, 7, 1, 16, 0, tzinfo=UTC)
    assert batch.rows[1].history["created_at"] == dt.datetime(2024, 3, 15, 16, 0, tzinfo=UTC)


def test_full_name_column_is_split_and_ignored_columns_dropped(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "n.xlsx",
        [["Nominativo", "Azienda", "Interno", "Valore"], ["Rossi, Mario", "Acme", "x", "€ 1.500,50"]],
    )
    with read_table(path) as table:
        mapping = propose_mapping(table.headers).with_target("Interno", "ignore")
        batch = prepare_rows(table, mapping)
    row = batch.rows[0]
    assert (row.profile["first_name"], row.profile["last_name"]) == ("Mario", "Rossi")
    assert row.custom == {}
    assert row.history["value"] == Decimal("1500.50")


@pytest.mark.parametrize("chunk_rows", [DEFAULT_LIMITS.chunk_rows, 100])
def test_parallel_preparation_gives_the_same_rows_with_progress(tmp_path: Path, chunk_rows: int) -> None:
    rows = [["Email", "Telefono", "Nome", "Azienda", "Data creazione"]]
    for i in range(3000):
        phone = "n/d" if i % 7 == 0 else f"333 {1000000 + i}"
        email = "" if i % 5 == 0 else f"user{i}@example.it"
        rows.append([email, phone, f"Nome{i}", "" if i % 3 else "Acme", f"{1 + i % 28:02d}/03/2024"])
    path = tmp_path / "many.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    with read_table(path, limits=dataclasses.replace(DEFAULT_LIMITS, chunk_rows=chunk_rows)) as table:
        mapping = propose_mapping(table.headers)
        serial = prepare_rows(table, mapping, PrepareOptions(workers=1))
        seen: list[tuple[int, int]] = []
        parallel = prepare_rows(
            table,
            mapping,
            PrepareOptions(workers=2, parallel_threshold=100),
            progress=lambda done, total: seen.append((done, total)),
        )
    assert parallel.rows == serial.rows
    assert parallel.rejected == serial.rejected
    assert serial.total == 3000
    assert len(serial.rejected) > 0 and len(serial.rows) > 0
    assert seen[-1] == (3000, 3000)
    assert [r.row_number for r in parallel.rows] == sorted(r.row_number for r in parallel.rows)


def test_the_first_tasks_are_one_chunk_each_and_every_chunk_is_taken_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("Email\n" + "".join(f"u{i}@example.it\n" for i in range(3000)), encoding="utf-8")
    with read_table(path, limits=dataclasses.replace(DEFAULT_LIMITS, chunk_rows=100)) as table:
        chunks = len(table.store.chunks)
        tasks = _tasks(table, 2)
    assert chunks == 31  # 3,001 rows: the header is stored too
    # The writer waits for the first task: one chunk each for the first two workers, then pairs.
    assert tasks[:2] == [(0,), (1,)]
    assert all(len(t) == 2 for t in tasks[2:-1])
    assert [i for t in tasks for i in t] == list(range(chunks))


def test_cancel_and_streaming(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Email\n" + "".join(f"u{i}@example.it\n" for i in range(9000)), encoding="utf-8")
    with read_table(path) as table:
        mapping = propose_mapping(table.headers)
        with pytest.raises(Cancelled):
            prepare_rows(table, mapping, should_cancel=lambda: True)
        with pytest.raises(Cancelled):
            prepare_rows(
                table, mapping, PrepareOptions(workers=2, parallel_threshold=10), should_cancel=lambda: True
            )
        chunks = list(iter_prepared(table, mapping))
    assert len(chunks) > 1
    assert sum(len(c.rows) for c in chunks) == 9000
    assert chunks[0].rows[0].row_number == 2


def test_options_are_checked() -> None:
    with pytest.raises(ValidationError):
        PrepareOptions(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError):
        PrepareOptions(default_region="XX")


def test_mapping_must_match_the_table(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [["Email"], ["a@b.it"]])
    with read_table(path) as table, pytest.raises(ValidationError):
        prepare_rows(table, propose_mapping(["Email", "Telefono"]))


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities here")
def test_preparation_workers_run_below_the_apps_priority() -> None:
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=process_context(), initializer=start_helper, initargs=(os.getpid(),)
    ) as pool:
        worker_niceness = pool.submit(os.nice, 0).result()
    assert worker_niceness == min(19, os.nice(0) + WORKER_NICENESS)
