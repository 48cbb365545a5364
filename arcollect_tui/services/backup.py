"""Backups through SQLite's online backup API: consistent while other connections write; the
rotating backup the app takes when it opens; restore after checking the copy."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import SqliteDatabase

from arcollect_tui import audit
from arcollect_tui.errors import InputError


def backup(db: SqliteDatabase, dest: Path, *, user: str) -> int:
    """Copy the database to `dest` (mode 0600).  Returns the number of pages copied."""
    dest = Path(dest)
    if dest.exists():
        raise InputError(f"{dest}: already exists: choose a new file name (a backup never overwrites)")
    if not dest.parent.exists():
        raise InputError(f"{dest.parent}: no such folder: create it first")
    tmp = dest.with_name(dest.name + ".partial")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        target = sqlite3.connect(tmp)
        try:
            db.connection().backup(target)
            pages = target.execute("PRAGMA page_count").fetchone()[0]
            # The copy is a self-contained file: not in WAL mode.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with db.atomic():
        audit.record(db.connection(), user=user, action="backup", entity="database",
                     after={"file": str(dest.resolve()), "pages": pages})
    return pages


# ------------------------------------------------------------------------------ rotating backups

ROTATING_PREFIX = "arcollect-"
ROTATING_SUFFIX = ".db"


def rotating_backup(db: SqliteDatabase, folder: Path, *, keep: int, stamp: str, user: str) -> Path | None:
    """Back up into `folder` as `arcollect-STAMP.db` and delete the oldest such files beyond the
    newest `keep` (other files in the folder are never touched).  `stamp` is the UTC time as
    `YYYYmmddTHHMMSSZ` (sorts as it reads).  `keep` 0 turns it off (returns None).  The app runs
    it when it opens, in a worker."""
    if keep <= 0:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest = folder / f"{ROTATING_PREFIX}{stamp}{ROTATING_SUFFIX}"
    if dest.exists():                      # two opens in one second: the first backup stands
        return dest
    backup(db, dest, user=user)
    ours = sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.startswith(ROTATING_PREFIX) and p.name.endswith(ROTATING_SUFFIX))
    for old in ours[:-keep]:
        old.unlink(missing_ok=True)
    return dest


# ------------------------------------------------------------------------------------------ restore

@dataclass(frozen=True)
class RestoreResult:
    source: Path
    kept_aside: Path          # the database as it was before the restore
    schema_version: int       # of the restored copy, before any migration
    audit_rows: int           # in the restored copy's trail (it held)


def check_backup(source: Path) -> tuple[int, int]:
    """Refuse (InputError) anything that is not a sound arcollect database: not SQLite, failing
    `PRAGMA integrity_check`, a schema newer than this program, no audit trail, or a trail whose
    hash chain does not hold.  Returns (schema version, audit rows)."""
    from arcollect_tui.db import SCHEMA_VERSION

    source = Path(source)
    if not source.is_file():
        raise InputError(f"{source}: no such file: name a backup written by `arcollect backup`")
    with source.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise InputError(f"{source}: not an SQLite database: name a backup written by `arcollect backup`")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{source}: cannot open it: {exc}") from None
    try:
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            has_audit = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{source}: a damaged database ({exc}): choose another backup") from None
        if problems != ["ok"]:
            raise InputError(f"{source}: fails the integrity check ({'; '.join(problems[:3])}): choose another backup")
        if version > SCHEMA_VERSION:
            raise InputError(f"{source}: schema version {version} is newer than this arcollect understands "
                             f"({SCHEMA_VERSION}): upgrade arcollect first")
        if version < 1 or not has_audit:
            raise InputError(f"{source}: an SQLite database, but not an arcollect one: choose another file")
        count, bad, why = audit.verify(conn)
        if bad is not None:
            raise InputError(f"{source}: its audit trail is broken at row {bad} ({why}): choose another backup")
        return version, count
    finally:
        conn.close()


def restore(db: SqliteDatabase, db_path: Path, source: Path, *, stamp: str, user: str) -> RestoreResult:
    """Replace the database's content with the backup `source`, after checking it (`check_backup`),
    keeping the current content aside as `<db>.before-restore-STAMP` (a consistent copy, mode 0600).

    The copy goes in through SQLite's backup API on the open connection, so other programs with the
    database open see the restored content (a restore waits for their writes like any writer).
    An older schema is migrated as on any open; the restore itself is an audit row in the restored
    trail (which names the copy kept aside)."""
    from arcollect_tui.db import ensure_schema

    source, db_path = Path(source), Path(db_path)
    if source.resolve() == db_path.resolve():
        raise InputError(f"{source}: that is the database itself: name a backup file")
    version, rows = check_backup(source)
    aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    backup(db, aside, user=user)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(db.connection())
    except sqlite3.Error as exc:
        raise InputError(f"{source}: could not be copied in ({exc}); the database is unchanged and a copy of "
                         f"it is at {aside}") from None
    finally:
        src.close()
    ensure_schema(db, db_path)
    with db.atomic():
        audit.record(db.connection(), user=user, action="restore", entity="database",
                     after={"from": str(source.resolve()), "kept_aside": str(aside.resolve()),
                            "schema_version": version, "audit_rows": rows})
    return RestoreResult(source, aside, version, rows)
