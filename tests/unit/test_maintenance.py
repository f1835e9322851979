"""Backups, restore, checks, the daily chores and data retention, through the services on real databases."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leaddesk.app import build_services, open_services
from leaddesk.domain.clock import FixedClock
from leaddesk.domain.enums import ActivityKind, EventKind, Outcome, Role
from leaddesk.domain.errors import UserError, ValidationError
from leaddesk.domain.records import LeadDraft
from leaddesk.models.database import Database
from leaddesk.services.maintenance_service import RestoreNotPossibleError, check_file
from leaddesk.services.privacy_service import ERASED
from leaddesk.services.retention_service import months_before
from leaddesk.storage.backup import BackupReason, list_backups
from leaddesk.storage.pg_backup import PgBackupError
from tests.unit.test_opening_support import fill, garble, lead_emails, make_db, sha256

NOW = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)


# --- backups -----------------------------------------------------------------------------------------


def test_backup_now_is_a_checked_copy_and_the_app_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    services = open_services(str(path))
    try:
        fill(services, 12)
        made = services.maintenance.backup_now()
        assert made.parent == tmp_path / "backups"
        assert lead_emails(made) == lead_emails(path)
        assert check_file(made).ok
        entries = services.maintenance.list_backups()
        assert [(e.path, e.reason) for e in entries] == [(made, "manual")]
        fill(services, 1, prefix="after")  # still writable
    finally:
        services.close()


def test_backup_before_an_import_is_the_restore_point_the_importer_needs(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    services = open_services(str(path))
    try:
        fill(services, 5)
        point = services.maintenance.backup_before("pre-import")
        assert point is not None and "-pre-import" in point.name
        undo_point = services.maintenance.backup_before(BackupReason.PRE_UNDO)
        assert undo_point is not None and "-pre-undo" in undo_point.name
        with pytest.raises(ValueError):
            services.maintenance.backup_before("whenever")
        fill(services, 3, prefix="imported")
        assert lead_emails(point) == {f"lead{i}@example.it" for i in range(5)}
    finally:
        services.close()


@pytest.mark.postgres
def test_on_postgresql_backup_before_is_a_no_op_and_backup_now_uses_pg_dump(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    services = build_services(db)
    fill(services, 3)
    assert services.maintenance.backup_before("pre-import") is None
    dump = services.maintenance.backup_now(out_dir=tmp_path / "dumps")
    assert dump.suffix == ".dump" and dump.stat().st_size > 0
    assert dump.read_bytes().startswith(b"PGDMP")

    import leaddesk.storage.pg_backup as pg_backup

    monkeypatch.setattr(pg_backup, "pg_dump_available", lambda: None)
    with pytest.raises(PgBackupError, match="pg_dump was not found"):
        services.maintenance.backup_now(out_dir=tmp_path / "dumps")
    with pytest.raises(RestoreNotPossibleError, match="pg_restore"):
        services.maintenance.restore(dump)


# --- restore -----------------------------------------------------------------------------------------


def test_restore_in_the_running_app_keeps_the_current_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    services = open_services(str(path))
    try:
        fill(services, 4)
        point = services.maintenance.backup_now()
        fill(services, 2, prefix="later")
        before = lead_emails(path)
        report = services.maintenance.restore(point)
        assert report.restored_from == point and not report.was_damaged
        assert report.kept_aside is not None and report.kept_aside.name.startswith(
            "leads.sqlite3.before-restore-"
        )
        assert lead_emails(report.kept_aside) == before  # nothing deleted
        # The same services see the restored data and can write again.
        assert services.leads.detail(1).profile.email == "lead0@example.it"
        assert lead_emails(path) == {f"lead{i}@example.it" for i in range(4)}
        fill(services, 1, prefix="again")
        assert "again0@example.it" in lead_emails(path)
    finally:
        services.close()


def test_restore_refuses_foreign_damaged_and_newer_files_and_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    services = open_services(str(path))
    try:
        fill(services, 3)
        services.db.dispose()
        original = lead_emails(path)

        foreign = tmp_path / "other.sqlite3"
        conn = sqlite3.connect(foreign)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
        with pytest.raises(RestoreNotPossibleError, match="not a LeadDesk backup"):
            services.maintenance.restore(foreign)

        newer = services.maintenance.backup_now()
        conn = sqlite3.connect(newer)
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
        conn.close()
        with pytest.raises(RestoreNotPossibleError, match="newer LeadDesk"):
            services.maintenance.restore(newer)

        broken = services.maintenance.backup_now()
        garble(broken)
        with pytest.raises(UserError):
            services.maintenance.restore(broken)
        assert lead_emails(path) == original
        assert not list(tmp_path.glob("leads.sqlite3.before-restore-*"))
    finally:
        services.close()


# --- checks ------------------------------------------------------------------------------------------


def test_check_reports_health_settings_and_damage_with_the_newest_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    services = open_services(str(path))
    try:
        fill(services, 10)
        report = services.maintenance.check()
        assert report.ok and report.kind == "full" and not report.damaged
        assert report.settings["journal_mode"] == "wal"
        assert report.settings["synchronous"] == 2
        good = services.maintenance.backup_now()
    finally:
        services.close()
    garble(path)
    damaged = check_file(path)
    assert damaged.damaged and not damaged.ok
    assert damaged.newest_good_backup == good


# --- the daily chores and the backup retention setting -----------------------------------------------


def test_daily_backup_once_a_day_and_retention_follows_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    clock = FixedClock(NOW)
    make_db(path, 3, clock=clock)
    services = open_services(str(path), clock)
    try:
        maintenance = services.maintenance
        assert maintenance.backup_retention().keep_daily == 7
        with pytest.raises(ValidationError):
            maintenance.set_backup_retention(0, 4)
        maintenance.set_backup_retention(2, 1)
        assert (maintenance.backup_retention().keep_daily, maintenance.backup_retention().keep_weekly) == (
            2,
            1,
        )

        first = maintenance.run_daily()
        assert first.backup is not None
        assert maintenance.run_daily().backup is None  # once per day
        made = [first.backup]
        for day in range(1, 10):
            clock.set(NOW + timedelta(days=day))
            report = maintenance.run_daily()
            assert report.backup is not None
            made.append(report.backup)
        kept = {i.path for i in list_backups(tmp_path / "backups")}
        # Two days (today and yesterday) and the newest of this ISO week and the last one: by the rule.
        assert made[-1] in kept and made[-2] in kept
        assert made[0] not in kept
        assert len(kept) <= 4
    finally:
        services.close()


# --- data retention ----------------------------------------------------------------------------------


def _lead(services: object, email: str, *, at: datetime) -> int:
    return services.lifecycle.create_lead(  # type: ignore[attr-defined,no-any-return]
        LeadDraft(first_name="Anna", last_name="Segreta", email=email, company="Acme", notes="Chiamare Anna"),
        at=at,
    )


def test_inactive_leads_lose_their_personal_data_and_active_ones_keep_it(db: Database) -> None:
    long_ago = NOW - timedelta(days=800)
    clock = FixedClock(long_ago)
    services = build_services(db, clock)
    member = services.team.add_member("Marco Vendite", Role.SALES)
    dormant = _lead(services, "dormant@example.it", at=long_ago)
    services.lifecycle.update_lead(
        dormant, {"phone": "+39 333 1234567"}, expected_version=services.leads.detail(dormant).version
    )
    services.lifecycle.log_activity(
        dormant, kind=ActivityKind.CALL, outcome=Outcome.NO_ANSWER, actor_id=member.id, note="Anna assente"
    )
    recent_touch = _lead(services, "touched@example.it", at=long_ago)
    fresh = _lead(services, "fresh@example.it", at=long_ago)
    clock.set(NOW - timedelta(days=30))
    services.lifecycle.add_touch(recent_touch, None, content="Webinar")
    services.lifecycle.update_lead(
        fresh, {"city": "Milano"}, expected_version=services.leads.detail(fresh).version
    )
    clock.set(NOW)

    retention = services.maintenance.retention
    assert retention.settings().months == 0
    assert retention.run_if_due() is None  # off by default
    assert retention.count_inactive(12) == 1
    with pytest.raises(ValidationError):
        retention.set_months(-1)
    retention.set_months(12)
    assert services.maintenance.run_daily().anonymised == 1
    assert retention.run_if_due() is None  # once per day

    gone = services.leads.detail(dormant)
    assert gone.erased_at == NOW
    assert gone.profile.email is None and gone.profile.first_name is None and gone.profile.notes is None
    assert gone.profile.company == "Acme"  # the firm stays, the figures still add up
    events = services.leads.events(dormant)
    assert events[-1].kind is EventKind.ERASED and events[-1].reason == "retention"
    text = repr([e.details for e in events])
    assert "333 1234567" not in text and "Anna assente" not in text
    assert ERASED in text
    assert all(a.note is None for a in services.leads.activities(dormant))
    for kept in (recent_touch, fresh):
        assert services.leads.detail(kept).profile.email is not None

    clock.set(NOW + timedelta(days=1))
    assert retention.run_if_due() == 0  # the next day it runs again, nothing left to do


def test_months_before_clamps_to_the_end_of_short_months() -> None:
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)


def test_retention_leaves_no_copy_of_the_values_in_the_file_pages(tmp_path: Path) -> None:
    """secure_delete is on while anonymising: the old values are not left in free pages of the file."""
    path = tmp_path / "leads.sqlite3"
    clock = FixedClock(NOW - timedelta(days=800))
    services = open_services(str(path), clock)
    try:
        _lead(services, "unico.indirizzo.segreto@example.it", at=clock())
        clock.set(NOW)
        services.maintenance.retention.set_months(12)
        assert services.maintenance.retention.anonymise_inactive() == 1
        with services.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        services.close()
    assert b"unico.indirizzo.segreto" not in path.read_bytes()
    assert sha256(path)
