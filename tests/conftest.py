"""Shared fixtures: real SQLite files, a throwaway PostgreSQL cluster, an injected clock.

The suite never touches the user's real data folder (LEADDESK_DATA_DIR points into a temp folder) and runs
Qt offscreen. When LEADDESK_REQUIRE_POSTGRES=1 (CI), a missing PostgreSQL or a run in which the PostgreSQL
tests did not pass makes the run fail instead of silently skipping them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LEADDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="leaddesk-test-data-")
os.environ.pop("LEADDESK_DATABASE_URL", None)

import pytest

from leaddesk.domain.clock import FixedClock
from tests.pg_cluster import PostgresCluster, find_pg_bin

atexit.register(shutil.rmtree, os.environ["LEADDESK_DATA_DIR"], ignore_errors=True)
REQUIRE_POSTGRES = os.environ.get("LEADDESK_REQUIRE_POSTGRES") == "1"
_pg_passed = 0


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " but LEADDESK_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(message)
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def clock() -> FixedClock:
    # A Tuesday morning in Rome (09:00 CET), far from DST changes.
    return FixedClock(datetime(2026, 2, 10, 8, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a new SQLite file, or a new database on the throwaway cluster."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "leaddesk.sqlite3")
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "leaddesk.sqlite3")


@pytest.fixture
def db(db_url: str):  # type: ignore[no-untyped-def]
    """An open, migrated LeadDesk database on SQLite and on PostgreSQL."""
    from leaddesk.models.database import open_database

    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str):  # type: ignore[no-untyped-def]
    from leaddesk.models.database import open_database

    database = open_database(sqlite_url)
    yield database
    database.dispose()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _pg_passed
    if report.when == "call" and report.passed and "postgres" in report.keywords:
        _pg_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not REQUIRE_POSTGRES or session.config.option.collectonly:
        return
    if _pg_passed == 0 and session.testscollected > 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "LEADDESK_REQUIRE_POSTGRES=1 but no PostgreSQL test passed: failing the run.", red=True
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
