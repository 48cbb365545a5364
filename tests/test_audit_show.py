"""`arcollect audit show`: the trail filtered by account, user, action and date; bad filters exit 2."""

from __future__ import annotations

import json
import sqlite3

from arcollect_tui.cli import main

TODAY = "2026-03-02"


def _run(db_path, capsys, *args):
    code = main(["--db", str(db_path), "--today", TODAY, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _setup(db_path, capsys, tmp_path):
    csv = tmp_path / "inv.csv"
    csv.write_text("account,name,invoice,invoice_date,due_date,amount,currency\n"
                   "A1,Alpha [/] Ltd,I1,2026-01-01,2026-01-31,100.00,USD\n"
                   "B2,Beta,I2,2026-01-01,2026-01-31,50.00,USD\n", encoding="utf-8")
    assert _run(db_path, capsys, "import", str(csv))[0] == 0
    assert _run(db_path, capsys, "log", "A1", "--outcome", "no_answer")[0] == 0
    assert _run(db_path, capsys, "log", "B2", "--outcome", "reached", "--note", "said =cmd|' /C calc'!A0")[0] == 0


def test_show_filters_by_account_and_action(db_path, capsys, tmp_path):
    _setup(db_path, capsys, tmp_path)
    code, out, _ = _run(db_path, capsys, "audit", "show", "--format", "json")
    assert code == 0
    every = json.loads(out)
    total = sqlite3.connect(db_path).execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert len(every) == total and [r["id"] for r in every] == sorted((r["id"] for r in every), reverse=True)

    code, out, _ = _run(db_path, capsys, "audit", "show", "--account", "B2", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows and {r["account"] for r in rows} == {"B2"}
    logged = [r for r in rows if r["action"] == "log"]
    assert len(logged) == 1 and logged[0]["after"]["activity"]["note"] == "said =cmd|' /C calc'!A0"

    code, out, _ = _run(db_path, capsys, "audit", "show", "--action", "log", "--limit", "1", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 1 and rows[0]["account"] == "B2"


def test_show_filters_by_user_and_date(db_path, capsys, tmp_path):
    _setup(db_path, capsys, tmp_path)
    conn = sqlite3.connect(db_path)
    users = {u for (u,) in conn.execute("SELECT DISTINCT user FROM audit_log")}
    written = conn.execute("SELECT substr(min(at), 1, 10) FROM audit_log").fetchone()[0]
    user = sorted(users)[0]
    code, out, _ = _run(db_path, capsys, "audit", "show", "--user", user, "--since", written,
                        "--until", written, "--format", "json")
    assert code == 0 and json.loads(out) and {r["user"] for r in json.loads(out)} == {user}
    code, out, err = _run(db_path, capsys, "audit", "show", "--user", "nobody-at-all")
    assert code == 0 and out == "" and "no audit rows match" in err
    code, out, _ = _run(db_path, capsys, "audit", "show", "--since", "2999-01-01", "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_table_shows_hostile_text_literally(db_path, capsys, tmp_path):
    _setup(db_path, capsys, tmp_path)
    code, out, _ = _run(db_path, capsys, "audit", "show", "--account", "A1")
    assert code == 0 and "A1" in out and "at (UTC)" in out
    assert "\x1b" not in out


def test_bad_filters_exit_2_naming_them(db_path, capsys, tmp_path):
    _setup(db_path, capsys, tmp_path)
    code, out, err = _run(db_path, capsys, "audit", "show", "--since", "yesterday", "--until", "2026-13-01")
    assert code == 2 and out == ""
    assert "--since: 'yesterday'" in err and "--until: '2026-13-01'" in err and "YYYY-MM-DD" in err
    code, _, err = _run(db_path, capsys, "audit", "show", "--account", "NOPE")
    assert code == 2 and "'NOPE'" in err
    code, _, err = _run(db_path, capsys, "audit", "show", "--limit", "-1")
    assert code == 2 and "--limit" in err
