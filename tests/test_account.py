"""One account in full, and the account list (services.accounts, `arcollect account`)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from arcollect_tui import ledger
from arcollect_tui.cli import main
from arcollect_tui.errors import InputError
from arcollect_tui.services.accounts import account_detail, count_accounts, list_accounts

TODAY = dt.date(2026, 3, 2)


def days(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


class Book:
    """Rows through the raw connection (the importer and demo are tested on their own)."""

    def __init__(self, db):
        self.db, self.conn, self.n = db, db.connection(), 0

    def ins(self, table: str, **values) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        vals = [v.isoformat() if isinstance(v, dt.date) else v for v in values.values()]
        with self.db.atomic():
            return self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", vals).lastrowid

    def account(self, key: str, name: str = "", **more) -> int:
        return self.ins("account", key=key, name=name or f"Name of {key}", created_at="x", updated_at="x", **more)

    def invoice(self, acct: int, due: dt.date, minor: int, currency: str = "USD", **more) -> int:
        self.n += 1
        more.setdefault("number", f"INV{self.n:03d}")
        more.setdefault("invoice_date", min(due, TODAY) - dt.timedelta(days=30))
        return self.ins("invoice", account_id=acct, due_date=due, currency=currency, amount_minor=minor,
                        kind="credit_note" if minor < 0 else "invoice", created_at="x", **more)

    def pay(self, acct: int, on: dt.date, minor: int, currency: str = "USD") -> None:
        self.n += 1
        with self.db.atomic():
            pid = self.conn.execute(
                "INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, reference, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'x')", (acct, on.isoformat(), currency, minor, f"p{self.n}", f"REF{self.n}")
            ).lastrowid
            ledger.allocate_payment(self.conn, payment_id=pid, account_id=acct, paid_on=on, currency=currency,
                                    amount_minor=minor, created_at="x")


@pytest.fixture
def book(db):
    return Book(db)


@pytest.fixture
def acme(book):
    """One account with a bit of everything, some of it dated after TODAY."""
    a = book.account("0042", "Acme [bold]Pte[/] Ltd", currency="SGD", country="SG", credit_limit_minor=5000000,
                     distress=1, distress_note="cash flow")
    c = book.ins("contact", account_id=a, name="Mia Tan", role="AP clerk", email="ap@acme.example",
                 is_primary=1, created_at="x")
    book.ins("contact", account_id=a, name="Bo Lim", role="CFO", created_at="x")
    old = book.invoice(a, days(45), 100000, "SGD", number="S-1")
    book.invoice(a, days(5), 20000, "SGD", number="S-2")
    book.invoice(a, days(-20), 30000, "SGD", number="S-3")
    book.invoice(a, days(-40), 99900, "SGD", number="S-FUTURE", invoice_date=TODAY + dt.timedelta(days=1))
    book.invoice(a, days(12), 500000, "JPY", number="J-1")
    book.invoice(a, days(12), -1000, "SGD", number="CN-1")
    book.pay(a, days(10), 40000, "SGD")                          # 400.00 off S-1
    book.pay(a, TODAY + dt.timedelta(days=2), 20000, "SGD")        # not yet
    book.ins("dispute", account_id=a, invoice_id=old, currency="SGD", amount_minor=60000, reason="pricing",
             opened_on=days(30), user="t", created_at="x")
    book.ins("dispute", account_id=a, invoice_id=old, currency="SGD", amount_minor=100, reason="tax",
             status="resolved_valid", opened_on=days(30), resolved_on=TODAY + dt.timedelta(days=3), user="t",
             created_at="x")
    book.ins("activity", account_id=a, contact_id=c, occurred_on=days(3), occurred_at="x", channel="call",
             outcome="reached", note="will pay\x1b[31m soon", follow_up_on=TODAY, user="t", created_at="x")
    book.ins("activity", account_id=a, occurred_on=days(20), occurred_at="x", channel="email", outcome="sent",
             user="t", created_at="x")
    book.ins("activity", account_id=a, occurred_on=TODAY + dt.timedelta(days=1), occurred_at="x", channel="call",
             outcome="no_answer", user="t", created_at="x")
    p = book.ins("promise", account_id=a, made_on=days(3), pay_by=TODAY + dt.timedelta(days=4), currency="SGD",
                 amount_minor=20000, user="t", created_at="x")
    book.ins("promise_invoice", promise_id=p, invoice_id=old)
    plan = book.ins("payment_plan", account_id=a, created_on=days(8), currency="SGD", total_minor=60000,
                    instalment_count=2, frequency="monthly", first_date=days(-5), required_role="collector",
                    status="approved", approved_by="Lee", approved_on=TODAY + dt.timedelta(days=1), user="t",
                    created_at="x")
    book.ins("plan_instalment", plan_id=plan, seq=1, due_on=days(-5), amount_minor=30000)
    book.ins("plan_instalment", plan_id=plan, seq=2, due_on=days(-35), amount_minor=30000)
    book.ins("escalation", account_id=a, target="sales_management", reason="stubborn", opened_on=days(2),
             closed_on=TODAY + dt.timedelta(days=5), outcome="paid", user="t", created_at="x")
    book.ins("suspension_event", account_id=a, kind="warning", on_date=days(1), approved_by="Lee",
             approver_role="collections_manager", user="t", created_at="x")
    book.ins("suspension_event", account_id=a, kind="suspension", on_date=TODAY + dt.timedelta(days=11),
             approved_by="Lee", user="t", created_at="x")
    return a


def test_account_detail_is_as_of_today(db, acme):
    d = account_detail(db, "0042", TODAY)
    assert (d.key, d.name, d.currency, d.credit_limit, d.distress) == (
        "0042", "Acme [bold]Pte[/] Ltd", "SGD", Decimal("50000.00"), True)
    assert [c.name for c in d.contacts] == ["Mia Tan", "Bo Lim"]  # primary first
    assert [(i.number, i.open_amount, i.days_past_due, i.bucket) for i in d.open_invoices] == [
        ("S-1", Decimal("600.00"), 45, "31-60"),
        ("CN-1", Decimal("-10.00"), 12, "1-30"),
        ("J-1", Decimal("500000"), 12, "1-30"),
        ("S-2", Decimal("200.00"), 5, "1-30"),
        ("S-3", Decimal("300.00"), 0, "current"),
    ]
    assert d.open_invoices[0].disputed == Decimal("600.00")  # 600 + 1 disputed, capped at what is open
    jpy, sgd = d.balances
    assert (jpy.currency, jpy.balance, jpy.overdue) == ("JPY", Decimal("500000"), Decimal("500000"))
    assert (sgd.balance, sgd.overdue, sgd.disputed) == (Decimal("1090.00"), Decimal("790.00"), Decimal("600.00"))
    assert sgd.buckets == (Decimal("300.00"), Decimal("190.00"), Decimal("600.00"), Decimal("0.00"), Decimal("0.00"))
    # S-1 is wholly in dispute, so the account's dpd comes from the next oldest: J-1, 12 days.
    assert d.days_past_due == 12
    assert [p.amount for p in d.payments] == [Decimal("400.00")]
    assert [a.outcome for a in d.activities] == ["reached", "sent"]
    assert d.activities[0].contact == "Mia Tan"
    assert [(p.amount, p.invoices) for p in d.promises] == [(Decimal("200.00"), ("S-1",))]
    assert d.plans[0].status == "pending" and d.plans[0].approved_by is None  # approved tomorrow
    assert [s.due_on for s in d.plans[0].instalments] == [days(-5), days(-35)]
    assert [(s.reason, s.status) for s in d.disputes] == [("pricing", "open"), ("tax", "open")]
    assert d.escalations[0].closed_on is None and d.escalations[0].outcome is None
    assert [e.kind for e in d.suspension_events] == ["warning"]


def test_account_detail_later_shows_what_happened_since(db, acme):
    d = account_detail(db, "0042", TODAY + dt.timedelta(days=12))
    assert "S-FUTURE" in [i.number for i in d.open_invoices]
    assert len(d.payments) == 2 and len(d.activities) == 3
    assert d.plans[0].status == "approved" and d.plans[0].approved_by == "Lee"
    assert [s.status for s in d.disputes] == ["open", "resolved_valid"]
    assert [e.kind for e in d.suspension_events] == ["warning", "suspension"]


def test_unknown_key_is_an_input_error_that_suggests_near_keys(db, book):
    book.account("0042")
    book.account("10042")
    with pytest.raises(InputError) as e:
        account_detail(db, "42", TODAY)
    assert "'42'" in str(e.value) and "'0042'" in str(e.value) and "'10042'" in str(e.value)
    with pytest.raises(InputError) as e:
        account_detail(db, "zzz", TODAY)
    assert "no account has this key" in str(e.value)


# --- the list --------------------------------------------------------------------------------


def test_list_accounts_balances_overdue_and_dpd(db, book):
    a = book.account("A")
    book.invoice(a, days(40), 10000)
    book.invoice(a, days(-3), 5000)
    b = book.account("B", currency="EUR")
    d = book.invoice(b, days(70), 7000, "EUR")
    book.invoice(b, days(20), 100, "EUR")
    book.invoice(b, days(9), 300, "JPY")
    book.ins("dispute", account_id=b, invoice_id=d, currency="EUR", amount_minor=7000, reason="tax",
             opened_on=days(60), user="t", created_at="x")
    book.account("C")                                  # nothing open
    rows = list_accounts(db, TODAY)
    assert [r.key for r in rows] == ["A", "B", "C"]
    ra, rb, rc = rows
    assert (ra.currency, ra.balance, ra.overdue, ra.days_past_due) == ("USD", Decimal("150.00"), Decimal("100.00"), 40)
    # B: its own currency first; the disputed 70-day invoice does not count for dpd
    assert (rb.currency, rb.balance, rb.overdue, rb.disputed) == ("EUR", Decimal("71.00"), Decimal("71.00"),
                                                                 Decimal("70.00"))
    assert rb.days_past_due == 20 and rb.other_currencies == ("JPY",)
    assert (rc.currency, rc.balance, rc.days_past_due, rc.balances) == ("USD", Decimal("0.00"), 0, ())


def test_list_accounts_search_and_paging(db, book):
    for i in range(25):
        book.account(f"K{i:03d}", "Smith & Sons" if i % 5 == 0 else f"Other {i}")
    book.account("X_1", "100% Widgets")
    assert [r.key for r in list_accounts(db, TODAY, search="smith")] == ["K000", "K005", "K010", "K015", "K020"]
    assert [r.key for r in list_accounts(db, TODAY, limit=3, offset=10)] == ["K010", "K011", "K012"]
    assert count_accounts(db) == 26 and count_accounts(db, search="SMITH") == 5
    # LIKE wildcards in the search are literal
    assert [r.key for r in list_accounts(db, TODAY, search="%")] == ["X_1"]
    assert [r.key for r in list_accounts(db, TODAY, search="_")] == ["X_1"]
    assert list_accounts(db, TODAY, search="K00", limit=2, offset=100) == []


# --- the command -------------------------------------------------------------------------------


def run(db_path, *argv: str) -> int:
    return main(["--db", str(db_path), "--today", TODAY.isoformat(), "account", *argv])


def test_account_json(db, acme, db_path, capsys):
    db.close()
    assert run(db_path, "0042", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["account"] == "0042" and data["as_of"] == "2026-03-02" and data["name"] == "Acme [bold]Pte[/] Ltd"
    assert data["credit_limit"] == "50000.00" and data["credit_limit_currency"] == "SGD"
    assert data["days_past_due"] == 12
    assert data["balances"] == [
        {"currency": "JPY", "balance": "500000", "overdue": "500000", "disputed": "0", "current": "0",
         "1-30": "500000", "31-60": "0", "61-90": "0", "91+": "0"},
        {"currency": "SGD", "balance": "1090.00", "overdue": "790.00", "disputed": "600.00", "current": "300.00",
         "1-30": "190.00", "31-60": "600.00", "61-90": "0.00", "91+": "0.00"},
    ]
    first = data["open_invoices"][0]
    assert first == {"invoice": "S-1", "kind": "invoice", "invoice_date": "2025-12-17", "due_date": "2026-01-16",
                     "currency": "SGD", "amount": "1000.00", "open_amount": "600.00", "disputed": "600.00",
                     "days_past_due": 45, "bucket": "31-60"}
    assert data["activities"][0]["note"] == "will pay\x1b[31m soon"  # JSON carries the data as stored
    assert data["activities"][0]["follow_up"] == "2026-03-02"
    assert data["plans"][0]["instalments"][0] == {"seq": 1, "due_on": "2026-03-07", "amount": "300.00"}
    for key in ("contacts", "payments", "promises", "disputes", "escalations", "suspension_events"):
        assert isinstance(data[key], list) and data[key]


def test_account_text_is_readable_and_clean(db, acme, db_path, capsys):
    db.close()
    assert run(db_path, "0042") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "0042  Acme [bold]Pte[/] Ltd"
    assert "\x1b" not in out and "will pay[31m soon" in out
    for section in ("Balances", "Contacts", "Open invoices", "Activities", "Promises", "Payment plans",
                    "Disputes", "Escalations", "Suspension timeline"):
        assert f"\n{section}\n" in out
    assert "1,090.00" in out and "500,000" in out and "Credit limit   50,000.00 SGD" in out


def test_account_unknown_key_is_exit_2(db, book, db_path, capsys):
    book.account("0042")
    db.close()
    assert run(db_path, "42") == 2
    err = capsys.readouterr().err
    assert "'42'" in err and "did you mean '0042'" in err and "Traceback" not in err


def test_credit_limit_without_an_account_currency_is_in_the_default_currency(db, book):
    book.account("NOCUR", credit_limit_minor=150000)
    d = account_detail(db, "NOCUR", TODAY, default_currency="JPY")
    assert (d.currency, d.credit_limit, d.credit_limit_currency) == (None, Decimal("150000"), "JPY")
    assert (d.balances, d.open_invoices, d.days_past_due) == ((), (), 0)
