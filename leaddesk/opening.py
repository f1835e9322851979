"""Everything that happens when LeadDesk opens its database, before any service runs (Qt-free).

`open_database_safely` is called by the composition root (`leaddesk.app.open_services`) for the CLI
and the GUI alike. On a SQLite file, in this order:

1. **Where**: a file on a network file system, a network share or inside a cloud-sync folder is risky;
   the risks become notices (warnings), pointing teams to the PostgreSQL mode.
2. **Lock**: the single-writer lock (`storage.instance_lock`). Another live LeadDesk → `AlreadyOpenError`
   (who, where, since; the GUI then offers to open read-only with `read_only=True`). A lock left by a
   crashed instance is cleared and reported as a notice.
3. **Integrity**: ``PRAGMA quick_check``, or the full ``integrity_check`` + ``foreign_key_check`` when the
   previous run did not shut down cleanly (its ``.running`` marker is still there). A damaged file is
   never opened: `DamagedDatabaseError` carries what is wrong and the newest backup that passes the full
   check; `recover_damaged` keeps the damaged file aside (``.damaged``) and restores that backup, or
   starts an empty database.
4. **Running marker** (``<db>.running``), removed again by `OpenedDatabase.close` on a clean exit.
5. **Open and migrate** (`models.database.open_database`): an existing file is backed up before a
   migration; a migration that fails leaves the file as it was (`MigrationFailedError` names the backup)
   and a schema that misses tables is refused (`IncompleteSchemaError`).
6. **Permissions**: the database and its -wal/-shm/lock/marker files 0600, a new folder 0700, and the
   data folder 0700.

On PostgreSQL: a URL without a password gets the one stored in the system keyring; a server that
refuses for a missing or wrong password raises `PasswordRequiredError` (the GUI asks for it).

The daily chores (backup, retention rules) are `MaintenanceService.run_daily`, run by the GUI in the
background once the window is up.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from leaddesk import config
from leaddesk.domain.errors import DatabaseError, NotLeadDeskDatabaseError, UserError
from leaddesk.models.database import Database, create_database_engine, describe_url, open_database
from leaddesk.models.migrations import HEAD, known_revisions
from leaddesk.services.maintenance_service import (
    ReadOnlyError,
    RestoreReport,
    backups_dir_for,
    restore_file,
)
from leaddesk.storage.backup import BackupReason, backup_now, list_backups
from leaddesk.storage.file_permissions import ensure_private_database, ensure_private_dir
from leaddesk.storage.instance_lock import InstanceLock, LockInfo, acquire, read_holder
from leaddesk.storage.integrity import (
    IntegrityResult,
    IntegrityStatus,
    check_header,
    full_check,
    mark_clean_shutdown,
    mark_running,
    newest_good_backup,
    open_check,
    quick_check,
    set_aside_damaged,
    was_unclean,
)
from leaddesk.storage.risky_location import assess

log = logging.getLogger(__name__)

#: How long a write waits for the deferred integrity check before giving up with a clear message.
VERIFY_WAIT_S = 300.0

T = TypeVar("T")


# --- what the caller is told -------------------------------------------------------------------------


class NoticeKind(StrEnum):
    RISKY_LOCATION = "risky_location"
    STALE_LOCK_CLEARED = "stale_lock_cleared"
    UNCLEAN_SHUTDOWN = "unclean_shutdown"
    BROKEN_REFERENCES = "broken_references"
    READ_ONLY = "read_only"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know about the database that does not stop it from opening."""

    kind: NoticeKind
    message: str
    #: For a risky location: what was found (file system, share, sync service).
    detail: str = ""


