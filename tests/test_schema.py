"""schema.sql is the one source of truth: the models agree with it, migrations reach it."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from arcollect_tui import audit
from arcollect_tui.db import SCHEMA_VERSION, SchemaTooNew, connect, schema_sql
from arcollect_tui.errors import InputError
from arcollect_tui.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def table_columns(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    # (name, notnull, pk) per column, in order
    return {t: [(r[1], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_packaged_schema_is_the_top_level_file():
    assert schema_sql() == (ROOT / "schema.sql").read_text(encoding="utf-8")


def test_models_agree_with_schema_column_for_column(db):
    actual = table_columns(db.connection())
    modelled = {}
    for model in ALL_MODELS:
        cols = []
        for field in model._meta.sorted_fields:
            cols.append((field.column_name, 0 if field.null or field.primary_key else 1, 1 if field.primary_key else 0))
        modelled[model._meta.table_name] = cols
    assert set(modelled) == set(actual), "every table has a model and every model a table"
    for table, cols in actual.items():
        by_name = {c[0]: c for c in cols}
        assert [c[0] for c in modelled[table]] == [c[0] for c in cols], f"{table}: column names and order"
        for name, notnull, pk in modelled[table]:
            if pk:
                continue
            assert by_name[name][1] == notnull, f"{table}.{name}: NOT NULL differs"
    # composite primary keys are modelled as such
    assert [c[0] for c in actual["promise_invoice"] if c[2]] == ["promise_id", "invoice_id"]


def test_new_database_pragmas_version_and_mode(db_path):
    db = connect(db_path)
    conn = db.connection()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    db.close()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_nothing_is_opened_at_import_time(tmp_path):
    code = ("import arcollect_tui.cli, arcollect_tui.db, arcollect_tui.models, sys;"
            "from arcollect_tui.models import database_proxy;"
            "sys.exit(0 if database_proxy.obj is None else 1)")
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "d"))
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0
    assert not (tmp_path / "d").exists()


UI_MODULES = ("arcollect_tui.app", "arcollect_tui.__main__", "arcollect_tui.screens", "arcollect_tui.widgets")


def test_core_never_imports_textual_or_rich():
    """Every module outside the UI imports neither Textual nor Rich (the CLI stays light)."""
    package = ROOT / "arcollect_tui"
    names = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(UI_MODULES):
            names.append(name)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich'))\n"
        "print(bad[:5])\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(names) > 20


def _v1_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text() + "\nPRAGMA user_version = 1;")
    now = "2026-01-01T00:00:00Z"
    conn.execute("INSERT INTO account (id, key, name, created_at, updated_at) VALUES (1, 'A1', 'Acme', ?, ?)", (now, now))
    conn.executemany(
        "INSERT INTO invoice (id, account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
        " VALUES (?, 1, ?, '2026-01-01', '2026-01-31', 'USD', ?, ?)",
        [(1, "INV-1", 10000, now), (2, "INV-2", 5000, now), (3, "INV-3", 0, now)],
    )
    conn.execute("INSERT INTO payment (id, account_id, paid_on, currency, amount_minor, source_key, created_at)"
                 " VALUES (1, 1, '2026-02-10', 'USD', 12000, 'p1', ?)", (now,))
    conn.executemany(
        "INSERT INTO allocation (invoice_id, payment_id, applied_on, amount_minor, created_at) VALUES (?, 1, ?, ?, ?)",
        [(1, "2026-02-05", 4000, now), (1, "2026-02-10", 6000, now), (2, "2026-02-10", 2000, now)],
    )
    conn.commit()
    conn.close()


def test_migration_from_version_1_reaches_the_current_schema(tmp_path):
    old = tmp_path / "old.db"
    _v1_database(old)
    db = connect(old)
    conn = db.connection()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    settled = dict(conn.execute("SELECT number, settled_on FROM invoice"))
    assert settled == {"INV-1": "2026-02-10", "INV-2": None, "INV-3": "2026-01-01"}
    fresh = connect(tmp_path / "fresh.db")
    assert table_columns(conn) == table_columns(fresh.connection())
    indexes = lambda c: sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    assert indexes(conn) == indexes(fresh.connection())
    assert conn.execute("SELECT action, after FROM audit_log").fetchall() == [
        ("migrate", '{"from_version":1,"to_version":2}'), ("migrate", '{"from_version":2,"to_version":3}')]
    db.close()
    fresh.close()


def test_a_newer_database_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade arcollect"):
        connect(db_path)


def test_other_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.db"
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(InputError, match="not arcollect's"):
        connect(foreign)
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a database")
    with pytest.raises(InputError, match="not an SQLite database"):
        connect(text)
    assert text.read_text() == "hello, not a database"


def test_audit_log_is_append_only_and_chained(db):
    conn = db.connection()
    with db.atomic():
        for i in range(3):
            audit.record(conn, user="tester", action="test", entity="thing", entity_id=i, after={"i": i})
    assert audit.verify(conn) == (3, None, "")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 3")
    # With the trigger dropped, a quiet edit is still caught by the chain.
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET after = '{\"i\":9}' WHERE id = 2")
    count, bad, why = audit.verify(conn)
    assert bad == 2 and "content" in why


def test_money_columns_are_integers_and_checked(db):
    conn = db.connection()
    conn.execute("INSERT INTO account (key, name, created_at, updated_at) VALUES ('A', 'A', 'x', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
                     " VALUES (1, 'I', '2026-01-01', '2026-01-31', 'usd', 100, 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
                     " VALUES (1, 'I', '1/2/2026', '2026-01-31', 'USD', 100, 'x')")
    with pytest.raises(sqlite3.IntegrityError):  # a negative invoice must be a credit note
        conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
                     " VALUES (1, 'I', '2026-01-01', '2026-01-31', 'USD', -100, 'x')")
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are on
        conn.execute("INSERT INTO contact (account_id, name, created_at) VALUES (99, 'Bob', 'x')")
