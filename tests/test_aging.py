"""Aging as of a date (CONTRACT `report aging`): buckets, open amounts, currencies, output formats."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import stat
from decimal import Decimal

import pytest

from arcollect_tui import ledger
from arcollect_tui.cli import main
from arcollect_tui.services.reports import aging

TODAY = dt.date(2026, 3, 2)


class Book:
    """Builds ledger rows with the raw connection, the way the importer will (allocations included)."""

    def __init__(self, db):
        self.db = db
        self.conn = db.connection()
        self.n = 0

    def account(self, key: str, name: str | None = None, currency: str | None = None) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO account (key, name, currency, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x')",
                (key, name or f"Name of {key}", currency)).lastrowid

    def invoice(self, acct: int, due: dt.date, minor: int, *, currency: str = "USD", dated: dt.date | None = None,
                number: str | None = None) -> int:
        self.n += 1
        dated = dated or min(due, TODAY) - dt.timedelta(days=30)
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO invoice (account_id, number, kind, invoice_date, due_date, currency, amount_minor,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'x')",
                (acct, number or f"INV{self.n:04d}", "credit_note" if minor < 0 else "invoice", dated.isoformat(),
                 due.isoformat(), currency, minor)).lastrowid

    def pay(self, acct: int, on: dt.date, minor: int, *, currency: str = "USD", invoice: int | None = None) -> None:
        self.n += 1
        with self.db.atomic():
            pid = self.conn.execute(
                "INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'x')", (acct, on.isoformat(), currency, minor, f"p{self.n}")).lastrowid
            ledger.allocate_payment(self.conn, payment_id=pid, account_id=acct, paid_on=on, currency=currency,
                                    amount_minor=minor, invoice_id=invoice, created_at="x")

    def apply_credit(self, credit_note: int, invoice: int, on: dt.date, minor: int) -> None:
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO allocation (invoice_id, credit_note_id, applied_on, amount_minor, created_at)"
                " VALUES (?, ?, ?, ?, 'x')", (invoice, credit_note, on.isoformat(), minor))
            ledger.recompute_settled(self.conn, [invoice, credit_note])

    def dispute(self, acct: int, invoice: int | None, minor: int, opened: dt.date, *,
                resolved: dt.date | None = None, currency: str = "USD") -> None:
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, status, opened_on,"
                " resolved_on, user, created_at) VALUES (?, ?, ?, ?, 'pricing', ?, ?, ?, 't', 'x')",
                (acct, invoice, currency, minor, "withdrawn" if resolved else "open", opened.isoformat(),
                 resolved.isoformat() if resolved else None))


def days(n: int) -> dt.date:
    """The due date that is `n` days past due as of TODAY (negative: not yet due)."""
    return TODAY - dt.timedelta(days=n)


def entry(report, key: str, currency: str = "USD") -> dict:
    found = [a for a in report.to_json()["accounts"] if a["account"] == key and a["currency"] == currency]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def book(db):
    return Book(db)


# --- buckets -------------------------------------------------------------------------------


@pytest.mark.parametrize("dpd, bucket", [
    (-1, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "91+"), (400, "91+"),
])
def test_each_invoice_falls_in_the_bucket_of_its_own_days_past_due(db, book, dpd, bucket):
    a = book.account("A")
    book.invoice(a, days(dpd), 12345)
    e = entry(aging(db, TODAY), "A")
    assert e[bucket] == "123.45" and e["total"] == "123.45"
    assert all(e[b] == "0.00" for b in ("current", "1-30", "31-60", "61-90", "91+") if b != bucket)


def test_boundaries_together_sum_per_bucket(db, book):
    a = book.account("A")
    for n, minor in [(0, 1), (1, 10), (30, 100), (31, 1000), (60, 10000), (61, 100000), (90, 1000000),
                     (91, 10000000)]:
        book.invoice(a, days(n), minor)
    e = entry(aging(db, TODAY), "A")
    assert (e["current"], e["1-30"], e["31-60"], e["61-90"], e["91+"]) == (
        "0.01", "1.10", "110.00", "11000.00", "100000.00")
    assert e["total"] == "111111.11"


# --- what is open as of today ----------------------------------------------------------------


def test_partial_payments_leave_the_rest_open(db, book):
    a = book.account("A")
    old = book.invoice(a, days(45), 100000)
    book.invoice(a, days(5), 50000)
    book.pay(a, days(20), 30050)                       # oldest first: 300.50 off the 45-day invoice
    book.pay(a, days(2), 20000, invoice=old)           # and 200.00 more on it
    e = entry(aging(db, TODAY), "A")
    assert e["31-60"] == "499.50" and e["1-30"] == "500.00" and e["total"] == "999.50"


def test_a_payment_dated_after_today_has_not_happened(db, book):
    a = book.account("A")
    book.invoice(a, days(10), 10000)
    book.pay(a, TODAY + dt.timedelta(days=1), 10000)
    assert entry(aging(db, TODAY), "A")["1-30"] == "100.00"
    assert aging(db, TODAY + dt.timedelta(days=1)).accounts == ()
    assert entry(aging(db, TODAY - dt.timedelta(days=5)), "A")["1-30"] == "100.00"   # 5 dpd then


def test_an_invoice_dated_after_today_does_not_exist(db, book):
    a = book.account("A")
    book.invoice(a, TODAY + dt.timedelta(days=30), 10000, dated=TODAY + dt.timedelta(days=1))
    report = aging(db, TODAY)
    assert report.accounts == () and report.totals == ()
    assert entry(aging(db, TODAY + dt.timedelta(days=1)), "A")["current"] == "100.00"


def test_settled_items_are_left_out_and_reappear_as_of_an_earlier_date(db, book):
    a = book.account("A")
    book.invoice(a, days(40), 10000)
    book.pay(a, days(3), 10000)
    assert aging(db, TODAY).accounts == ()
    assert entry(aging(db, days(4)), "A")["31-60"] == "100.00"  # 36 dpd as of four days ago


def test_credit_notes_count_negative_in_their_own_bucket(db, book):
    a = book.account("A")
    book.invoice(a, days(70), 20000)
    book.invoice(a, days(10), -5000)                   # an open credit note, 10 days past its date
    e = entry(aging(db, TODAY), "A")
    assert e["61-90"] == "200.00" and e["1-30"] == "-50.00" and e["total"] == "150.00"


def test_a_credit_note_applied_to_an_invoice_reduces_both(db, book):
    a = book.account("A")
    inv = book.invoice(a, days(70), 20000)
    cn = book.invoice(a, days(10), -8000)
    book.apply_credit(cn, inv, days(5), 5000)           # 50.00 of the 80.00 credit used
    e = entry(aging(db, TODAY), "A")
    assert e["61-90"] == "150.00" and e["1-30"] == "-30.00" and e["total"] == "120.00"
    before = entry(aging(db, days(6)), "A")             # not yet applied six days ago
    assert before["61-90"] == "200.00" and before["1-30"] == "-80.00"


def test_jpy_has_no_minor_digits_and_bhd_three(db, book):
    a = book.account("J")
    book.invoice(a, days(3), 120000, currency="JPY")
    b = book.account("B")
    book.invoice(b, days(100), 12345, currency="BHD")
    book.invoice(b, days(-3), 5, currency="BHD")
    report = aging(db, TODAY)
    j, bh = entry(report, "J", "JPY"), entry(report, "B", "BHD")
    assert j["1-30"] == "120000" and j["current"] == "0" and j["total"] == "120000"
    assert bh["91+"] == "12.345" and bh["current"] == "0.005" and bh["total"] == "12.350"


def test_totals_are_per_currency_and_never_mixed(db, book):
    a, b, c = book.account("A"), book.account("B"), book.account("C")
    book.invoice(a, days(5), 10010)
    book.invoice(b, days(50), 20020)
    book.invoice(b, days(50), 70000, currency="EUR")
    book.invoice(c, days(-10), 99, currency="EUR")
    book.invoice(c, days(200), 5000, currency="JPY")
    data = aging(db, TODAY).to_json()
    assert [t["currency"] for t in data["totals"]] == ["EUR", "JPY", "USD"]
    eur, jpy, usd = data["totals"]
    assert (eur["current"], eur["31-60"], eur["total"]) == ("0.99", "700.00", "700.99")
    assert (jpy["91+"], jpy["total"]) == ("5000", "5000")
    assert (usd["1-30"], usd["31-60"], usd["total"]) == ("100.10", "200.20", "300.30")
    assert [(x["account"], x["currency"]) for x in data["accounts"]] == [
        ("A", "USD"), ("B", "EUR"), ("B", "USD"), ("C", "EUR"), ("C", "JPY")]


def test_json_has_exactly_the_contract_keys_plus_disputed(db, book):
    a = book.account("A", "Acme")
    book.invoice(a, days(5), 100)
    data = aging(db, TODAY).to_json()
    assert set(data) == {"as_of", "totals", "accounts"} and data["as_of"] == "2026-03-02"
    buckets = ["current", "1-30", "31-60", "61-90", "91+", "total"]
    assert list(data["totals"][0]) == ["currency", *buckets, "disputed"]
    assert list(data["accounts"][0]) == ["account", "name", "currency", *buckets, "disputed"]
    assert data["accounts"][0]["name"] == "Acme"


def test_disputed_amounts_are_shown_apart_as_of_today(db, book):
    a = book.account("A")
    inv = book.invoice(a, days(40), 10000)
    small = book.invoice(a, days(40), 2000)
    book.dispute(a, inv, 2500, days(20))                         # open
    book.dispute(a, inv, 1000, days(20), resolved=days(1))       # withdrawn yesterday
    book.dispute(a, small, 9999, days(20))                       # more than is open: capped at 20.00
    book.dispute(a, None, 7000, days(20))                        # not tied to an invoice: no item to set apart
    e = entry(aging(db, TODAY), "A")
    assert e["disputed"] == "45.00" and e["31-60"] == "120.00"   # still in its bucket
    assert entry(aging(db, days(2)), "A")["disputed"] == "55.00"  # before the withdrawal
    assert entry(aging(db, days(21)), "A")["disputed"] == "0.00"  # before any dispute


def test_independent_computation_agrees_to_the_cent(db, book):
    """Random ledgers against a straightforward recomputation from the stored rows."""
    rnd = random.Random(7)
    keys = []
    for k in range(12):
        acct = book.account(f"K{k:02d}")
        keys.append(acct)
        for _ in range(rnd.randrange(1, 9)):
            cur = rnd.choice(["USD", "JPY", "BHD"])
            book.invoice(acct, TODAY + dt.timedelta(days=rnd.randrange(-200, 60)),
                         rnd.randrange(1, 500000) * (-1 if rnd.random() < 0.1 else 1), currency=cur,
                         dated=TODAY + dt.timedelta(days=rnd.randrange(-240, 20)))
        for _ in range(rnd.randrange(0, 6)):
            book.pay(acct, TODAY + dt.timedelta(days=rnd.randrange(-150, 30)), rnd.randrange(1, 400000),
                     currency=rnd.choice(["USD", "JPY", "BHD"]))
    conn = db.connection()
    invoices = conn.execute("SELECT id, account_id, invoice_date, due_date, currency, amount_minor, kind"
                            " FROM invoice").fetchall()
    allocations = conn.execute("SELECT invoice_id, credit_note_id, applied_on, amount_minor FROM allocation").fetchall()
    key_of = dict(conn.execute("SELECT id, key FROM account").fetchall())
    exp = {"USD": 2, "JPY": 0, "BHD": 3}
    for as_of in [TODAY + dt.timedelta(days=n) for n in (-120, -31, -1, 0, 1, 45)]:
        expected: dict[tuple[str, str], dict[str, int]] = {}
        for iid, acct, dated, due, cur, amount, kind in invoices:
            if dt.date.fromisoformat(dated) > as_of:
                continue
            applied = sum(m for inv, cn, on, m in allocations
                          if (inv == iid if kind == "invoice" else cn == iid) and dt.date.fromisoformat(on) <= as_of)
            open_minor = amount - applied if kind == "invoice" else amount + applied
            if open_minor == 0:
                continue
            dpd = (as_of - dt.date.fromisoformat(due)).days
            bucket = ("current" if dpd <= 0 else "1-30" if dpd <= 30 else "31-60" if dpd <= 60
                      else "61-90" if dpd <= 90 else "91+")
            e = expected.setdefault((key_of[acct], cur), {})
            e[bucket] = e.get(bucket, 0) + open_minor
            e["total"] = e.get("total", 0) + open_minor
        got = {(x["account"], x["currency"]): x for x in aging(db, as_of).to_json()["accounts"]}
        assert set(got) == set(expected)
        for (key, cur), sums in expected.items():
            for name in ("current", "1-30", "31-60", "61-90", "91+", "total"):
                assert Decimal(got[key, cur][name]) == Decimal(sums.get(name, 0)).scaleb(-exp[cur]), (as_of, key, name)
                assert len(got[key, cur][name].partition(".")[2]) == exp[cur]


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def portfolio(db, book, db_path):
    a = book.account("0042", "=HYPERLINK(\"http://x\")")
    book.invoice(a, days(10), 123456)
    book.invoice(a, days(95), 5000, currency="JPY")
    b = book.account("B-7", "Smith [/] & Sons")
    book.invoice(b, days(-5), 1, currency="BHD")
    db.close()
    return db_path


def run(db_path, *argv: str) -> int:
    return main(["--db", str(db_path), "--today", TODAY.isoformat(), "report", "aging", *argv])


def test_report_aging_json_on_stdout(portfolio, capsys):
    assert run(portfolio, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["accounts"][0]["account"] == "0042" and data["accounts"][0]["currency"] == "JPY"
    assert data["accounts"][0]["91+"] == "5000"
    assert {t["currency"]: t["total"] for t in data["totals"]} == {"BHD": "0.001", "JPY": "5000", "USD": "1234.56"}


def test_report_aging_csv_guards_formula_looking_cells(portfolio, capsys):
    assert run(portfolio, "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "account,name,currency,current,1-30,31-60,61-90,91+,total,disputed"
    assert lines[1].startswith("0042,\"'=HYPERLINK(\"\"http://x\"\")\",JPY,0,0,0,0,5000,5000,0")
    assert "B-7,Smith [/] & Sons,BHD,0.001,0.000,0.000,0.000,0.000,0.001,0.000" in lines
    assert len(lines) == 4  # header + one row per (account, currency); no total rows


def test_report_aging_table_is_the_default(portfolio, capsys):
    assert run(portfolio) == 0
    out = capsys.readouterr().out
    assert "Aging as of 2026-03-02" in out and "1,234.56" in out and "Smith [/] & Sons" in out
    assert out.rstrip().splitlines()[-1].split()[:2] == ["Total", "USD"]


def test_report_aging_xlsx(portfolio, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "aging.xlsx"
    assert run(portfolio, "--format", "xlsx", "--out", str(out)) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == sorted(["aging.xlsx", "arcollect.db", *[
        n for n in os.listdir(tmp_path) if n.startswith("arcollect.db-")]])  # no temporary file left
    wb = openpyxl.load_workbook(out)
    ws = wb["Aging"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("account", "name", "currency", "current", "1-30", "31-60", "61-90", "91+", "total", "disputed")
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J4"
    key, name = ws["A2"], ws["B2"]
    assert key.value == "0042" and key.data_type == "s"           # leading zeros kept: text
    assert name.value == "'=HYPERLINK(\"http://x\")" and name.data_type == "s"  # text, not a formula
    jpy_91, usd_1_30, bhd_current = ws["H2"], ws["E3"], ws["D4"]
    assert ws["C2"].value == "JPY" and jpy_91.value == 5000 and jpy_91.number_format == "#,##0"
    assert ws["C3"].value == "USD" and usd_1_30.value == pytest.approx(1234.56)
    assert usd_1_30.data_type == "n" and usd_1_30.number_format == "#,##0.00"
    assert ws["C4"].value == "BHD" and bhd_current.number_format == "#,##0.000"
    assert ws.column_dimensions["B"].width > 10
    totals = list(wb["Totals"].iter_rows(values_only=True))
    assert totals[0][:3] == ("as_of", "currency", "current")
    assert [r[1] for r in totals[1:]] == ["BHD", "JPY", "USD"] and totals[1][0] == "2026-03-02"


def test_report_aging_out_replaces_atomically_with_mode_0600(portfolio, tmp_path):
    out = tmp_path / "aging.json"
    out.write_text("old")
    os.chmod(out, 0o644)
    assert run(portfolio, "--format", "json", "--out", str(out)) == 0
    assert json.loads(out.read_text())["as_of"] == "2026-03-02"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_xlsx_needs_out(portfolio, capsys):
    assert run(portfolio, "--format", "xlsx") == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err


def test_out_in_a_missing_folder_is_exit_2_and_writes_nothing(portfolio, tmp_path, capsys):
    assert run(portfolio, "--format", "csv", "--out", str(tmp_path / "no" / "such.csv")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_report_needs_a_report_name(db_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--db", str(db_path), "report"])
    assert e.value.code == 2
    assert "REPORT" in capsys.readouterr().err


# --- the IBM sample, loaded directly (the importer has its own tests) --------------------------


def _us_date(text: str) -> dt.date:
    m, d, y = (int(p) for p in text.split("/"))
    return dt.date(y, m, d)


def test_ibm_sample_aging_matches_an_independent_computation(db, ibm_csv):
    import csv

    with open(ibm_csv, newline="", encoding="ascii") as fh:
        rows = list(csv.DictReader(fh))
    conn = db.connection()
    with db.atomic():
        keys = sorted({r["customerID"] for r in rows})
        conn.executemany("INSERT INTO account (key, name, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                         [(k, k) for k in keys])
        ids = dict(conn.execute("SELECT key, id FROM account").fetchall())
        for n, r in enumerate(rows, start=1):
            minor = int(Decimal(r["InvoiceAmount"]) * 100)
            iid = conn.execute(
                "INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
                " VALUES (?, ?, ?, ?, 'USD', ?, 'x')",
                (ids[r["customerID"]], r["invoiceNumber"], _us_date(r["InvoiceDate"]).isoformat(),
                 _us_date(r["DueDate"]).isoformat(), minor)).lastrowid
            paid = _us_date(r["SettledDate"]).isoformat()
            pid = conn.execute("INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, created_at)"
                               " VALUES (?, ?, 'USD', ?, ?, 'x')", (ids[r["customerID"]], paid, minor, f"s{n}")).lastrowid
            conn.execute("INSERT INTO allocation (invoice_id, payment_id, applied_on, amount_minor, created_at)"
                         " VALUES (?, ?, ?, ?, 'x')", (iid, pid, paid, minor))
        ledger.recompute_settled(conn)
    for as_of in (dt.date(2012, 6, 30), dt.date(2013, 1, 1), dt.date(2013, 9, 15), dt.date(2013, 12, 31)):
        expected: dict[str, dict[str, Decimal]] = {}
        for r in rows:
            if _us_date(r["InvoiceDate"]) > as_of or _us_date(r["SettledDate"]) <= as_of:
                continue
            dpd = (as_of - _us_date(r["DueDate"])).days
            bucket = ("current" if dpd <= 0 else "1-30" if dpd <= 30 else "31-60" if dpd <= 60
                      else "61-90" if dpd <= 90 else "91+")
            e = expected.setdefault(r["customerID"], {})
            e[bucket] = e.get(bucket, Decimal(0)) + Decimal(r["InvoiceAmount"])
            e["total"] = e.get("total", Decimal(0)) + Decimal(r["InvoiceAmount"])
        got = {a["account"]: a for a in aging(db, as_of).to_json()["accounts"]}
        assert set(got) == set(expected) and expected
        for key, sums in expected.items():
            for name in ("current", "1-30", "31-60", "61-90", "91+", "total"):
                assert Decimal(got[key][name]) == sums.get(name, Decimal(0)), (as_of, key, name)
