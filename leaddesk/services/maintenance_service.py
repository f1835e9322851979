"""Keeping the data safe while LeadDesk runs: backups, restore, checks and the daily chores.

Qt-free; the CLI and the GUI call the same methods. On a SQLite file:

- `backup_now` writes a backup with SQLite's online backup API into the ``backups`` folder beside the
  file (the app keeps running and writing meanwhile), checked before it gets its final name;
- `backup_before("pre-import")` / `backup_before("pre-undo")` is what a bulk import and its undo call
  first (outside their transaction): a restore point for exactly that operation;
- `restore` puts a backup in place of the file; the current file is kept aside, never deleted (a damaged
  one as ``<name>.damaged``, a healthy one as ``<name>.before-restore-<stamp>``), and a backup from an
  older release is upgraded right away;
- `check` runs the full integrity check (or the quick one) and reports the connection settings;
- `run_daily` takes the day's backup, applies the retention rule and runs the data retention.

On PostgreSQL, `backup_now` runs ``pg_dump`` (and says what to install when it is missing); restoring
a server database is the administrator's job with ``pg_restore``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from leaddesk.domain.clock import Clock, system_clock
from leaddesk.domain.errors import DatabaseError, NotFoundError, UserError, ValidationError
from leaddesk.models.database import Database, open_database
from leaddesk.models.migrations import HEAD, known_revisions
from leaddesk.services.settings_service import read_setting, write_setting
from leaddesk.storage.backup import (
    BackupError,
    BackupReason,
    backup_now,
    daily_backup_due,
    list_backups,
    prune,
    restore,
)
from leaddesk.storage.file_permissions import ensure_private_database
from leaddesk.storage.integrity import (
    IntegrityResult,
    IntegrityStatus,
    full_check,
    newest_good_backup,
    quick_check,
    set_aside_damaged,
)

if TYPE_CHECKING:
    from leaddesk.services.retention_service import RetentionService

BACKUP_RETENTION_KEY = "backup_retention"
DEFAULT_KEEP_DAILY = 7
DEFAULT_KEEP_WEEKLY = 4
#: Manual, pre-import, pre-undo, pre-migration and pre-restore backups: the newest this many of each.
KEEP_PER_KIND = 10
MAX_KEEP = 365


class ReadOnlyError(UserError):
    """A change was attempted in a window that opened the database read-only."""


class RestoreNotPossibleError(UserError):
    """The chosen file cannot be restored (not a LeadDesk backup, from a newer release, a server)."""


def backups_dir_for(db_path: Path) -> Path:
    """Backups live beside the database, in a ``backups`` folder."""
    return Path(db_path).parent / "backups"


def sqlite_url_for(db_path: Path) -> str:
    return "sqlite:///" + str(Path(db_path))


@dataclass(frozen=True, slots=True)
class BackupRetention:
    keep_daily: int = DEFAULT_KEEP_DAILY
    keep_weekly: int = DEFAULT_KEEP_WEEKLY


@dataclass(frozen=True, slots=True)
class BackupEntry:
    path: Path
    taken_at: datetime
    reason: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `check` found; `damaged` means restore a backup (see `newest_good_backup`)."""

    ok: bool
    damaged: bool
    status: str
    kind: str
    message: str
    location: str
    problems: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    settings: dict[str, int | str] = field(default_factory=dict)
    newest_good_backup: Path | None = None


@dataclass(frozen=True, slots=True)
class RestoreReport:
    restored_from: Path
    #: Where the file that was replaced now is (``.before-restore-…`` or ``.damaged``), if there was one.
    kept_aside: Path | None
    #: True when the replaced file was damaged (kept aside as ``.damaged``).
    was_damaged: bool
    #: The backup came from an older release and was upgraded to this one's schema.
    migrated: bool


@dataclass(frozen=True, slots=True)
class DailyReport:
    backup: Path | None
    pruned: tuple[Path, ...]
    anonymised: int | None


# --- file-level operations (also used before the app's database is open) -----------------------------


