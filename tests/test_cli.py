"""The CLI frame: global options, exit codes, backup and audit verify (CONTRACT.md)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest

from arcollect_tui import audit
from arcollect_tui.cli import main
from arcollect_tui.db import connect


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert "arcollect" in capsys.readouterr().out


def test_python_dash_m_is_the_same_program():
    out = subprocess.run([sys.executable, "-m", "arcollect_tui", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "audit" in out.stdout


@pytest.mark.parametrize("argv", [["--today", "2026-13-01", "audit", "verify"], ["--today", "23/11/2026", "audit", "verify"],
                                  ["nonsense"], ["backup"]])
def test_bad_usage_is_exit_2_without_traceback(argv, db_path, capsys):
    with pytest.raises(SystemExit) as e:
        code = main(["--db", str(db_path), *argv])
        raise SystemExit(code)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_today_from_environment_is_validated(db_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_TODAY", "tomorrow")
    assert main(["--db", str(db_path), "audit", "verify"]) == 2
    assert "ARCOLLECT_TODAY" in capsys.readouterr().err


def test_bad_config_names_the_key(tmp_path, db_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('default_currency = "XXQ"\n[policy]\nwarning_notice_days = "ten"\nwarning_noticedays = 3\n')
    assert main(["--db", str(db_path), "--config", str(cfg), "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "default_currency" in err and "warning_notice_days" in err and "warning_noticedays" in err


def test_missing_explicit_config_is_exit_2(tmp_path, db_path, capsys):
    assert main(["--db", str(db_path), "--config", str(tmp_path / "nope.toml"), "audit", "verify"]) == 2


def test_database_created_with_its_folder_and_mode_0600(tmp_path):
    path = tmp_path / "deep" / "er" / "ar.db"
    assert main(["--db", str(path), "audit", "verify"]) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_default_database_lives_in_the_xdg_data_folder(tmp_path):
    assert main(["audit", "verify"]) == 0
    assert (tmp_path / "xdg-data" / "arcollect" / "arcollect.db").exists()


def test_audit_verify_exit_4_names_the_row(db_path, capsys):
    db = connect(db_path)
    conn = db.connection()
    with db.atomic():
        for i in range(5):
            audit.record(conn, user="t", action="test", entity="x", entity_id=i)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 4")
    db.close()
    assert main(["--db", str(db_path), "audit", "verify"]) == 4
    assert "row 4" in capsys.readouterr().err


def test_backup_is_consistent_while_another_connection_writes(db_path, tmp_path):
    db = connect(db_path)
    conn = db.connection()
    with db.atomic():
        conn.execute("INSERT INTO account (key, name, created_at, updated_at) VALUES ('A', 'Acme', 'x', 'x')")
        conn.executemany(
            "INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
            " VALUES (1, ?, '2026-01-01', '2026-01-31', 'USD', 100, 'x')", [(f"I{i}",) for i in range(2000)])
    db.close()

    stop = threading.Event()

    def writer():
        w = sqlite3.connect(db_path, timeout=30)
        n = 0
        while not stop.is_set() and n < 5000:
            with w:
                w.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor,"
                          " created_at) VALUES (1, ?, '2026-01-01', '2026-01-31', 'USD', 1, 'x')", (f"W{n}",))
            n += 1
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        dest = tmp_path / "copy.db"
        assert main(["--db", str(db_path), "backup", str(dest)]) == 0
    finally:
        stop.set()
        t.join()
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM invoice WHERE number LIKE 'I%'").fetchone()[0] == 2000
    copy.close()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert main(["--db", str(db_path), "backup", str(dest)]) == 2   # never overwrites
    assert main(["--db", str(db_path), "audit", "verify"]) == 0


def test_policy_command_shows_the_configured_policy(tmp_path, db_path, capsys):
    import json

    cfg = tmp_path / "c.toml"
    cfg.write_text("[policy]\nwarning_notice_days = 14\n")
    assert main(["--db", str(db_path), "--config", str(cfg), "policy", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"]["warning_notice_days"] == 14 and data["policy"]["warning_from_dpd"] == 30
    assert [s["stage"] for s in data["stages"]][:3] == ["current", "reminder", "follow_up"]


@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-inf", "'-inf"), ("-1e5", "'-1e5"),
    ("-12.50", "-12.50"), ("-3", "-3"), ("Acme", "Acme"), (12, 12),
])
def test_formula_injection_cells_are_written_as_text(cell, written):
    from arcollect_tui.cli.common import safe_cell

    assert safe_cell(cell) == written


@pytest.mark.parametrize("day", ["9999-12-31", "9001-01-01", "1899-12-31"])
def test_today_out_of_range_is_bad_input(db_path, capsys, day):
    assert main(["--db", str(db_path), "--today", day, "queue"]) == 2
    err = capsys.readouterr().err
    assert day in err and "1900-01-01" in err and "9000-12-31" in err and "Traceback" not in err


def test_a_command_imports_only_its_own_module(tmp_path):
    """Start-up: `queue` does not pay for the import, mail or report machinery."""
    import subprocess
    import sys

    script = ("import sys; from arcollect_tui import cli\n"
              f"code = cli.main(['--db', {str(tmp_path / 'x.db')!r}, '--today', '2026-03-02', 'queue'])\n"
              "print(code, sorted(m for m in sys.modules if m.startswith('arcollect_tui.cli.cmd_')))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 ['arcollect_tui.cli.cmd_queue']"


def test_help_lists_every_command(capsys):
    from arcollect_tui.cli import COMMAND_MODULES, command_of

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name in out
    assert command_of(["--db", "x.db", "--today", "2026-01-01", "--debug", "queue", "--all"]) == "queue"
    assert command_of(["--db", "queue"]) is None
