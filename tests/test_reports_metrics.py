"""Period reports on hand-built portfolios (services/reports.py): every figure below was worked out
by hand in the comments next to it, each formula at least once with non-trivial numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from arcollect_tui import ledger
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError
from arcollect_tui.services import reports
from arcollect_tui.services.facts import load_facts
from arcollect_tui.services.reports import Period, month_back, period
from arcollect_tui.timeline import stage_history

POLICY = Policy()
D = dt.date


class Book:
    """Ledger rows straight into the store (as the importer leaves them), allocations included."""

    def __init__(self, db):
        self.db = db
        self.conn = db.connection()
        self.n = 0

    def account(self, key: str, name: str | None = None, currency: str | None = None) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO account (key, name, currency, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x')",
                (key, name or f"Name of {key}", currency)).lastrowid

    def invoice(self, acct: int, dated: dt.date, due: dt.date, minor: int, currency: str = "USD",
                number: str | None = None) -> int:
        self.n += 1
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO invoice (account_id, number, kind, invoice_date, due_date, currency, amount_minor,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'x')",
                (acct, number or f"INV{self.n:04d}", "credit_note" if minor < 0 else "invoice", dated.isoformat(),
                 due.isoformat(), currency, minor)).lastrowid

    def pay(self, acct: int, on: dt.date, minor: int, currency: str = "USD", invoice: int | None = None) -> None:
        self.n += 1
        with self.db.atomic():
            pid = self.conn.execute(
                "INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'x')", (acct, on.isoformat(), currency, minor, f"p{self.n}")).lastrowid
            ledger.allocate_payment(self.conn, payment_id=pid, account_id=acct, paid_on=on, currency=currency,
                                    amount_minor=minor, invoice_id=invoice, created_at="x")

    def promise(self, acct: int, made: dt.date, pay_by: dt.date, minor: int, currency: str = "USD",
                cancelled: dt.date | None = None, activity: int | None = None) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO promise (account_id, activity_id, made_on, pay_by, currency, amount_minor, cancelled_on,"
                " user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'tester', 'x')",
                (acct, activity, made.isoformat(), pay_by.isoformat(), currency, minor,
                 cancelled.isoformat() if cancelled else None)).lastrowid

    def activity(self, acct: int, on: dt.date, channel: str = "call", outcome: str | None = None,
                 note: str | None = None, contact: int | None = None) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO activity (account_id, contact_id, occurred_on, occurred_at, channel, outcome, note, user,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'tester', 'x')",
                (acct, contact, on.isoformat(), on.isoformat() + "T10:00:00Z", channel, outcome, note)).lastrowid

    def dispute(self, acct: int, minor: int, opened: dt.date, *, reason: str = "pricing", owner: str | None = None,
                resolved: dt.date | None = None, currency: str = "USD", invoice: int | None = None,
                team: str = "billing") -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, routed_to, owner, status,"
                " opened_on, resolved_on, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'tester', 'x')",
                (acct, invoice, currency, minor, reason, team, owner, "resolved_valid" if resolved else "open",
                 opened.isoformat(), resolved.isoformat() if resolved else None)).lastrowid

    def step(self, acct: int, kind: str, on: dt.date, approved_by: str | None = "Boss", rule: str | None = None) -> None:
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO suspension_event (account_id, kind, on_date, approved_by, rule, user, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'tester', 'x')", (acct, kind, on.isoformat(), approved_by, rule))


@pytest.fixture
def book(db) -> Book:
    return Book(db)


def line(lines, currency: str):
    found = [x for x in lines if x.currency == currency]
    assert len(found) == 1, lines
    return found[0]


# --- periods ----------------------------------------------------------------------------------


def test_default_period_is_the_three_months_ending_on_today():
    assert period(D(2026, 3, 2)) == Period(D(2025, 12, 3), D(2026, 3, 2))
    assert period(D(2026, 3, 31)) == Period(D(2026, 1, 1), D(2026, 3, 31))   # a calendar quarter
    assert period(D(2026, 2, 28)) == Period(D(2025, 12, 1), D(2026, 2, 28))  # month ends walk calendar months
    assert period(D(2026, 3, 31), end=D(2025, 12, 31)).start == D(2025, 10, 1)
    assert Period(D(2026, 1, 1), D(2026, 3, 31)).days == 90
    assert Period(D(2026, 1, 1), D(2026, 3, 31)).months == Decimal("3.00")
    assert Period(D(2025, 12, 3), D(2026, 3, 2)).months == Decimal("3.00")
    assert Period(D(2026, 3, 17), D(2026, 3, 31)).months == Decimal("0.48")  # 15 of March's 31 days


def test_month_back_keeps_month_ends_on_month_ends():
    assert [month_back(D(2026, 3, 31), k) for k in range(4)] == [D(2026, 3, 31), D(2026, 2, 28), D(2026, 1, 31),
                                                                  D(2025, 12, 31)]
    assert month_back(D(2024, 2, 29), 1) == D(2024, 1, 31)
    assert month_back(D(2026, 3, 15), 1) == D(2026, 2, 15)


def test_a_period_after_today_or_inside_out_is_bad_input():
    with pytest.raises(InputError) as e:
        period(D(2026, 3, 2), end=D(2026, 3, 3))
    assert "--to: 2026-03-03" in str(e.value) and "--today" in str(e.value)
    with pytest.raises(InputError) as e:
        period(D(2026, 3, 2), start=D(2026, 3, 2), end=D(2026, 3, 1))
    assert "--from: 2026-03-02" in str(e.value)


# --- DSO --------------------------------------------------------------------------------------

Q1 = Period(D(2026, 1, 1), D(2026, 3, 31))   # 31 + 28 + 31 = 90 days


@pytest.fixture
def dso_book(book):
    a = book.account("A")
    i1 = book.invoice(a, D(2025, 12, 10), D(2026, 1, 9), 300000)   # before the period, paid in it
    book.pay(a, D(2026, 1, 20), 300000, invoice=i1)
    book.invoice(a, D(2026, 1, 15), D(2026, 2, 14), 400000)         # 4,000.00 ...
    book.pay(a, D(2026, 2, 20), 150000)                             # ... 2,500.00 left, overdue at the end
    book.invoice(a, D(2026, 2, 10), D(2026, 3, 12), 250000)         # 2,500.00 overdue at the end
    book.invoice(a, D(2026, 3, 5), D(2026, 4, 4), 330000)           # 3,300.00 current
    book.invoice(a, D(2026, 3, 20), D(2026, 4, 19), 120000)         # 1,200.00 current
    book.invoice(a, D(2026, 3, 25), D(2026, 3, 25), -20000)         # a -200.00 credit note, open, 6 days old
    b = book.account("B")
    book.invoice(b, D(2026, 2, 1), D(2026, 3, 3), 120000, currency="JPY")
    book.pay(b, D(2026, 3, 10), 20000, currency="JPY")              # 100,000 JPY left
    c = book.account("C")
    book.invoice(c, D(2025, 11, 1), D(2025, 12, 1), 50000, currency="EUR")  # AR but no sales in the period
    return book


def test_dso_standard_countback_best_possible_and_average_days_delinquent(db, dso_book):
    r = reports.dso(db, D(2026, 3, 31), Q1)
    usd = line(r.lines, "USD")
    # Net credit sales: 4,000 + 2,500 + 3,300 + 1,200 - 200 = 10,800.00; AR at the end: 2,500 + 2,500
    # + 3,300 + 1,200 - 200 = 9,300.00; current: 3,300 + 1,200 = 4,500.00.
    assert (usd.credit_sales, usd.ar_end, usd.current_ar_end) == (Decimal("10800.00"), Decimal("9300.00"),
                                                                  Decimal("4500.00"))
    assert usd.dso == Decimal("77.5")                  # 9,300 / 10,800 x 90
    assert usd.best_possible == Decimal("37.5")        # 4,500 / 10,800 x 90
    assert usd.average_days_delinquent == Decimal("40.0")
    # Countback: March's 4,300 net sales leave 5,000 (31 days), February's 2,500 leave 2,500 (28 days),
    # January's 4,000 cover the rest: 2,500 / 4,000 x 31 = 19.375 -> 31 + 28 + 19.375 = 78.375.
    assert usd.countback == Decimal("78.4")
    assert [(m.start, m.end, m.sales, m.ar_before) for m in usd.months] == [
        (D(2026, 3, 1), D(2026, 3, 31), Decimal("4300.00"), Decimal("9300.00")),
        (D(2026, 2, 1), D(2026, 2, 28), Decimal("2500.00"), Decimal("5000.00")),
        (D(2026, 1, 1), D(2026, 1, 31), Decimal("4000.00"), Decimal("2500.00"))]
    assert usd.months[-1].days_counted == Decimal("19.375")

    jpy = line(r.lines, "JPY")
    assert (jpy.credit_sales, jpy.ar_end, jpy.current_ar_end) == (Decimal("120000"), Decimal("100000"), Decimal("0"))
    assert (jpy.dso, jpy.best_possible, jpy.average_days_delinquent) == (Decimal("75.0"), Decimal("0.0"),
                                                                         Decimal("75.0"))
    # March has no JPY sales (31 days); February's 120,000 cover 100,000: 28 x 100/120 = 23.33.
    assert jpy.countback == Decimal("54.3")

    eur = line(r.lines, "EUR")                         # AR without sales: no standard DSO
    assert eur.dso is None and eur.best_possible is None and eur.average_days_delinquent is None
    assert eur.countback == Decimal("151.0")           # Mar, Feb, Jan, Dec empty; November covers it all: 30 days
    assert len(eur.months) == 5


def test_dso_json_and_tables(db, dso_book):
    r = reports.dso(db, D(2026, 3, 31), Q1)
    data = r.to_json()
    assert data["report"] == "dso" and data["as_of"] == "2026-03-31"
    assert data["period"] == {"from": "2026-01-01", "to": "2026-03-31", "days": 90}
    assert "not divided" not in data["formula"] and "countback" in data["formula"]
    usd = next(x for x in data["dso"] if x["currency"] == "USD")
    assert usd["dso_standard"] == "77.5" and usd["ar_end"] == "9300.00" and usd["days"] == 90
    eur = next(x for x in data["dso"] if x["currency"] == "EUR")
    assert eur["dso_standard"] is None and eur["credit_sales"] == "0.00"
    jpy = next(x for x in data["dso"] if x["currency"] == "JPY")
    assert jpy["ar_end"] == "100000"
    assert [t.key for t in r.tables()] == ["dso", "countback"]


# --- CEI --------------------------------------------------------------------------------------


@pytest.fixture
def cei_book(book):
    """creditguru's Jan-Mar example: opening AR 6,200, sales 10,890 (3,390 + 3,610 + 3,890), closing AR
    6,340 of which 3,590 current."""
    c = book.account("C")
    book.invoice(c, D(2025, 12, 1), D(2025, 12, 31), 620000)                     # the opening AR
    book.invoice(c, D(2026, 1, 10), D(2026, 2, 9), 339000)
    s2 = book.invoice(c, D(2026, 2, 10), D(2026, 3, 12), 361000)
    s3 = book.invoice(c, D(2026, 3, 10), D(2026, 4, 9), 389000)
    book.pay(c, D(2026, 1, 15), 620000)                                          # the opening invoice
    book.pay(c, D(2026, 2, 15), 339000)                                          # January's
    book.pay(c, D(2026, 3, 20), 86000, invoice=s2)                               # 2,750.00 left, overdue
    book.pay(c, D(2026, 3, 25), 30000, invoice=s3)                               # 3,590.00 left, current
    return book


def test_cei_on_creditguru_example_is_79_6_and_the_per_month_variant_55_9(db, cei_book):
    r = reports.cei(db, D(2026, 3, 31), Q1)
    (x,) = r.lines
    assert (x.opening_ar, x.credit_sales, x.closing_ar, x.closing_current_ar) == (
        Decimal("6200.00"), Decimal("10890.00"), Decimal("6340.00"), Decimal("3590.00"))
    assert x.collected == Decimal("10750.00")          # 6,200 + 10,890 - 6,340: exactly the payments
    assert x.collectible == Decimal("13500.00")        # 6,200 + 10,890 - 3,590
    assert x.cei == Decimal("79.6")                    # 10,750 / 13,500 = 79.63 %
    assert x.months == Decimal("3.00")
    assert x.cei_sales_per_month == Decimal("55.9")    # (6,200 + 3,630 - 6,340) / (6,200 + 3,630 - 3,590)
    data = r.to_json()
    assert data["cei"][0]["cei"] == "79.6" and data["cei"][0]["cei_sales_per_month"] == "55.9"
    assert "NOT divided by the number of months" in data["formula"] and "79.6%" in data["formula"]


def test_cei_numerator_equals_cash_applied_in_the_period(db, cei_book):
    (x,) = reports.cei(db, D(2026, 3, 31), Q1).lines
    applied = db.connection().execute(
        "SELECT sum(amount_minor) FROM allocation WHERE payment_id IS NOT NULL AND applied_on BETWEEN ? AND ?",
        ("2026-01-01", "2026-03-31")).fetchone()[0]
    assert x.collected == Decimal(applied) / 100


# --- cash -------------------------------------------------------------------------------------


def test_cash_against_the_overdue_at_the_start(db, book):
    d = book.account("D")
    book.invoice(d, D(2025, 12, 1), D(2025, 12, 31), 100000)           # X1 1,000.00
    book.invoice(d, D(2026, 1, 10), D(2026, 2, 9), 200000)             # X2 2,000.00
    x3 = book.invoice(d, D(2026, 2, 1), D(2026, 3, 3), 150000)         # X3 not yet due at the start
    book.invoice(d, D(2026, 1, 20), D(2026, 1, 20), -10000)            # an open -100.00 credit note
    book.pay(d, D(2026, 2, 20), 60000)                                 # before the period: X1 has 400.00 left
    book.pay(d, D(2026, 3, 5), 40000)                                  # X1 settled
    book.pay(d, D(2026, 3, 10), 150000)                                # X2: 500.00 left
    book.pay(d, D(2026, 3, 20), 150000, invoice=x3)                    # X3 settled: cash, but not on the overdue
    j = book.account("J")
    book.invoice(j, D(2026, 3, 1), D(2026, 3, 31), 5000, currency="JPY")
    book.pay(j, D(2026, 3, 15), 5000, currency="JPY")
    r = reports.cash(db, D(2026, 3, 31), Period(D(2026, 3, 1), D(2026, 3, 31)))
    usd = line(r.lines, "USD")
    assert usd.overdue_at_start == Decimal("2300.00")                  # 400 + 2,000 - 100
    assert usd.cash_collected == Decimal("3400.00")                    # 400 + 1,500 + 1,500
    assert usd.collected_on_overdue == Decimal("1900.00")              # 400 + 1,500
    assert usd.still_open == Decimal("500.00")
    assert usd.recovery_rate == Decimal("82.6")                        # 1,900 / 2,300
    assert usd.cash_to_overdue == Decimal("147.8")                     # 3,400 / 2,300
    jpy = line(r.lines, "JPY")
    assert (jpy.overdue_at_start, jpy.cash_collected, jpy.recovery_rate) == (Decimal("0"), Decimal("5000"), None)


# --- promises ---------------------------------------------------------------------------------


def test_promises_kept_partly_kept_broken_open_and_cancelled(db, book):
    p = book.account("P")
    book.invoice(p, D(2026, 1, 1), D(2026, 1, 31), 1000000)
    book.promise(p, D(2026, 3, 1), D(2026, 3, 5), 100000)               # kept: 1,000.00 on 03-06 (tolerance 2)
    book.pay(p, D(2026, 3, 6), 100000)
    book.promise(p, D(2026, 3, 8), D(2026, 3, 10), 50000)               # partly kept: 200.00 of 500.00
    book.pay(p, D(2026, 3, 9), 20000)
    book.promise(p, D(2026, 3, 13), D(2026, 3, 15), 30000)              # broken: nothing by 03-17
    book.promise(p, D(2026, 3, 21), D(2026, 3, 22), 15000)              # kept on the day
    book.pay(p, D(2026, 3, 22), 15000)
    book.promise(p, D(2026, 3, 20), D(2026, 3, 30), 40000)              # open: its deadline is 04-01
    book.promise(p, D(2026, 3, 2), D(2026, 3, 20), 25000, cancelled=D(2026, 3, 3))
    book.promise(p, D(2026, 2, 1), D(2026, 2, 10), 99900)               # due before the period: left out
    book.promise(p, D(2026, 4, 1), D(2026, 4, 2), 99900)                # made after today: has not happened
    q = book.account("Q")
    book.invoice(q, D(2026, 2, 1), D(2026, 3, 3), 50000, currency="JPY")
    book.promise(q, D(2026, 3, 1), D(2026, 3, 3), 10000, currency="JPY")
    book.pay(q, D(2026, 3, 2), 12000, currency="JPY")                  # more than promised: paid caps at 10,000
    r = reports.promises(db, D(2026, 3, 31), Period(D(2026, 3, 1), D(2026, 3, 31)), POLICY)
    usd = line(r.lines, "USD")
    assert (usd.promises, usd.kept, usd.partly_kept, usd.broken, usd.open, usd.cancelled) == (5, 2, 1, 1, 1, 1)
    assert (usd.kept_rate, usd.partly_kept_rate, usd.broken_rate) == (Decimal("50.0"), Decimal("25.0"),
                                                                      Decimal("25.0"))
    assert usd.promised == Decimal("1950.00")          # 1,000 + 500 + 300 + 150 (graded only)
    assert usd.paid == Decimal("1350.00")              # 1,000 + 200 + 0 + 150
    jpy = line(r.lines, "JPY")
    assert (jpy.kept, jpy.kept_rate, jpy.promised, jpy.paid) == (1, Decimal("100.0"), Decimal("10000"),
                                                                 Decimal("10000"))
    statuses = [(i.pay_by.day, i.status) for i in r.items if i.account == "P"]
    assert sorted(statuses) == [(5, "kept"), (10, "partly_kept"), (15, "broken"), (20, "cancelled"), (22, "kept"),
                                (30, "open")]
    opened = next(i for i in r.items if i.status == "open")
    assert opened.paid == Decimal("150.00") and opened.deadline == D(2026, 4, 1)   # 03-22's payment counts so far
    # As of an earlier day the same promise data grade differently: on 03-16 the 03-15 one is still open.
    earlier = reports.promises(db, D(2026, 3, 16), Period(D(2026, 3, 1), D(2026, 3, 16)), POLICY)
    assert line(earlier.lines, "USD").open == 1 and line(earlier.lines, "USD").broken == 0


# --- activity ---------------------------------------------------------------------------------


def test_activity_per_day_and_iso_week(db, book):
    a = book.account("A")
    for on, channel, outcome in [
        (D(2026, 3, 1), "call", "reached"), (D(2026, 3, 1), "call", "no_answer"), (D(2026, 3, 1), "email", "sent"),
        (D(2026, 3, 3), "call", "promise"), (D(2026, 3, 3), "call", "voicemail"), (D(2026, 3, 3), "call", "paid_claimed"),
        (D(2026, 3, 3), "meeting", "reached"),                  # not a call
        (D(2026, 3, 9), "call", "refused"), (D(2026, 3, 9), "call", "wrong_contact"),
        (D(2026, 3, 11), "call", "reached"),                    # after the period
    ]:
        book.activity(a, on, channel, outcome)
    book.promise(a, D(2026, 3, 3), D(2026, 3, 20), 50000)
    book.promise(a, D(2026, 3, 3), D(2026, 3, 20), 2000, currency="EUR")
    book.promise(a, D(2026, 3, 9), D(2026, 3, 20), 10000, cancelled=D(2026, 3, 10))
    book.pay(a, D(2026, 3, 2), 100000)
    book.pay(a, D(2026, 3, 9), 25050)
    book.pay(a, D(2026, 3, 9), 500, currency="EUR")
    book.pay(a, D(2026, 2, 28), 77700)                          # before the period
    r = reports.activity(db, D(2026, 3, 31), Period(D(2026, 3, 1), D(2026, 3, 10)))
    assert r.currencies == ("EUR", "USD")
    assert len(r.days) == 10 and r.days[0].start == D(2026, 3, 1) and r.days[-1].end == D(2026, 3, 10)
    third = r.days[2]
    assert (third.calls, third.right_party_contacts, third.right_party_rate, third.promises) == (
        3, 2, Decimal("66.7"), 2)
    # 2026-03-01 is a Sunday: the period touches ISO weeks 9 (one day), 10 and 11 (two days).
    assert [(w.iso_week, w.start, w.end) for w in r.weeks] == [
        ("2026-W09", D(2026, 3, 1), D(2026, 3, 1)), ("2026-W10", D(2026, 3, 2), D(2026, 3, 8)),
        ("2026-W11", D(2026, 3, 9), D(2026, 3, 10))]
    w9, w10, w11 = r.weeks
    assert (w9.calls, w9.right_party_contacts, w9.right_party_rate, w9.promises) == (2, 1, Decimal("50.0"), 0)
    assert (w10.calls, w10.right_party_contacts, w10.promises) == (3, 2, 2)
    assert w10.promised == (Decimal("20.00"), Decimal("500.00")) and w10.cash == (Decimal("0.00"), Decimal("1000.00"))
    assert (w11.calls, w11.right_party_contacts, w11.promises) == (2, 1, 1)
    assert w11.promised == (Decimal("0.00"), Decimal("100.00")) and w11.cash == (Decimal("5.00"), Decimal("250.50"))
    data = r.to_json()
    assert data["weeks"][1]["promised_USD"] == "500.00" and data["weeks"][1]["calls"] == 3
    assert data["days"][4]["right_party_rate"] is None           # no calls on 03-05: no rate
    assert [t.key for t in r.tables()] == ["activity", "days", "weeks"]
    assert len(r.tables()[0].rows) == 13                          # 10 days, then 3 weeks


# --- disputes ---------------------------------------------------------------------------------


def test_disputes_open_by_reason_owner_age_and_cycle_time(db, book):
    a = book.account("A")
    today = D(2026, 3, 31)
    book.dispute(a, 10000, D(2026, 3, 21), owner="Ann")                         # age 10
    book.dispute(a, 5000, D(2026, 1, 30))                                       # age 60, no owner
    book.dispute(a, 3000, D(2025, 12, 1), reason="tax", owner="Ann", currency="EUR")   # age 120
    book.dispute(a, 2000, D(2026, 3, 1), reason="quantity", owner="Bob", resolved=D(2026, 4, 5))  # resolved later
    book.dispute(a, 700, D(2026, 2, 1), resolved=D(2026, 3, 3))                 # 30 days
    book.dispute(a, 800, D(2026, 3, 1), reason="tax", resolved=D(2026, 3, 11))  # 10 days
    book.dispute(a, 900, D(2026, 3, 10), resolved=D(2026, 3, 15))               # 5 days
    book.dispute(a, 999, D(2026, 1, 1), resolved=D(2026, 2, 15))                # resolved before the period
    book.dispute(a, 999, D(2026, 4, 2))                                         # opened after today
    r = reports.disputes(db, today, Period(D(2026, 3, 1), D(2026, 3, 31)))
    got = {(g.section, g.group, g.currency): (g.disputes, g.amount, g.mean_days) for g in r.groups}
    assert got[("reason", "pricing", "USD")] == (2, Decimal("150.00"), Decimal("35.0"))
    assert got[("reason", "quantity", "USD")] == (1, Decimal("20.00"), Decimal("30.0"))
    assert got[("reason", "tax", "EUR")] == (1, Decimal("30.00"), Decimal("120.0"))
    assert got[("owner", "(none)", "USD")] == (1, Decimal("50.00"), Decimal("60.0"))
    assert got[("owner", "Ann", "USD")] == (1, Decimal("100.00"), Decimal("10.0"))
    assert got[("owner", "Ann", "EUR")] == (1, Decimal("30.00"), Decimal("120.0"))
    assert got[("age", "0-30", "USD")] == (2, Decimal("120.00"), Decimal("20.0"))
    assert got[("age", "31-60", "USD")] == (1, Decimal("50.00"), Decimal("60.0"))
    assert got[("age", "91+", "EUR")] == (1, Decimal("30.00"), Decimal("120.0"))
    assert got[("resolved", "pricing", "USD")] == (2, Decimal("16.00"), Decimal("17.5"))
    assert [g.group for g in r.groups if g.section == "age"] == ["0-30", "31-60", "91+"]   # in age order
    cycle = {c.reason: (c.resolved, c.mean_days, c.median_days) for c in r.cycle}
    assert cycle == {"pricing": (2, Decimal("17.5"), Decimal("17.5")), "tax": (1, Decimal("10.0"), Decimal("10.0")),
                     "all": (3, Decimal("15.0"), Decimal("10.0"))}
    later = next(i for i in r.open_items if i.reason == "quantity")
    assert later.status == "open" and later.resolved_on is None               # its resolution has not happened
    assert len(r.open_items) == 4 and len(r.resolved_items) == 3


# --- stages and roll rates --------------------------------------------------------------------


@pytest.fixture
def stage_book(book):
    a1 = book.account("A1")
    book.invoice(a1, D(2026, 1, 26), D(2026, 2, 25), 10000)    # dpd 4 on 03-01 (reminder), 34 on 03-31
    a2 = book.account("A2")
    book.invoice(a2, D(2026, 1, 21), D(2026, 2, 20), 20000)    # reminder on 03-01, paid on 03-10
    book.pay(a2, D(2026, 3, 10), 20000)
    a3 = book.account("A3")
    book.invoice(a3, D(2026, 2, 18), D(2026, 3, 20), 30000, currency="EUR")   # current, then dpd 11
    a4 = book.account("A4")
    book.invoice(a4, D(2025, 12, 21), D(2026, 1, 20), 40000)   # dpd 40 on 03-01: warning due
    book.step(a4, "warning", D(2026, 3, 2))
    book.step(a4, "suspension", D(2026, 3, 15))
    book.account("A5")                                          # nothing at all
    a6 = book.account("A6")
    book.invoice(a6, D(2026, 1, 11), D(2026, 2, 10), 60000)    # dpd 19 (follow-up), then 49
    a7 = book.account("A7")
    book.invoice(a7, D(2026, 1, 29), D(2026, 2, 28), 70000)    # dpd 1 on 03-01: its first day in reminder
    a8 = book.account("A8")
    book.invoice(a8, D(2026, 2, 14), D(2026, 3, 16), 80000, currency="EUR")   # dpd 15 on 03-31: first day of follow-up
    a9 = book.account("A9")
    book.invoice(a9, D(2025, 10, 2), D(2025, 11, 1), 90000)   # referred, then paid in full: stays referred
    book.step(a9, "warning", D(2025, 12, 5))
    book.step(a9, "suspension", D(2025, 12, 20))
    book.step(a9, "referral", D(2026, 2, 5), approved_by=None)
    book.pay(a9, D(2026, 3, 5), 90000)
    return book


def test_stages_and_roll_rates(db, stage_book):
    today = D(2026, 3, 31)
    span = Period(D(2026, 3, 1), today)
    r = reports.stages(db, today, span, POLICY)
    flows = {(x.from_stage, x.to_stage): (x.accounts, x.share) for x in r.rolls}
    assert flows == {
        ("current", "reminder"): (1, Decimal("50.0")),          # A3
        ("current", "follow_up"): (1, Decimal("50.0")),         # A8
        ("reminder", "current"): (1, Decimal("33.3")),          # A2 paid
        ("reminder", "warning_due"): (2, Decimal("66.7")),      # A1, A7
        ("follow_up", "warning_due"): (1, Decimal("100.0")),    # A6
        ("warning_due", "suspended"): (1, Decimal("100.0")),    # A4
        ("referred", "referred"): (1, Decimal("100.0")),        # A9
    }
    summary = {x.stage: (x.accounts, x.stayed, x.forward, x.back, x.forward_rate) for x in r.summary}
    assert summary["reminder"] == (3, 0, 2, 1, Decimal("66.7"))
    assert summary["warning_due"] == (1, 0, 1, 0, Decimal("100.0"))
    totals = {x.stage: x.accounts for x in r.lines if x.currency is None}
    assert totals == {"current": 2, "reminder": 1, "follow_up": 1, "warning_due": 3, "warned": 0,
                      "suspension_due": 0, "suspended": 1, "referred": 1}
    amounts = {(x.stage, x.currency): (x.accounts, x.balance, x.overdue) for x in r.lines if x.currency}
    assert amounts == {("reminder", "EUR"): (1, Decimal("300.00"), Decimal("300.00")),
                       ("follow_up", "EUR"): (1, Decimal("800.00"), Decimal("800.00")),
                       ("warning_due", "USD"): (3, Decimal("1400.00"), Decimal("1400.00")),
                       ("suspended", "USD"): (1, Decimal("400.00"), Decimal("400.00"))}
    assert [a.account for a in r.accounts] == ["A1", "A2", "A3", "A4", "A6", "A7", "A8", "A9"]   # not A5: nothing
    assert next(x for x in r.summary if x.stage == "referred").stayed == 1


def test_stages_read_from_the_worklist_cache_are_the_same(db, stage_book):
    from arcollect_tui.config import Config
    from arcollect_tui.services.worklist import queue

    span = Period(D(2026, 3, 1), D(2026, 3, 31))
    direct = reports.stages(db, D(2026, 3, 31), span, POLICY)
    cached = reports.stages(db, D(2026, 3, 31), span, POLICY, config=Config())
    assert cached == direct
    # A9 (referred, nothing open) is not on the worklist, yet its stage is kept.
    assert "A9" not in [r.account for r in queue(db, D(2026, 3, 31), POLICY, include_all=True)]
    assert next(a for a in cached.accounts if a.account == "A9").stage_today == "referred"


def test_roll_rates_agree_with_the_stage_history_of_each_account(db, stage_book):
    today = D(2026, 3, 31)
    span = Period(D(2026, 3, 1), D(2026, 3, 20))
    r = reports.stages(db, today, span, POLICY)
    conn = db.connection()
    ids = dict(conn.execute("SELECT key, id FROM account").fetchall())
    for acc in r.accounts:
        history = stage_history(load_facts(conn, ids[acc.account], span.end), POLICY, span.start, span.end)
        assert history[0][1] == acc.stage_from and history[-1][1] == acc.stage_to, acc
        today_history = stage_history(load_facts(conn, ids[acc.account], today), POLICY, today, today)
        assert today_history[-1][1] == acc.stage_today


def test_stage_amounts_add_up_to_the_aging_totals(db, dso_book):
    today = D(2026, 3, 31)
    r = reports.stages(db, today, Q1, POLICY)
    by_currency: dict[str, Decimal] = {}
    for x in r.lines:
        if x.currency:
            by_currency[x.currency] = by_currency.get(x.currency, Decimal(0)) + x.balance
    assert by_currency == {t.currency: t.total for t in reports.aging(db, today).totals}
