"""Rotating backups, and `restore`: the copy is checked first, the current database kept aside,
nothing changes on a bad file, and a backup taken while another process writes is consistent."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from arcollect_tui import cli
from arcollect_tui.cli import cmd_restore
from arcollect_tui.db import connect
from arcollect_tui.services.backup import backup, check_backup, rotating_backup

TODAY = "2026-11-23"


def _run(db_path, capsys, *args):
    code = cli.main(["--db", str(db_path), "--today", TODAY, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _accounts(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM account").fetchone()[0]
    finally:
        conn.close()


def _import(db_path, capsys, tmp_path, *keys):
    csv = tmp_path / f"{'-'.join(keys)}.csv"
    csv.write_text("account,name,invoice,invoice_date,due_date,amount,currency\n"
                   + "".join(f"{k},Name {k},I-{k},2026-09-01,2026-10-01,10.00,USD\n" for k in keys), encoding="utf-8")
    assert _run(db_path, capsys, "import", str(csv))[0] == 0


def test_rotating_backup_keeps_the_newest_n_and_touches_nothing_else(db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "mine.db").write_text("not ours")
    made = [rotating_backup(db, folder, keep=3, stamp=f"20261123T1000{s:02d}Z", user="t") for s in range(5)]
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["arcollect-20261123T100002Z.db", "arcollect-20261123T100003Z.db",
                     "arcollect-20261123T100004Z.db", "mine.db"]
    assert made[-1] == folder / "arcollect-20261123T100004Z.db"
    assert oct(made[-1].stat().st_mode & 0o777) == "0o600"
    assert check_backup(made[-1])[0] >= 1
    assert rotating_backup(db, folder, keep=0, stamp="20261123T110000Z", user="t") is None
    assert len(list(folder.iterdir())) == 4


def test_restore_puts_the_backup_back_and_keeps_the_current_aside(db_path, capsys, tmp_path):
    _import(db_path, capsys, tmp_path, "A1", "A2")
    copy = tmp_path / "copy.db"
    assert _run(db_path, capsys, "backup", str(copy))[0] == 0
    _import(db_path, capsys, tmp_path, "B1", "B2", "B3")
    assert _accounts(db_path) == 5

    code, out, err = _run(db_path, capsys, "restore", str(copy))
    assert code == 0, err
    assert _accounts(db_path) == 2
    aside = next(tmp_path.glob("arcollect.db.before-restore-*"))
    assert _accounts(aside) == 5 and str(aside) in out
    assert oct(aside.stat().st_mode & 0o777) == "0o600"
    assert _run(db_path, capsys, "audit", "verify")[0] == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "restore"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("make", ["missing", "junk", "foreign", "broken_chain", "newer"])
def test_a_bad_backup_is_refused_and_nothing_changes(db_path, capsys, tmp_path, make):
    _import(db_path, capsys, tmp_path, "A1")
    bad = tmp_path / "bad.db"
    if make == "junk":
        bad.write_bytes(b"\x00garbage" * 100)
    elif make == "foreign":
        c = sqlite3.connect(bad)
        c.execute("CREATE TABLE t (x)")
        c.commit()
        c.close()
    elif make in ("broken_chain", "newer"):
        assert _run(db_path, capsys, "backup", str(bad))[0] == 0
        c = sqlite3.connect(bad)
        if make == "broken_chain":
            c.execute("DROP TRIGGER audit_log_no_update")
            c.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 1")
        else:
            c.execute("PRAGMA user_version = 999")
        c.commit()
        c.close()
    top = sqlite3.connect(db_path).execute("SELECT max(id) FROM audit_log").fetchone()[0]
    code, out, err = _run(db_path, capsys, "restore", str(bad))
    assert code == 2 and out == "" and str(bad) in err and "Traceback" not in err
    assert not list(tmp_path.glob("arcollect.db.before-restore-*"))
    assert sqlite3.connect(db_path).execute("SELECT max(id) FROM audit_log").fetchone()[0] == top
    assert _accounts(db_path) == 1


def test_restoring_the_database_onto_itself_is_refused(db_path, capsys, tmp_path):
    _import(db_path, capsys, tmp_path, "A1")
    code, _, err = _run(db_path, capsys, "restore", str(db_path))
    assert code == 2 and "the database itself" in err


WRITER = """
import sys
from arcollect_tui.cli import main
db = sys.argv[1]
for i in range(60):
    assert main(["--db", db, "--today", "2026-11-23", "log", "A1", "--outcome", "no_answer", "--note", str(i)]) == 0
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(db_path, capsys, tmp_path):
    _import(db_path, capsys, tmp_path, "A1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCOLLECT_")}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    copies = []
    db = connect(db_path)
    try:
        while writer.poll() is None and len(copies) < 20:
            dest = tmp_path / f"during-{len(copies)}.db"
            backup(db, dest, user="t")
            copies.append(dest)
    finally:
        db.close()
    assert writer.wait(timeout=120) == 0, writer.stderr.read()
    assert copies
    for copy in copies:
        version, rows = check_backup(copy)        # integrity ok, chain holds
        conn = sqlite3.connect(copy)
        logged = conn.execute("SELECT count(*) FROM activity").fetchone()[0]
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'log'").fetchone()[0]
        assert logged == audited                  # each call with its own audit row, never one without
        conn.close()
