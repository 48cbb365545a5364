"""Backups through SQLite's online backup API: consistent while other connections write."""

from __future__ import annotations

import os
import sqlite3
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
