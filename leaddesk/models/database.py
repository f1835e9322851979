"""Opening a LeadDesk database: checks, backup, migrations, and the sessions services use.

The same code runs on a SQLite file and on a PostgreSQL server. A file or database that is not
LeadDesk's, or is newer than this release, is refused with one clear message and left untouched.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from leaddesk.domain.errors import DatabaseError, DatabaseTooNewError, NotLeadDeskDatabaseError, UserError
from leaddesk.models.base import Base, add_postgresql_predicates
from leaddesk.models.migrations import HEAD, MIGRATIONS_DIR, known_revisions

T = TypeVar("T")

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLICATION = "leaddesk"
#: PostgreSQL advisory lock key held while migrating, so two PCs starting at once do not both migrate.
PG_MIGRATION_LOCK = 0x1EAD_DE5C


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a database holds before LeadDesk touches it."""

    empty: bool
    revision: str | None


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def describe_url(url: str | URL) -> str:
    """A location to show people (status bar, messages): a file path, or server/database, no password."""
    u = make_url(url) if isinstance(url, str) else url
    if _is_sqlite(u):
        return u.database or ":memory:"
    host = u.host or (u.query.get("host") or "localhost")
    port = f":{u.port}" if u.port else ""
    user = f"{u.username}@" if u.username else ""
    return f"{user}{host}{port}/{u.database}"


class Database:
    """An open, migrated LeadDesk database. Services receive it and open one session per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url
        self.dialect = engine.dialect.name
        # Writes on SQLite take the write lock at BEGIN (IMMEDIATE), so two writers queue on
        # busy_timeout instead of failing when a read lock cannot be upgraded.
        self._write_engine = engine.execution_options(leaddesk_write=True)
        self._read_factory = sessionmaker(engine, expire_on_commit=False)
        self._write_factory = sessionmaker(self._write_engine, expire_on_commit=False)
        #: Called before every write; the opening sequence uses it to hold writes until the integrity
        #: check that runs after the window shows has passed (and to refuse them if it failed).
        self.write_gate: Callable[[], None] | None = None
        #: Runs a job off the caller's thread: the WAL checkpoint and statistics after a bulk write, the
        #: statistics once the window is up.
        self.run_in_background: Callable[[Callable[[], None]], None] = self._start_thread
        self._background: list[threading.Thread] = []
        self._background_lock = threading.Lock()
        self._closing = False
        self._closed = False
        self._statistics_lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None

    @property
    def location(self) -> str:
        return describe_url(self.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; rolled back at the end, never blocks writers."""
        with self._read_factory() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self, *, bulk: bool = False) -> Iterator[Session]:
        """One unit of work: committed at the end of the block, rolled back on any exception.

        `bulk` (an import or its undo, hundreds of MB of pages): on SQLite the commit leaves copying the
        write-ahead log into the file to a background thread (`storage.wal_checkpoints`), so the caller
        has its result about a second sooner after 100,000 leads.
        """
        if self.write_gate is not None:
            self.write_gate()
        with self._write_factory() as session, session.begin():
            if bulk and self._has_file:
                from leaddesk.storage.wal_checkpoints import defer_checkpoint

                defer_checkpoint(session.connection(), self._checkpoint_in_background)
            yield session

    @property
    def _has_file(self) -> bool:
        # (an in-memory database has no log to copy, and a checkpoint thread's own connection would
        # make its single-connection pool drop the one that holds the data)
        path = self.sqlite_path
        return path is not None and str(path) != ":memory:"

    def _checkpoint_in_background(self) -> None:
        from leaddesk.storage.wal_checkpoints import checkpoint

        if self._closing or self._closed:  # the file is being closed: closing it checkpoints anyway
            return

        def job() -> None:
            checkpoint(self.engine)
            self.refresh_statistics()  # a bulk write is what makes a table grow

        self.run_in_background(job)

    def refresh_statistics(self, *, every_table: bool = False) -> list[str]:
        """Analyse the tables whose query-planner statistics are missing or stale (SQLite; see
        `storage.planner_statistics`); the tables analysed. Seconds on a large database: call it off the
        GUI thread. Stops once the database is being closed; returns at once if another refresh is under
        way (the start-up one and an import's may meet: the second would only analyse the same tables
        again). `every_table`: each table big enough, stale or not (the daily refresh, which waits for
        one under way)."""
        if self._closed or not self._has_file:
            return []
        # A growth check finds nothing left to do after a refresh under way; the daily one waits its turn.
        if not self._statistics_lock.acquire(blocking=every_table):
            return []
        try:
            if self._closing or self._closed:
                return []
            if self.write_gate is not None:
                self.write_gate()  # it writes: not before the deferred integrity check has passed
            from leaddesk.storage.planner_statistics import refresh_statistics

            return refresh_statistics(
                self.engine, stop=lambda: self._closing or self._closed, every_table=every_table
            )
        except UserError:  # the check failed or is still running: the file is not to be written
            return []
        finally:
            self._statistics_lock.release()

    def _start_thread(self, job: Callable[[], None]) -> None:
        thread = threading.Thread(target=job, name="leaddesk-background", daemon=True)
        with self._background_lock:
            self._background = [t for t in self._background if t.is_alive()]
            self._background.append(thread)
        thread.start()

    def wait_for_background(self, timeout: float | None = None) -> None:
        """Wait for the background jobs (checkpoints, statistics) still running, if any."""
        with self._background_lock:
            threads = list(self._background)
        for thread in threads:
            thread.join(timeout)

    def write(self, work: Callable[[Session], T], *, retries: int = 3) -> T:
        """Run an idempotent unit of work, retrying PostgreSQL serialization failures and deadlocks."""
        attempt = 0
        while True:
            try:
                with self.writing() as session:
                    return work(session)
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                attempt += 1
                if code not in ("40001", "40P01") or attempt > retries:
                    raise

    def dispose(self) -> None:
        # A checkpoint under way finishes first (about a second at most): the file is then complete on
        # its own when the app has closed. A statistics refresh under way stops (`_closing`).
        self._closing = True
        self.wait_for_background()
        self.engine.dispose()
        self._closing = False  # (a disposed engine opens new connections if it is used again)

    def close(self) -> None:
        """`dispose` for good (the app is done with the file): background jobs asked for later, such as a
        refresh the window's start-up check still had queued, no longer open it."""
        self._closed = True
        self.dispose()