def _backup_revision(path: Path) -> str | None:
    """The schema revision of a SQLite backup, refusing files that are not LeadDesk's."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "leaddesk_meta" not in tables:
                raise RestoreNotPossibleError(f"{path.name} is not a LeadDesk backup; nothing was restored.")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RestoreNotPossibleError(f"{path.name} cannot be read ({exc}); nothing was restored.") from exc
    return str(row[0]) if row else None


def restore_file(db_path: Path, backup_path: Path, *, now: datetime | None = None) -> RestoreReport:
    """Put `backup_path` in place of the SQLite file `db_path` (call it holding the instance lock).

    The backup must pass the full check and be a LeadDesk database this release can open; the current
    file is kept aside (damaged: ``.damaged``; healthy: ``.before-restore-<stamp>``), never deleted.
    """
    db_path = Path(db_path)
    backup_path = Path(backup_path)
    if not backup_path.is_file():
        raise NotFoundError(f"There is no backup file at {backup_path}.")
    if backup_path.resolve() == db_path.resolve():
        raise RestoreNotPossibleError("That is the database itself, not a backup of it.")
    revision = _backup_revision(backup_path)
    if revision is None or revision not in known_revisions():
        raise RestoreNotPossibleError(
            f"{backup_path.name} was written by a newer LeadDesk (schema {revision}); update LeadDesk "
            "to restore it. Nothing was restored."
        )
    checked = full_check(backup_path, read_only=True)
    if checked.status not in (IntegrityStatus.OK, IntegrityStatus.FOREIGN_KEY_VIOLATIONS):
        raise BackupError(f"The backup {backup_path.name} cannot be restored: {checked.message}")

    kept: Path | None = None
    damaged = False
    if db_path.exists() and db_path.stat().st_size > 0 and quick_check(db_path).damaged:
        kept = set_aside_damaged(db_path)
        damaged = True
        restore(backup_path, db_path, keep_aside=False)
    else:
        kept = restore(backup_path, db_path, keep_aside=True, now=now)
    migrated = False
    if revision != HEAD:
        upgraded = open_database(
            sqlite_url_for(db_path),
            backup=lambda p: backup_now(p, backups_dir_for(p), BackupReason.PRE_MIGRATION),
        )
        upgraded.dispose()
        migrated = True
    ensure_private_database(db_path)
    return RestoreReport(backup_path, kept, damaged, migrated)


def backup_entries(backups_dir: Path, stem: str | None) -> list[BackupEntry]:
    return [
        BackupEntry(i.path, i.taken_at, i.reason.value, i.size_bytes)
        for i in list_backups(backups_dir, stem=stem)
    ]


def check_file(db_path: Path, *, full: bool = True) -> CheckReport:
    """Check a SQLite file without opening it in the app (works on a damaged file too)."""
    db_path = Path(db_path)
    result = full_check(db_path, read_only=True) if full else quick_check(db_path, read_only=True)
    good = None
    if result.damaged:
        good = newest_good_backup(backups_dir_for(db_path), db_path.stem)
    return _report(result, str(db_path), {}, good)


def _report(
    result: IntegrityResult, location: str, settings: dict[str, int | str], good: Path | None
) -> CheckReport:
    return CheckReport(
        ok=result.ok,
        damaged=result.damaged,
        status=result.status.value,
        kind=result.check.value,
        message=result.message,
        location=location,
        problems=result.problems,
        elapsed_s=result.elapsed_s,
        settings=settings,
        newest_good_backup=good,
    )


class MaintenanceService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        #: Where `backup_now` puts PostgreSQL dumps when not told (the composition root sets it).
        self.dump_dir: Path | None = None

    @cached_property
    def retention(self) -> RetentionService:
        """The data retention rule (its module, with the erasure's, loads on first use: not at start)."""
        from leaddesk.services.retention_service import RetentionService

        return RetentionService(self._db, self._clock)

    # --- where ----------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return bool(getattr(self._db, "read_only", False))

    @property
    def db_path(self) -> Path | None:
        return self._db.sqlite_path

    @property
    def backups_dir(self) -> Path | None:
        path = self._db.sqlite_path
        return backups_dir_for(path) if path is not None else self.dump_dir

    def _require_sqlite(self, what: str) -> Path:
        path = self._db.sqlite_path
        if path is None:
            raise RestoreNotPossibleError(
                f"{what} works on a SQLite file. A PostgreSQL team database is restored by its "
                "administrator with pg_restore (e.g. pg_restore --clean --dbname=… FILE.dump)."
            )
        return path

    # --- backups --------------------------------------------------------------------------------------

    def backup_now(
        self,
        reason: BackupReason | str = BackupReason.MANUAL,
        *,
        out_dir: Path | None = None,
        verify: bool = True,
    ) -> Path:
        """Back up now; returns the new file. SQLite: online backup API. PostgreSQL: pg_dump."""
        path = self._db.sqlite_path
        if path is None:
            from leaddesk.storage.pg_backup import backup_postgres

            target = out_dir or self.dump_dir
            if target is None:
                raise ValidationError("Choose a folder for the PostgreSQL backup.")
            return backup_postgres(self._db.url, target, reason=reason, now=self._clock())
        made = backup_now(path, out_dir or backups_dir_for(path), reason, now=self._clock(), verify=verify)
        if out_dir is None:
            self.prune()
        return made

    def backup_before(self, reason: BackupReason | str) -> Path | None:
        """A restore point before a bulk change: call it *before* opening the change's transaction.

        `reason` is ``"pre-import"`` or ``"pre-undo"`` (`BackupReason`). SQLite: returns the backup;
        it raises `BackupError` when no backup could be made (then do not run the import). PostgreSQL:
        returns None (the import's own transaction and undo data protect it; the server's backups are
        the administrator's).
        """
        reason = BackupReason(reason)
        if self._db.sqlite_path is None:
            return None
        return self.backup_now(reason, verify=False)

    def list_backups(self) -> list[BackupEntry]:
        directory = self.backups_dir
        if directory is None:
            return []
        path = self._db.sqlite_path
        return backup_entries(directory, path.stem if path is not None else None)

    def prune(self) -> list[Path]:
        path = self._db.sqlite_path
        if path is None:
            return []
        keep = self.backup_retention()
        return prune(
            backups_dir_for(path),
            keep.keep_daily,
            keep.keep_weekly,
            keep_per_kind=KEEP_PER_KIND,
            now=self._clock(),
        )

    def backup_retention(self) -> BackupRetention:
        with self._db.reading() as s:
            value = read_setting(s, BACKUP_RETENTION_KEY) or {}
        return _retention(value)

    def set_backup_retention(
        self, keep_daily: int, keep_weekly: int, *, actor_id: int | None = None
    ) -> BackupRetention:
        if not (1 <= keep_daily <= MAX_KEEP) or not (0 <= keep_weekly <= MAX_KEEP):
            raise ValidationError(
                f"Keep between 1 and {MAX_KEEP} daily backups and between 0 and {MAX_KEEP} weekly ones."
            )
        value = {"keep_daily": int(keep_daily), "keep_weekly": int(keep_weekly)}

        def work(s: Session) -> None:
            write_setting(s, BACKUP_RETENTION_KEY, value, self._clock, actor_id)

        self._db.write(work)
        return _retention(value)

    # --- restore --------------------------------------------------------------------------------------

    def restore(self, backup_path: Path) -> RestoreReport:
        """Replace the open SQLite database with a backup (the app holds the file's lock).

        The engine's idle connections are closed first; the services keep working on the restored data.
        """
        path = self._require_sqlite("Restoring a backup")
        if self.read_only:
            raise ReadOnlyError(
                "This window opened the database read-only; restore from the LeadDesk that has it open."
            )
        self._db.dispose()
        report = restore_file(path, Path(backup_path), now=self._clock())
        self._db.dispose()
        return report

    # --- checks ---------------------------------------------------------------------------------------

    def connection_settings(self) -> dict[str, int | str]:
        """The SQLite settings of the app's own connections (busy_timeout, WAL, synchronous…)."""
        if not self._db.is_sqlite:
            return {}
        from leaddesk.storage.sqlite_pragmas import read_pragmas

        with self._db.engine.connect() as conn:
            return read_pragmas(conn)

    def check(self, *, full: bool = True) -> CheckReport:
        """The full integrity check (or the quick one) of the open database."""
        path = self._db.sqlite_path
        if path is None:
            return self._check_server()
        report = check_file(path, full=full)
        settings = self.connection_settings() if not report.damaged else {}
        return CheckReport(
            ok=report.ok,
            damaged=report.damaged,
            status=report.status,
            kind=report.kind,
            message=report.message,
            location=report.location,
            problems=report.problems,
            elapsed_s=report.elapsed_s,
            settings=settings,
            newest_good_backup=report.newest_good_backup,
        )

    def _check_server(self) -> CheckReport:
        import time

        started = time.perf_counter()
        try:
            with self._db.reading() as s:
                revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
                leads = s.execute(text("SELECT count(*) FROM leads")).scalar()
        except Exception as exc:
            raise DatabaseError(f"The database {self._db.location} cannot be read: {exc}") from exc
        ok = revision == HEAD
        message = (
            f"{self._db.location} answers; schema {revision}, {leads} leads. Page-level checks of a "
            "PostgreSQL server are its administrator's (pg_amcheck)."
            if ok
            else f"{self._db.location} has schema {revision}, this LeadDesk expects {HEAD}."
        )
        return CheckReport(
            ok=ok,
            damaged=False,
            status="ok" if ok else "schema",
            kind="server",
            message=message,
            location=self._db.location,
            elapsed_s=time.perf_counter() - started,
        )

    # --- daily chores ---------------------------------------------------------------------------------

    def daily_backup_due(self, now: datetime | None = None) -> bool:
        path = self._db.sqlite_path
        if path is None or self.read_only:
            return False
        return daily_backup_due(backups_dir_for(path), now or self._clock(), stem=path.stem)

    def run_daily(self, now: datetime | None = None) -> DailyReport:
        """The day's backup (once per UTC day, SQLite) and with it the planner statistics, the retention
        rule, and the data retention."""
        if self.read_only:
            return DailyReport(None, (), None)
        when = now or self._clock()
        made: Path | None = None
        pruned: list[Path] = []
        path = self._db.sqlite_path
        if path is not None and daily_backup_due(backups_dir_for(path), when, stem=path.stem):
            # Not re-checked here: the file passed its check at start, and a backup is fully checked
            # before it is restored (a full check of a big copy every morning costs a minute of CPU).
            made = backup_now(path, backups_dir_for(path), BackupReason.DAILY, now=when)
        if path is not None:
            keep = self.backup_retention()
            pruned = prune(
                backups_dir_for(path),
                keep.keep_daily,
                keep.keep_weekly,
                keep_per_kind=KEEP_PER_KIND,
                now=when,
            )
        anonymised = self.retention.run_if_due(when)
        if made is not None:
            # Once a day (after the retention, which may delete rows), the planner statistics of every
            # table: they are otherwise refreshed only when a table grows, and tables also change
            # without growing. On the database's own thread, which closing the app stops.
            db = self._db
            db.run_in_background(lambda: db.refresh_statistics(every_table=True))
        return DailyReport(made, tuple(pruned), anonymised)


def _retention(value: dict[str, Any]) -> BackupRetention:
    def number(key: str, default: int, low: int) -> int:
        try:
            return max(low, min(MAX_KEEP, int(value.get(key, default))))
        except (TypeError, ValueError):
            return default

    return BackupRetention(
        number("keep_daily", DEFAULT_KEEP_DAILY, 1), number("keep_weekly", DEFAULT_KEEP_WEEKLY, 0)
    )