class DamagedDatabaseError(DatabaseError):
    """The file failed its integrity check and was not opened. It is left exactly as it was."""

    def __init__(
        self,
        db_path: Path,
        integrity: IntegrityResult,
        backup: Path | None,
        backups_dir: Path,
        *,
        recoverable: bool = True,
    ) -> None:
        if backup is not None:
            offer = (
                f'The newest good backup is {backup.name}; restore it with: leaddesk restore "{backup}" '
                "(the damaged file is kept aside, never deleted)."
            )
        else:
            offer = (
                f"No backup in {backups_dir} passes the check. Keep the file for a specialist, or move it "
                "aside and start again."
            )
        what = " ".join(integrity.message.split()).rstrip(".")
        super().__init__(f"{what}. LeadDesk did not open it. {offer}")
        self.db_path = db_path
        self.integrity = integrity
        self.backup = backup
        self.backups_dir = backups_dir
        #: False when another LeadDesk has the file open (read-only attempt): recover there.
        self.recoverable = recoverable


class MigrationFailedError(DatabaseError):
    """Upgrading the schema failed; the message says whether the file is unchanged and where the backup is."""

    def __init__(self, message: str, backup: Path | None) -> None:
        super().__init__(message)
        self.backup = backup


class IncompleteSchemaError(DatabaseError):
    """The database says it is at the current schema but tables are missing (a half-done migration)."""


class PasswordRequiredError(DatabaseError):
    """The PostgreSQL server wants a password that was not given (or refused the one given)."""

    def __init__(self, url: str, *, refused: bool, keyring_problem: str | None = None) -> None:
        where = describe_url(url)
        if refused:
            message = f"The server refused the password for {where}. Enter the right password."
        else:
            message = (
                f"The server {where} asks for a password. Store it in the system keyring with: "
                f'leaddesk db-login "{url}"'
            )
        if keyring_problem:
            message += f" ({keyring_problem})"
        super().__init__(message)
        #: The URL without any password (safe to show and to keep), and the place to show.
        self.url = url
        self.location = where
        self.refused = refused


# --- the open database -------------------------------------------------------------------------------


class ReadOnlyDatabase(Database):
    """A SQLite file opened read-only (another LeadDesk writes to it): every write is refused clearly."""

    read_only = True

    def __init__(self, engine: Engine, holder: LockInfo | None) -> None:
        super().__init__(engine)
        self.holder = holder

    def _refuse(self) -> NoReturn:
        who = f" ({self.holder.describe()})" if self.holder else ""
        raise ReadOnlyError(
            "This window is read-only: another LeadDesk has the database open" + who + ". Close it "
            "there and reopen LeadDesk here to make changes."
        )

    @contextmanager
    def writing(self) -> Iterator[Session]:
        self._refuse()
        yield  # pragma: no cover - unreachable, keeps this a generator

    def write(self, work: Any, *, retries: int = 3) -> Any:
        self._refuse()

    def refresh_statistics(self, *, every_table: bool = False) -> list[str]:
        return []  # the LeadDesk that writes the file keeps its statistics


