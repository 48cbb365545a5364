"""`export writeoff` (CONTRACT): the hand-off file for the write-off team, its folder per account,
the XLSX, and the export's record.  Accounts reach their stages through the real services
(warn, suspend, refer, reinstate); the file's rows are checked against an independent SQL
computation from the stored rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
from decimal import Decimal

import pytest

from arcollect_tui import audit, cli
from arcollect_tui.cli import cmd_export
from arcollect_tui.config import Config
from arcollect_tui.db import connect
from arcollect_tui.services import actions, exports

from test_actions import POLICY, Book, day

TODAY = day(95)                      # 2026-04-06: TA-1-like invoices due on D0 are 95 days past due


def warn(db, key: str, on: dt.date, by: str = "Dana Director") -> None:
    actions.warn(db, key, today=on, user="tester", policy=POLICY, approved_by=by, config=Config(user="tester"))


def suspend(db, key: str, on: dt.date, by: str = "Sam Senior") -> None:
    actions.suspend(db, key, today=on, user="tester", policy=POLICY, approved_by=by, approver_role="director",
                    reference="APR-7")


@pytest.fixture
def portfolio(db, db_path):
    book = Book(db)
    s1 = book.account("S1", "Suspended & Sons", email="ap@s1.example")
    book.contact(s1, "Pat Payer", "pat@s1.example", primary=True)
    book.contact(s1, "Lee Ledger", None)
    db.connection().execute("UPDATE contact SET phone = '+44 20 7946 0000', role = 'AP clerk' WHERE name = 'Lee Ledger'")
    book.invoice(s1, "S1-1", day(0), 100_000)
    book.invoice(s1, "S1-2", day(20), 55_555)
    book.invoice(s1, "S1-Y", day(10), 700_000, currency="JPY")
    book.pay(s1, day(5), 25_000)
    warn(db, "S1", day(30))
    suspend(db, "S1", day(40))
    book.pay(s1, day(60), 10_000)
    book.invoice(s1, "S1-3", day(130), 9_999)                       # dated day 100, after today: not yet

    r1 = book.account("R1", "Referred Ltd", currency="EUR")
    book.invoice(r1, "R1-1", day(0), 250_000, currency="EUR")
    warn(db, "R1", day(31), by="Dana Director")
    suspend(db, "R1", day(45))
    actions.refer(db, "R1", today=day(90), user="tester", policy=POLICY, approved_by="Wendy Writeoff")

    back = book.account("RE", "Reinstated Inc")
    book.invoice(back, "RE-1", day(0), 10_000)
    warn(db, "RE", day(30))
    suspend(db, "RE", day(40))
    actions.reinstate(db, "RE", today=day(50), user="tester", policy=POLICY)

    w = book.account("W1", "Only Warned")
    book.invoice(w, "W1-1", day(50), 10_000)
    warn(db, "W1", day(85))

    c = book.account("C1", "Current Co")
    book.invoice(c, "C1-1", day(120), 10_000)

    evil = book.account("../evil", "=HYPERLINK(\"http://x\")")
    book.invoice(evil, "E-1", day(0), 42_00)
    warn(db, "../evil", day(30))
    suspend(db, "../evil", day(41))
    db.close()
    return db_path


def run(db_path, *argv: str, today: dt.date = TODAY) -> int:
    return cli.main(["--db", str(db_path), "--today", today.isoformat(), "export", "writeoff", *argv])


def dump(db_path) -> list[str]:
    db = connect(db_path)
    try:
        return list(db.connection().iterdump())
    finally:
        db.close()


def independent(db_path, today: dt.date) -> dict[tuple[str, str], dict[str, str]]:
    """Per (account, currency) of every suspended or referred account: straight from the stored rows."""
    conn = connect(db_path).connection()
    d = today.isoformat()
    out = {}
    suspended = conn.execute("""
        SELECT a.id, a.key, (SELECT e.on_date FROM suspension_event e WHERE e.account_id = a.id
                             AND e.kind IN ('suspension', 'reinstatement') AND e.on_date <= :d
                             ORDER BY e.on_date DESC, e.id DESC LIMIT 1),
               (SELECT e.kind FROM suspension_event e WHERE e.account_id = a.id
                AND e.kind IN ('suspension', 'reinstatement') AND e.on_date <= :d
                ORDER BY e.on_date DESC, e.id DESC LIMIT 1)
        FROM account a""", {"d": d}).fetchall()
    for acct, key, since, kind in suspended:
        if kind != "suspension":
            continue
        referred = conn.execute("SELECT on_date, approved_by FROM suspension_event WHERE account_id = ?"
                                " AND kind = 'referral' AND on_date >= ? AND on_date <= ?", (acct, since, d)).fetchone()
        warning = conn.execute("SELECT on_date, approved_by FROM suspension_event WHERE account_id = ?"
                               " AND kind = 'warning' AND on_date <= ? ORDER BY on_date DESC LIMIT 1",
                               (acct, since)).fetchone()
        susp = conn.execute("SELECT approved_by, rule FROM suspension_event WHERE account_id = ? AND kind = 'suspension'"
                            " AND on_date = ?", (acct, since)).fetchone()
        for cur, balance, overdue in conn.execute("""
                SELECT i.currency,
                       sum(i.amount_minor - coalesce((SELECT sum(x.amount_minor) FROM allocation x
                                                      WHERE x.invoice_id = i.id AND x.applied_on <= :d), 0)),
                       sum(CASE WHEN i.due_date < :d THEN i.amount_minor - coalesce((SELECT sum(x.amount_minor)
                           FROM allocation x WHERE x.invoice_id = i.id AND x.applied_on <= :d), 0) ELSE 0 END)
                FROM invoice i WHERE i.account_id = :a AND i.invoice_date <= :d GROUP BY i.currency""",
                {"d": d, "a": acct}):
            digits = 0 if cur == "JPY" else 2
            out[(key, cur)] = {
                "stage": "referred" if referred else "suspended",
                "balance": str(Decimal(balance).scaleb(-digits)), "overdue": str(Decimal(overdue).scaleb(-digits)),
                "suspended_on": since, "suspension_approved_by": susp[0], "suspension_rule": susp[1],
                "warning_on": warning[0], "warning_approved_by": warning[1],
                "referred_on": referred[0] if referred else "", "referral_approved_by": referred[1] if referred else "",
            }
    conn.close()
    return out


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_file_matches_an_independent_computation(portfolio, tmp_path, capsys):
    out = tmp_path / "writeoff.csv"
    assert run(portfolio, "--out", str(out)) == 0
    assert "3 suspended or referred accounts (4 rows)" in capsys.readouterr().out
    rows = read_csv(out)
    expected = independent(portfolio, TODAY)
    assert {(r["account"].lstrip("'"), r["currency"]) for r in rows} == set(expected) == {
        ("S1", "USD"), ("S1", "JPY"), ("R1", "EUR"), ("../evil", "USD")}
    for r in rows:
        want = expected[(r["account"], r["currency"])]
        for column, value in want.items():
            assert r[column] == value, (r["account"], column)
    s1 = next(r for r in rows if r["account"] == "S1" and r["currency"] == "USD")
    # 1,000.00 - 250.00 - 100.00 on S1-1, plus S1-2 (555.55): 1,205.55; S1-3 is dated after today.
    assert s1["balance"] == "1205.55" and s1["open_items"] == "2" and s1["days_past_due"] == "95"
    assert s1["invoices"] == "S1-1 due 2026-01-01 open 650.00; S1-2 due 2026-01-21 open 555.55"
    assert s1["oldest_due_date"] == "2026-01-01" and s1["referable_from"] == "2026-04-01"
    assert s1["primary_contact"] == "Pat Payer" and s1["contact_email"] == "pat@s1.example"
    assert "Lee Ledger (AP clerk) '+44" not in s1["contacts"] and "+44 20 7946 0000" in s1["contacts"]
    assert s1["calls"] == "0" and s1["last_payment_on"] == "2026-03-02"
    assert "suspended 2026-02-10 (approved by Sam Senior)" in s1["history"]
    r1 = next(r for r in rows if r["account"] == "R1")
    assert r1["stage"] == "referred" and r1["referral_approved_by"] == "Wendy Writeoff" and r1["referable_from"] == ""
    evil = next(r for r in rows if r["account"] == "../evil")
    assert evil["name"] == "'=HYPERLINK(\"http://x\")"         # text, never a formula
    assert list(rows[0]) == [c.name for c in exports.WRITEOFF_COLUMNS]


def test_the_export_is_recorded_and_the_chain_holds(portfolio, tmp_path):
    out = tmp_path / "writeoff.csv"
    assert run(portfolio, "--out", str(out)) == 0
    db = connect(portfolio)
    conn = db.connection()
    (run_id, kind, path, count, up_to), = conn.execute(
        "SELECT id, kind, path, row_count, up_to_audit FROM export_run").fetchall()
    assert (kind, path, count) == ("writeoff", str(out.resolve()), 4)
    logged = conn.execute("SELECT account_id, after FROM audit_log WHERE action = 'export' AND entity_id = ?"
                          " ORDER BY id", (run_id,)).fetchall()
    assert logged[0][0] is None and json.loads(logged[0][1])["accounts"] == ["../evil", "R1", "S1"]
    keys = dict(conn.execute("SELECT id, key FROM account").fetchall())
    assert sorted(keys[a] for a, _ in logged[1:]) == ["../evil", "R1", "S1"]   # each account marks its hand-off
    assert up_to == conn.execute("SELECT max(id) FROM audit_log WHERE action <> 'export'").fetchone()[0]
    assert audit.verify(conn)[1] is None
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    db.close()


def test_the_folder_per_account(portfolio, tmp_path):
    out, folder = tmp_path / "writeoff.csv", tmp_path / "handoff"
    assert run(portfolio, "--out", str(out), "--folder", str(folder)) == 0
    names = sorted(os.listdir(folder))
    assert names[:2] == ["R1", "S1"] and names[2].startswith("_evil-") and len(names) == 3   # "../evil" stays in
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    s1 = folder / "S1"
    assert sorted(os.listdir(s1)) == ["activities.csv", "contacts.csv", "disputes.csv", "handoff.txt", "promises.csv",
                                      "stage_history.csv", "statement.csv", "timeline.csv"]
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in s1.iterdir())
    text = (s1 / "handoff.txt").read_text()
    db = connect(portfolio)
    rule = db.connection().execute("SELECT rule FROM suspension_event e JOIN account a ON a.id = e.account_id"
                                   " WHERE a.key = 'S1' AND e.kind = 'suspension'").fetchone()[0]
    db.close()
    assert rule and rule in text and "Sam Senior" in text and "APR-7" in text
    steps = read_csv(s1 / "timeline.csv")
    assert [(s["date"], s["step"], s["approved_by"]) for s in steps] == [
        ("2026-01-31", "warning", "Dana Director"), ("2026-02-10", "suspension", "Sam Senior")]
    statement = read_csv(s1 / "statement.csv")
    usd = [s for s in statement if s["currency"] == "USD"]
    assert usd[-1]["balance"] == "1205.55"                # the running balance ends on what is owed
    assert [(s["type"], s["date"]) for s in usd] == [("invoice", "2025-12-02"), ("invoice", "2025-12-22"),
                                                   ("payment", "2026-01-06"), ("payment", "2026-03-02")]
    activities = read_csv(s1 / "activities.csv")
    assert [(a["channel"], a["outcome"]) for a in activities] == [("letter", "sent")]   # the warning letter
    history = read_csv(s1 / "stage_history.csv")
    assert history[-1]["stage"] == "suspended" and history[-1]["from"] == "2026-02-10"
    r1 = read_csv(folder / "R1" / "timeline.csv")
    assert [s["step"] for s in r1] == ["warning", "suspension", "referral"]


def test_xlsx_read_back(portfolio, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "writeoff.xlsx"
    assert run(portfolio, "--format", "xlsx", "--out", str(out)) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Accounts", "Invoices", "Contacts", "Timeline", "About"]
    ws = wb["Accounts"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:AH5"
    header = [c.value for c in ws[1]]
    by = {(ws.cell(r, 1).value, ws.cell(r, 4).value): r for r in range(2, ws.max_row + 1)}
    row = by[("S1", "JPY")]
    balance = ws.cell(row, header.index("balance") + 1)
    assert balance.value == 700000 and balance.number_format == "#,##0" and balance.data_type == "n"
    usd = by[("S1", "USD")]
    assert ws.cell(usd, header.index("balance") + 1).value == pytest.approx(1205.55)
    assert ws.cell(usd, header.index("balance") + 1).number_format == "#,##0.00"
    suspended = ws.cell(usd, header.index("suspended_on") + 1)
    assert suspended.is_date and suspended.value == dt.datetime(2026, 2, 10)
    evil = by[("../evil", "USD")]
    assert ws.cell(evil, 2).value == "'=HYPERLINK(\"http://x\")" and ws.cell(evil, 2).data_type == "s"
    invoices = list(wb["Invoices"].iter_rows(min_row=2, values_only=True))
    assert ("S1", "Suspended & Sons", "S1-2") == invoices[[r[2] for r in invoices].index("S1-2")][:3]


def test_no_account_to_hand_off_still_writes_the_header(db, db_path, tmp_path, capsys):
    db.close()
    out = tmp_path / "empty.csv"
    assert run(db_path, "--out", str(out)) == 0
    assert out.read_text().splitlines() == [",".join(c.name for c in exports.WRITEOFF_COLUMNS)]
    assert "0 suspended or referred accounts" in capsys.readouterr().out


def test_a_non_empty_folder_is_exit_2_and_nothing_is_written(portfolio, tmp_path, capsys):
    folder = tmp_path / "handoff"
    folder.mkdir()
    (folder / "old.txt").write_text("a previous hand-off")
    out = tmp_path / "writeoff.csv"
    before = dump(portfolio)
    capsys.readouterr()
    assert run(portfolio, "--out", str(out), "--folder", str(folder)) == 2
    err = capsys.readouterr()
    assert "not empty" in err.err and err.out == "" and "Traceback" not in err.err
    assert not out.exists() and os.listdir(folder) == ["old.txt"]
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert dump(portfolio) == before


@pytest.mark.parametrize("argv", [[], ["--out", "x.csv", "--format", "pdf"]])
def test_usage_errors_are_exit_2(portfolio, capsys, argv):
    with pytest.raises(SystemExit) as e:
        run(portfolio, *argv)
    assert e.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_out_in_a_missing_folder_is_exit_2(portfolio, tmp_path, capsys):
    before = dump(portfolio)
    assert run(portfolio, "--out", str(tmp_path / "no" / "w.csv")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert dump(portfolio) == before


def test_as_of_an_earlier_day_the_referral_has_not_happened(portfolio, tmp_path):
    out = tmp_path / "w.csv"
    assert run(portfolio, "--out", str(out), today=day(60)) == 0
    rows = {(r["account"], r["currency"]): r for r in read_csv(out)}
    assert rows[("R1", "EUR")]["stage"] == "suspended" and rows[("R1", "EUR")]["referred_on"] == ""
    assert ("RE", "USD") not in rows                                    # reinstated on day 50
    expected = independent(portfolio, day(60))
    assert {k: v["balance"] for k, v in expected.items()} == {
        (k[0].lstrip("'"), k[1]): r["balance"] for k, r in rows.items()}
