"""`export activities`: the Salesforce Data Loader Task CSV, Salesforce ids where the data carries
them, and `--since-last`, which never sends a row twice (every run is recorded)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from arcollect_tui import audit, cli
from arcollect_tui.cli import cmd_export
from arcollect_tui.db import connect
from arcollect_tui.services import actions, disputes, promises
from arcollect_tui.services.exports import TASK_COLUMNS, salesforce_id

from test_actions import POLICY, Book, day

TODAY = day(40)
SF_ACCOUNT = "001xx000003DGbYAAW"
SF_CONTACT = "003xx000004TmiQAAS"


def log(db, key: str, on: dt.date, outcome: str, **kw) -> actions.LogResult:
    return actions.log_activity(db, key, today=on, user="tester", policy=POLICY, outcome=outcome, **kw)


@pytest.fixture
def store(db, db_path):
    book = Book(db)
    a = book.account("A-1", "Acme")
    pat = book.contact(a, "Pat Payer", "pat@acme.example", primary=True)
    conn = db.connection()
    with db.atomic():
        conn.execute("UPDATE account SET external_id = ? WHERE id = ?", (SF_ACCOUNT, a))
        conn.execute("UPDATE contact SET external_id = ? WHERE id = ?", (SF_CONTACT, pat))
    book.invoice(a, "A-1", day(0), 100_000)
    b = book.account("001A000001AbCdE", "Keyed by a Salesforce id")     # the import used the Account Id as key
    book.invoice(b, "B-1", day(0), 50_000)
    c = book.account("C-3", "No ids")
    book.invoice(c, "C-1", day(0), 9_000, currency="JPY")
    log(db, "A-1", day(10), "reached", contact="Pat Payer", note="=cmd|' /C calc'!A0", follow_up=day(12))
    log(db, "A-1", day(12), "promise", promise_amount="400.00", promise_on=day(20))
    log(db, "001A000001AbCdE", day(15), "no_answer")
    log(db, "C-3", day(16), "voicemail", channel="call")
    promises.make_promise(db, "C-3", today=day(17), user="tester", policy=POLICY, pay_by=day(25), amount="5000")
    disputes.open_dispute(db, "A-1", today=day(18), user="tester", policy=POLICY, reason="pricing", route="sales_ops",
                          invoices=["A-1"], owner="Ola", note="wrong unit price")
    with db.atomic():   # an imported dispute came from the system of record: it does not go back
        conn.execute("INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, opened_on, source_key,"
                      " user, created_at) VALUES (?, NULL, 'USD', 100, 'tax', ?, 'dispute:B:B-1', 'import', 'x')",
                      (b, day(5).isoformat()))
    db.close()
    return db_path


def export(db_path, out, *extra: str, today: dt.date = TODAY) -> int:
    return cli.main(["--db", str(db_path), "--today", today.isoformat(), "export", "activities", "--out", str(out),
                     *extra])


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == TASK_COLUMNS
        return list(reader)


def test_task_rows_for_activities_promises_and_disputes(store, tmp_path, capsys):
    out = tmp_path / "tasks.csv"
    assert export(store, out) == 0
    assert "6 Task rows" in capsys.readouterr().out
    rows = read(out)
    assert [(r["ActivityDate"], r["Subject"]) for r in rows] == [
        ("2026-01-11", "Call: reached"), ("2026-01-13", "Call: promise"), ("2026-01-16", "Call: no answer"),
        ("2026-01-17", "Call: voicemail"), ("2026-01-18", "Promise to pay"), ("2026-01-19", "Dispute: pricing")]
    reached, promised, no_answer, voicemail, promise, dispute = rows
    assert (reached["WhatId"], reached["WhoId"], reached["CallDisposition"]) == (SF_ACCOUNT, SF_CONTACT, "reached")
    assert (reached["Status"], reached["Priority"], reached["TaskSubtype"]) == ("Completed", "Normal", "Call")
    assert "Account: A-1 (Acme)" in reached["Description"] and "Follow-up: 2026-01-13" in reached["Description"]
    assert "=cmd|' /C calc'!A0" in reached["Description"]
    assert "Promise to pay: 400.00 USD by 2026-01-21" in promised["Description"]   # the call carries its promise
    assert no_answer["WhatId"] == "001A000001AbCdE" and no_answer["WhoId"] == ""   # the key is an Account Id
    assert voicemail["WhatId"] == "" and voicemail["CallDisposition"] == "voicemail"
    assert "5,000 JPY by 2026-01-26" in promise["Description"] and promise["CallDisposition"] == ""
    assert "on invoice A-1" in dispute["Description"] and "owner Ola" in dispute["Description"]
    assert not any("tax" in r["Subject"] for r in rows)                  # the imported dispute stays out
    # User text only ever sits inside Description, after "Account: ...": no cell can start a formula.
    assert not [v for r in rows for v in r.values() if v.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_since_last_never_sends_a_row_twice(store, tmp_path, capsys):
    first, second, third = tmp_path / "1.csv", tmp_path / "2.csv", tmp_path / "3.csv"
    assert export(store, first, "--since-last") == 0                     # no earlier export: everything
    assert "(no earlier export: everything)" in capsys.readouterr().out
    assert len(read(first)) == 6
    assert export(store, second, "--since-last") == 0
    assert read(second) == [] and "0 Task rows since export 1" in capsys.readouterr().out
    db = connect(store)
    log(db, "C-3", day(41), "reached")
    db.close()
    assert export(store, third, "--since-last", today=day(41)) == 0
    assert [r["Subject"] for r in read(third)] == ["Call: reached"]
    db = connect(store)
    conn = db.connection()
    assert conn.execute("SELECT kind, row_count FROM export_run ORDER BY id").fetchall() == [
        ("activities", 6), ("activities", 0), ("activities", 1)]
    assert audit.verify(conn)[1] is None
    db.close()


def test_a_full_export_also_moves_the_mark(store, tmp_path):
    assert export(store, tmp_path / "all.csv") == 0
    assert export(store, tmp_path / "new.csv", "--since-last") == 0
    assert read(tmp_path / "new.csv") == []


def test_rows_dated_after_today_are_held_back_and_sent_once_later(store, tmp_path, capsys):
    """With --today in the past, later activities have not happened yet: a later export sends them."""
    early = tmp_path / "early.csv"
    assert export(store, early, "--since-last", today=day(14)) == 0
    assert "4 dated after 2026-01-15 held back" in capsys.readouterr().out
    assert [r["Subject"] for r in read(early)] == ["Call: reached", "Call: promise"]
    late = tmp_path / "late.csv"
    assert export(store, late, "--since-last") == 0
    assert len(read(late)) == 4
    again = tmp_path / "again.csv"
    assert export(store, again, "--since-last") == 0
    assert read(again) == []


def test_the_run_records_how_far_it_read(store, tmp_path):
    assert export(store, tmp_path / "t.csv") == 0
    db = connect(store)
    conn = db.connection()
    (run_id, path, up_to), = conn.execute("SELECT id, path, up_to_audit FROM export_run").fetchall()
    after = json.loads(conn.execute("SELECT after FROM audit_log WHERE action = 'export' AND entity_id = ?",
                                    (run_id,)).fetchone()[0])
    assert path == str((tmp_path / "t.csv").resolve())
    assert after["up_to"] == {"activity": 4 + 0, "promise": 2, "dispute": 2} and after["held_back"] == {}
    assert after["sent"] == {"activity": 4, "promise": 1, "dispute": 1}
    db.close()


def test_bad_out_is_exit_2_and_records_nothing(store, tmp_path, capsys):
    assert export(store, tmp_path / "missing" / "t.csv") == 2
    assert "does not exist" in capsys.readouterr().err
    db = connect(store)
    assert db.connection().execute("SELECT count(*) FROM export_run").fetchone()[0] == 0
    db.close()


@pytest.mark.parametrize("value, prefix, expected", [
    ("001xx000003DGbYAAW", None, "001xx000003DGbYAAW"), ("001A000001AbCdE", "001", "001A000001AbCdE"),
    ("0379-NEVHP", "001", None), ("003xx000004TmiQ", "001", None), ("001xx000003DGbYAA", None, None),
    (None, None, None), (" 003xx000004TmiQAAS ", "003", "003xx000004TmiQAAS"),
])
def test_salesforce_id_shapes(value, prefix, expected):
    assert salesforce_id(value, prefix) == expected
