"""A bulk write's commit on SQLite leaves the WAL checkpoint to a background job (`storage.wal_checkpoints`).

The database file grows when a checkpoint copies the log's pages into it, so its size tells whether the
commit checkpointed. The jobs are collected instead of started, to look between the commit and the
checkpoint.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from leaddesk.app import build_services
from leaddesk.domain.clock import FixedClock
from leaddesk.services.importing.import_service import ImportSettings
from tests.import_files.builders import write_xlsx

#: About 6 MB of pages: more than the 1,000 pages (4 MB) after which a commit checkpoints by itself.
ROWS = 6_000


def _fill(db: Any, *, bulk: bool) -> None:
    with db.writing(bulk=bulk) as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS ballast (id INTEGER PRIMARY KEY, data BLOB)"))
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
                "INSERT INTO ballast (data) SELECT randomblob(1000) FROM n"
            ),
            {"rows": ROWS},
        )


def _autocheckpoint(db: Any) -> int:
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        return int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


@pytest.fixture
def jobs(sqlite_db: Any) -> list[Callable[[], None]]:
    collected: list[Callable[[], None]] = []
    sqlite_db.run_in_background = collected.append
    return collected


def test_a_bulk_commit_leaves_the_checkpoint_to_the_background(
    sqlite_db: Any, jobs: list[Callable[[], None]]
) -> None:
    path = Path(sqlite_db.sqlite_path)
    before = os.path.getsize(path)
    _fill(sqlite_db, bulk=True)
    assert len(jobs) == 1
    committed = os.path.getsize(path)
    assert committed - before < 1_000_000  # the pages are in the log only
    with sqlite_db.reading() as s:  # and every reader sees them
        assert s.execute(text("SELECT count(*) FROM ballast")).scalar_one() == ROWS
    assert _autocheckpoint(sqlite_db) == 1000  # the connection went back to the pool as it was

    jobs.pop()()
    assert os.path.getsize(path) - before > ROWS * 1000


def test_an_ordinary_commit_still_checkpoints_by_itself(
    sqlite_db: Any, jobs: list[Callable[[], None]]
) -> None:
    path = Path(sqlite_db.sqlite_path)
    before = os.path.getsize(path)
    _fill(sqlite_db, bulk=False)
    assert jobs == []
    assert os.path.getsize(path) - before > ROWS * 1000


def test_a_rolled_back_bulk_write_restores_the_setting(
    sqlite_db: Any, jobs: list[Callable[[], None]]
) -> None:
    with pytest.raises(RuntimeError), sqlite_db.writing(bulk=True) as s:
        s.execute(text("SELECT 1"))
        raise RuntimeError("midway")
    assert _autocheckpoint(sqlite_db) == 1000
    for job in jobs:
        job()  # harmless: nothing new in the log


def test_an_import_commits_without_waiting_for_the_checkpoint(
    sqlite_db: Any, jobs: list[Callable[[], None]], clock: FixedClock, tmp_path: Path
) -> None:
    services = build_services(sqlite_db, clock)
    rows = [["Nome", "Email"], *([f"Persona {i}", f"persona{i}@example.it"] for i in range(50))]
    result = services.imports.import_file(write_xlsx(tmp_path / "list.xlsx", rows), ImportSettings())
    assert result.created == 50
    assert len(jobs) == 1
    jobs.pop()()
    services.imports.undo(result.batch_id)  # an undo is a bulk write too
    assert len(jobs) == 1


def test_dispose_waits_for_every_background_checkpoint(tmp_path: Path) -> None:
    from leaddesk.models.database import open_database

    db = open_database(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    finished: list[int] = []
    start = db.run_in_background
    pauses = [0.6, 0.1]  # the first one started ends last

    def slow(job: Callable[[], None]) -> None:
        pause = pauses.pop(0)

        def run() -> None:
            time.sleep(pause)
            job()
            finished.append(1)

        start(run)

    db.run_in_background = slow
    _fill(db, bulk=True)
    _fill(db, bulk=True)  # a second one while the first still runs
    db.dispose()
    assert finished == [1, 1]


def test_a_checkpoint_that_cannot_start_leaves_the_write_committed(
    sqlite_db: Any, jobs: list[Callable[[], None]]
) -> None:
    def refuse(_job: Callable[[], None]) -> None:
        raise RuntimeError("can't start new thread")

    sqlite_db.run_in_background = refuse
    _fill(sqlite_db, bulk=True)  # no error: the write is committed, its checkpoint comes later
    with sqlite_db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM ballast")).scalar_one() == ROWS
    assert sqlite_db.engine.pool.checkedout() == 0
    assert _autocheckpoint(sqlite_db) == 1000


def test_an_in_memory_database_is_not_deferred() -> None:
    from leaddesk.models.database import Database, create_database_engine

    db = Database(create_database_engine("sqlite://"))
    collected: list[Callable[[], None]] = []
    db.run_in_background = collected.append
    _fill(db, bulk=True)
    assert collected == []
    db.dispose()