# --- engine ------------------------------------------------------------------------------------------


def _install_sqlite_behaviour(engine: Engine) -> None:
    from leaddesk.storage.sqlite_pragmas import install_sqlite_pragmas

    install_sqlite_pragmas(engine)
    from leaddesk.storage.wal_checkpoints import install_checkpoint_restore

    install_checkpoint_restore(engine)

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own implicit BEGIN is not configurable).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("leaddesk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def create_database_engine(url: str | URL, **kwargs: Any) -> Engine:
    u = make_url(url) if isinstance(url, str) else url
    if _is_sqlite(u):
        engine = create_engine(u, connect_args={"check_same_thread": False}, **kwargs)
        _install_sqlite_behaviour(engine)
        return engine
    add_postgresql_predicates(Base.metadata)
    return create_engine(u, pool_pre_ping=True, **kwargs)


# --- checks ------------------------------------------------------------------------------------------


def _sqlite_state(path: Path) -> SchemaState:
    """Inspect an existing SQLite file read-only, without creating or changing anything."""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseError(f"Cannot open the database {path}: {exc.strerror or exc}.") from exc
    if not header:
        return SchemaState(empty=True, revision=None)
    if header != SQLITE_MAGIC:
        raise NotLeadDeskDatabaseError(f"{path} is not a LeadDesk database (it is not a SQLite file).")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return SchemaState(empty=True, revision=None)
            if "leaddesk_meta" not in tables:
                raise NotLeadDeskDatabaseError(
                    f"{path} is not a LeadDesk database (it holds other tables); it was left untouched."
                )
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"The database {path} cannot be read: {exc}.") from exc
    return SchemaState(empty=False, revision=row[0] if row else None)


def _server_state(conn: Connection) -> SchemaState:
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return SchemaState(empty=True, revision=None)
    if "leaddesk_meta" not in tables:
        raise NotLeadDeskDatabaseError(
            f"The database {describe_url(conn.engine.url)} holds other tables and is not a LeadDesk "
            "database; it was left untouched. Give LeadDesk an empty database of its own."
        )
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return SchemaState(empty=False, revision=revision)


def _check_revision(state: SchemaState, where: str) -> None:
    if state.empty:
        return
    if state.revision is None:
        raise DatabaseError(f"The database {where} was left half-created; restore a backup.")
    if state.revision not in known_revisions():
        raise DatabaseTooNewError(
            f"The database {where} was written by a newer LeadDesk (schema {state.revision}); "
            "update LeadDesk to open it. It was left untouched."
        )


# --- migrations -------------------------------------------------------------------------------------


def run_migrations(connection: Connection, target: str = "head") -> None:
    """Apply Alembic migrations on `connection` inside its current transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, target)


def _migrate_sqlite(engine: Engine, target: str) -> None:
    # Rebuilding a table (batch mode) with foreign keys on would cascade deletes into child tables; so
    # migrate with them off and verify every reference before committing.
    with engine.connect() as conn:
        # The pragma is a no-op inside a transaction, so it goes straight to the driver before BEGIN.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                run_migrations(conn, target)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(
                        f"The migration left {len(broken)} broken references; nothing was changed."
                    )
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def _migrate_server(engine: Engine, target: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        state = _server_state(conn)  # another PC may have migrated while we waited
        _check_revision(state, describe_url(engine.url))
        if state.revision != HEAD or target != "head":
            run_migrations(conn, target)


def open_database(
    url: str,
    *,
    backup: Callable[[Path], Path | None] | None = None,
    target: str = "head",
    engine_kwargs: dict[str, Any] | None = None,
) -> Database:
    """Open (creating or migrating as needed) the database at `url`.

    `backup` is called with the SQLite file's path before an existing file is migrated.
    """
    u = make_url(url)
    where = describe_url(u)
    if _is_sqlite(u):
        if not u.database or u.database == ":memory:":
            raise DatabaseError("An in-memory database cannot hold LeadDesk data; give a file path.")
        path = Path(u.database)
        if path.exists():
            state = _sqlite_state(path)
            _check_revision(state, where)
        else:
            if not path.parent.exists():
                from leaddesk.storage.file_permissions import ensure_private_dir

                ensure_private_dir(path.parent)
            state = SchemaState(empty=True, revision=None)
        engine = create_database_engine(u, **(engine_kwargs or {}))
        try:
            if state.revision != HEAD or target != "head":
                if not state.empty and backup is not None:
                    backup(path)
                _migrate_sqlite(engine, target)
            from leaddesk.storage.file_permissions import ensure_private_file

            ensure_private_file(path)
        except BaseException:
            engine.dispose()
            raise
        return Database(engine)

    engine = create_database_engine(u, **(engine_kwargs or {}))
    try:
        with engine.connect() as conn:
            state = _server_state(conn)
        _check_revision(state, where)
        if state.revision != HEAD or target != "head":
            _migrate_server(engine, target)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"Cannot connect to the database {where}: {reason}") from exc
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)
