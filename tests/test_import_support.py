"""Helpers shared by the tests/test_import_*.py files (no tests here)."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

from arcollect_tui.cli import main
from arcollect_tui.db import connect

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
TODAY = dt.date(2026, 3, 31)


def fixture(name: str) -> Path:
    return FIXTURES / name


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def fresh_db(tmp_path: Path) -> Path:
    """A database file with the schema, closed (so its bytes are final)."""
    path = tmp_path / "store.db"
    connect(path).close()
    return path


def digest(path: Path) -> str:
    """sha256 of the database file; call only when no connection is open."""
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def cli(capsys, db_path: Path, *args: str, today: dt.date = TODAY) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), "--today", today.isoformat(), "import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def query(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