@dataclass
class OpenedDatabase:
    """An open database and what the opening found; `close` at exit (marks a clean shutdown)."""

    db: Database
    #: The location to show (a path, or user@server/db without password).
    location: str
    path: Path | None = None
    read_only: bool = False
    created: bool = False
    integrity: IntegrityResult | None = None
    notices: list[Notice] = field(default_factory=list)
    migration_backup: Path | None = None
    lock: InstanceLock | None = None
    #: "quick" or "full": the integrity check still to run (`verify`), when the caller deferred it.
    pending_check: str | None = None
    _closed: bool = False
    _verified: threading.Event = field(default_factory=threading.Event)
    _failure: DamagedDatabaseError | None = None

    def __post_init__(self) -> None:
        if self.pending_check is None:
            self._verified.set()
        else:
            self.db.write_gate = self._wait_verified

    def verify(self) -> IntegrityResult | None:
        """Run the deferred integrity check (on a worker: it reads the whole file). Writes wait for it;
        if the file is damaged they are refused and `DamagedDatabaseError` is raised here."""
        if self.pending_check is None or self.path is None:
            return self.integrity
        try:
            result = full_check(self.path) if self.pending_check == "full" else quick_check(self.path)
            self.integrity = result
            try:
                _raise_if_unusable(self.path, result)
            except DamagedDatabaseError as exc:
                self._failure = exc
                raise
            if result.status is IntegrityStatus.FOREIGN_KEY_VIOLATIONS:
                self.notices.append(Notice(NoticeKind.BROKEN_REFERENCES, result.message))
            return result
        finally:
            self.pending_check = None
            self._verified.set()

    def _wait_verified(self) -> None:
        if not self._verified.wait(VERIFY_WAIT_S):
            raise DatabaseError("The database is still being checked; try again in a moment.")
        if self._failure is not None:
            raise self._failure

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    @property
    def risks(self) -> list[Notice]:
        return [n for n in self.notices if n.kind is NoticeKind.RISKY_LOCATION]

    def close(self) -> None:
        """Close the engine, remove the running marker and release the lock (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.db.close()
        if self.lock is not None and self.path is not None:
            with contextlib.suppress(OSError):
                mark_clean_shutdown(self.path)
            self.lock.release()


# --- opening -----------------------------------------------------------------------------------------


def open_database_safely(
    url: str,
    *,
    read_only: bool = False,
    password: str | None = None,
    force_lock: bool = False,
    mount_table: Path | None = None,
    defer_check: bool = False,
) -> OpenedDatabase:
    """Open the database at `url` with every guard of the module docstring.

    `defer_check` (the GUI): check only the file's header now and leave the page-by-page integrity check
    to `OpenedDatabase.verify`, which the window runs in the background — on a million leads it takes
    seconds. Until it passes, writes wait; if it fails, they are refused and the user is told. A file
    that needs a migration is always checked first (the pre-migration backup is fully checked too).
    """
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseError(f"{url!r} is not a database address.") from None
    backend = u.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"LeadDesk works with a SQLite file or a PostgreSQL server (postgresql://…), not {backend}."
        )
    if backend == "sqlite":
        return _open_sqlite(
            u, read_only=read_only, force_lock=force_lock, mount_table=mount_table, defer_check=defer_check
        )
    return _open_server(u, password)


def sqlite_path_of(url: str | URL) -> Path:
    u = make_url(url) if isinstance(url, str) else url
    if not u.database or u.database == ":memory:" or u.database.startswith("file:"):
        raise DatabaseError("An in-memory database cannot hold LeadDesk data; give a file path.")
    return Path(u.database)


def _location_notices(path: Path, mount_table: Path | None) -> list[Notice]:
    return [
        Notice(NoticeKind.RISKY_LOCATION, r.message, r.detail) for r in assess(path, mount_table=mount_table)
    ]


def _prepare_folder(path: Path) -> None:
    folder = path.parent
    resolved, data = folder.resolve(), config.data_dir().resolve()
    if not folder.exists():
        if not resolved.is_relative_to(data):
            # A mistyped path would otherwise make a new, empty database that looks like lost data.
            raise DatabaseError(f"The folder {folder} does not exist: check the database path.")
        ensure_private_dir(folder)  # LeadDesk's own data folder on first start: owner only
    elif resolved == data:
        ensure_private_dir(folder)  # LeadDesk's own data folder: tightened to 0700
    # Any other existing folder (Documents, a project folder) keeps its permissions.


def _open_sqlite(
    u: URL, *, read_only: bool, force_lock: bool, mount_table: Path | None, defer_check: bool = False
) -> OpenedDatabase:
    path = sqlite_path_of(u)
    notices = _location_notices(path, mount_table)
    if read_only:
        return _open_sqlite_read_only(path, notices)
    _prepare_folder(path)
    lock = acquire(path, force=force_lock)
    marked = False
    try:
        if lock.stale is not None:
            notices.append(
                Notice(
                    NoticeKind.STALE_LOCK_CLEARED,
                    f"LeadDesk was not closed properly last time ({lock.stale.describe()}); its lock was "
                    "cleared.",
                )
            )
        created = not path.exists() or path.stat().st_size == 0
        integrity: IntegrityResult | None = None
        pending: str | None = None
        if not created and defer_check and _revision_of(path) == HEAD:
            integrity = check_header(path)
            _raise_if_unusable(path, integrity)
            pending = "full" if was_unclean(path) else "quick"
        elif not created:
            unclean = was_unclean(path)
            integrity = open_check(path)
            _raise_if_unusable(path, integrity)
            if integrity.status is IntegrityStatus.FOREIGN_KEY_VIOLATIONS:
                notices.append(Notice(NoticeKind.BROKEN_REFERENCES, integrity.message))
            elif unclean:
                notices.append(
                    Notice(
                        NoticeKind.UNCLEAN_SHUTDOWN,
                        "LeadDesk did not shut down cleanly last time; the full integrity check found no "
                        "problems.",
                    )
                )
        mark_running(path)
        marked = True
        db, migration_backup = _open_and_migrate(path, u)
        try:
            _verify_schema(db)
            ensure_private_database(path)
        except BaseException:
            db.dispose()
            raise
        return OpenedDatabase(
            db=db,
            location=str(path),
            path=path,
            created=created,
            integrity=integrity,
            notices=notices,
            migration_backup=migration_backup,
            lock=lock,
            pending_check=pending,
        )
    except BaseException:
        if marked:
            with contextlib.suppress(OSError):
                mark_clean_shutdown(path)
        lock.release()
        raise


def _raise_if_unusable(path: Path, integrity: IntegrityResult, *, recoverable: bool = True) -> None:
    if integrity.damaged:
        backups = backups_dir_for(path)
        if integrity.status is IntegrityStatus.NOT_A_DATABASE and not list_backups(backups, stem=path.stem):
            # Not SQLite at all and never backed up by LeadDesk: someone else's file (a photo, a
            # spreadsheet), not a damaged database. Refused and left alone, like any foreign file.
            raise NotLeadDeskDatabaseError(f"{path} is not a LeadDesk database (it is not a SQLite file).")
        raise DamagedDatabaseError(
            path, integrity, newest_good_backup(backups, path.stem), backups, recoverable=recoverable
        )
    if integrity.status is IntegrityStatus.UNREADABLE:
        raise DatabaseError(integrity.message)


def _revision_of(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _open_and_migrate(path: Path, u: URL) -> tuple[Database, Path | None]:
    made: list[Path] = []

    def backup(p: Path) -> Path:
        taken = backup_now(p, backups_dir_for(p), BackupReason.PRE_MIGRATION, verify=True)
        made.append(taken)
        return taken

    before = _revision_of(path) if path.exists() else None
    try:
        db = open_database(u.render_as_string(hide_password=False), backup=backup)
    except UserError:
        raise
    except Exception as exc:
        log.exception("Opening or upgrading %s failed", path)
        where = made[0] if made else None
        after = _revision_of(path) if path.exists() else None
        saved = f" A backup taken just before is {where}." if where else ""
        if after == before:
            state = "The database was left as it was"
            state += f" (schema {before})." if before else "."
        else:
            state = f"The database may be half-upgraded (schema {after}); restore the backup."
        raise MigrationFailedError(
            f"LeadDesk could not upgrade the database {path}: {type(exc).__name__}: {exc}. {state}{saved} "
            "Keep using the previous LeadDesk release and report the problem.",
            where,
        ) from exc
    return db, (made[0] if made else None)


def _verify_schema(db: Database) -> None:
    """Refuse a database whose recorded revision is current but whose tables or columns are not all there
    (an upgrade that stopped halfway outside a transaction, a hand-edited file)."""
    from leaddesk.models import Base

    with db.engine.connect() as conn:
        inspector = inspect(conn)
        present = set(inspector.get_table_names())
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        missing = sorted(set(Base.metadata.tables) - present)
        for name, table in sorted(Base.metadata.tables.items()):
            if name in present:
                have = {c["name"] for c in inspector.get_columns(name)}
                missing += [f"{name}.{c.name}" for c in table.columns if c.name not in have]
    if missing or revision != HEAD:
        db.dispose()
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise IncompleteSchemaError(
            f"The database {db.location} is incomplete (schema {revision}"
            + (f"; missing: {shown}" if missing else "")
            + "), probably from an upgrade that did not finish. LeadDesk did not open it; restore the "
            "backup taken before the upgrade (leaddesk restore FILE)."
        )


def _open_sqlite_read_only(path: Path, notices: list[Notice]) -> OpenedDatabase:
    if not path.exists() or path.stat().st_size == 0:
        raise DatabaseError(f"There is no database at {path} to open read-only.")
    integrity = quick_check(path, read_only=True)
    _raise_if_unusable(path, integrity, recoverable=False)
    revision = _revision_of(path)
    if revision != HEAD:
        if revision is not None and revision not in known_revisions():
            raise DatabaseError(
                f"The database {path} was written by a newer LeadDesk (schema {revision}); update LeadDesk."
            )
        raise DatabaseError(
            f"The database {path} needs an upgrade (schema {revision}), which only the LeadDesk that has "
            "it open can do. Close it there and reopen."
        )
    holder = read_holder(path)
    from leaddesk.storage._sqlite_files import sqlite_uri

    ro_url = URL.create("sqlite", database=str(path), query={"mode": "ro", "uri": "true"})
    engine = create_database_engine(
        ro_url,
        creator=lambda: sqlite3.connect(sqlite_uri(path, "ro"), uri=True, check_same_thread=False),
    )
    db = ReadOnlyDatabase(engine, holder)
    who = holder.describe() if holder else "another LeadDesk"
    notices.append(
        Notice(
            NoticeKind.READ_ONLY,
            f"Opened read-only: {who} has the database open. You can look, not change.",
        )
    )
    return OpenedDatabase(
        db=db, location=str(path), path=path, read_only=True, integrity=integrity, notices=notices
    )


# --- PostgreSQL --------------------------------------------------------------------------------------

_AUTH_MARKERS = ("no password supplied", "password authentication failed", "authentication failed")


def _open_server(u: URL, password: str | None) -> OpenedDatabase:
    from leaddesk.storage.secrets import KeyringUnavailableError, fetch_password, url_without_password

    safe_url = url_without_password(u)
    secret = password or u.password
    keyring_problem: str | None = None
    if not secret:
        try:
            secret = fetch_password(u)
        except KeyringUnavailableError as exc:
            keyring_problem = str(exc)
    target = u.set(password=secret) if secret else u
    try:
        db = open_database(target.render_as_string(hide_password=False))
    except DatabaseError as exc:
        reason = str(exc).lower()
        if any(marker in reason for marker in _AUTH_MARKERS):
            raise PasswordRequiredError(
                safe_url,
                refused=bool(secret),
                keyring_problem=keyring_problem if not secret else None,
            ) from None
        raise
    try:
        _verify_schema(db)
    except BaseException:
        db.dispose()
        raise
    return OpenedDatabase(db=db, location=db.location)


# --- after a refusal ---------------------------------------------------------------------------------


def recover_damaged(error: DamagedDatabaseError, *, backup: Path | None) -> RestoreReport | Path:
    """Act on a `DamagedDatabaseError`: keep the damaged file aside as ``.damaged`` and restore `backup`
    (returns the `RestoreReport`), or, with `backup=None`, only move it aside so that LeadDesk starts an
    empty database (returns where the damaged file went). Takes the instance lock for the duration."""
    if not error.recoverable:
        raise DatabaseError("Another LeadDesk has this database open; recover it there (File → Restore…).")
    with acquire(error.db_path):
        if backup is None:
            return set_aside_damaged(error.db_path)
        return restore_file(error.db_path, backup)


def restore_with_lock(db_path: Path, backup: Path) -> RestoreReport:
    """Restore a backup into a SQLite file that LeadDesk does not have open (the CLI's `restore`)."""
    with acquire(db_path):
        return restore_file(db_path, backup)
