"""Opening the store: file mode, pragmas, schema, migrations.  Nothing is opened at import time.

`schema.sql` (packaged as arcollect_tui/schema.sql) is the latest schema and the one source of
truth.  A new database gets it whole; an older one is stepped forward by MIGRATIONS, one
`user_version` at a time, each step in one transaction.  A newer one is refused.
"""

from __future__ import annotations

import os
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Callable

from peewee import SqliteDatabase

from arcollect_tui.errors import ArcollectError, InputError
from arcollect_tui import audit, ledger
from arcollect_tui.models import database_proxy

SCHEMA_VERSION = 3

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    # A writer waits this long for another one (an import of a million rows holds the write lock
    # for about ten seconds, a 100,000-account demo build for about forty) before giving up.
    "busy_timeout": 120_000,
    "cache_size": -65536,  # 64 MiB
}

_MAGIC = b"SQLite format 3\x00"


class SchemaTooNew(ArcollectError):
    exit_code = 2


def schema_sql() -> str:
    return resources.files("arcollect_tui").joinpath("schema.sql").read_text(encoding="utf-8")


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 2 keeps invoice.settled_on for the worklist and records exports (export_run)."""
    conn.execute(
        "ALTER TABLE invoice ADD COLUMN settled_on TEXT CHECK (settled_on IS NULL OR settled_on "
        "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"
    )
    conn.execute("CREATE INDEX invoice_open ON invoice (settled_on, due_date)")
    conn.execute(
        """CREATE TABLE export_run (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    up_to_audit  INTEGER NOT NULL,
    path         TEXT,
    row_count    INTEGER NOT NULL CHECK (row_count >= 0),
    user         TEXT    NOT NULL
)"""
    )
    ledger.recompute_settled(conn)


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 3 keeps the worklist's cache of computed rows (derived; see schema.sql)."""
    for statement in (
        """CREATE TABLE queue_cache_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    as_of         TEXT    NOT NULL,
    settings_key  TEXT    NOT NULL,
    data_version  INTEGER NOT NULL
)""",
        """CREATE TABLE queue_cache (
    account_id     INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    needs_action   INTEGER NOT NULL CHECK (needs_action IN (0, 1)),
    priority_centi INTEGER NOT NULL,
    days_past_due  INTEGER NOT NULL,
    key            TEXT    NOT NULL,
    row            TEXT    NOT NULL,
    parts          TEXT    NOT NULL
)""",
        "CREATE INDEX queue_cache_acting ON queue_cache (needs_action, priority_centi DESC, days_past_due DESC, key)",
        "CREATE INDEX queue_cache_rank ON queue_cache (priority_centi DESC, days_past_due DESC, key)",
    ):
        conn.execute(statement)


# user_version N-1 -> N
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {2: _migrate_1_to_2, 3: _migrate_2_to_3}


def _prepare_file(path: Path) -> None:
    if path.exists():
        if path.is_dir():
            raise InputError(f"{path}: is a folder: --db needs a database file")
        with path.open("rb") as fh:
            head = fh.read(16)
        if head and head != _MAGIC:
            raise InputError(f"{path}: not an SQLite database: choose another --db file")
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
    try:
        os.chmod(path, 0o600)
    except PermissionError:  # not ours; SQLite will say if it cannot write
        pass


def connect(path: Path | str, *, migrate: bool = True) -> SqliteDatabase:
    """Open (creating if needed) the database at `path` and bind the models to it."""
    path = Path(path)
    _prepare_file(path)
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=120, lock_type="IMMEDIATE")
    try:
        db.connect(reuse_if_open=True)
        if migrate:
            ensure_schema(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InputError(f"{path}: cannot open the database: {exc}") from None
    except BaseException:
        db.close()
        raise
    database_proxy.initialize(db)
    return db


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def ensure_schema(db: SqliteDatabase, path: Path) -> None:
    conn = db.connection()
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{path}: the database has schema version {version}, newer than this arcollect "
            f"understands ({SCHEMA_VERSION}): upgrade arcollect, or open another --db"
        )
    if version == SCHEMA_VERSION:
        return
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise InputError(f"{path}: an SQLite database, but not arcollect's: choose another --db file")
        # executescript commits first; wrap the whole schema in one transaction of our own.
        conn.executescript(f"BEGIN IMMEDIATE;\n{schema_sql()}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
        return
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) != target - 1:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                continue
            MIGRATIONS[target](conn)
            audit.record(conn, user="arcollect", action="migrate", entity="schema",
                         after={"from_version": target - 1, "to_version": target})
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
