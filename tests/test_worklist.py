"""The worklist service (services.worklist): which accounts, in which order, with which amounts;
bulk facts against `load_facts`; the caches."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from arcollect_tui import audit, ledger
from arcollect_tui.config import Config, Policy
from arcollect_tui.demo import build_demo
from arcollect_tui.priority import PriorityWeights, priority
from arcollect_tui.services import worklist
from arcollect_tui.services.accounts import account_detail
from arcollect_tui.services.facts import load_facts
from arcollect_tui.services.worklist import (
    bulk_facts, clear_memory_cache, compute_rows, main_currency, queue, queue_json,
)
from arcollect_tui.timeline import assess

TODAY = dt.date(2026, 3, 2)
POLICY = Policy()
W = PriorityWeights()


def days(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _fresh_memory():
    clear_memory_cache()
    yield
    clear_memory_cache()


class Book:
    """Rows through the raw connection, each write with an audit row naming its account (as the
    services do), so that the cache sees every change."""

    def __init__(self, db):
        self.db, self.conn, self.n = db, db.connection(), 0

    def ins(self, table: str, account: int | None = None, **values) -> int:
        if account is not None and table != "account":
            values["account_id"] = account
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        vals = [v.isoformat() if isinstance(v, dt.date) else v for v in values.values()]
        with self.db.atomic():
            rid = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", vals).lastrowid
            audit.record(self.conn, user="t", action="test", entity=table, entity_id=rid,
                         account_id=rid if table == "account" else account)
        return rid

    def account(self, key: str, currency: str | None = "USD", **more) -> int:
        return self.ins("account", key=key, name=f"Name of {key}", currency=currency, created_at="x",
                        updated_at="x", **more)

    def invoice(self, acct: int, due: dt.date, minor: int, currency: str = "USD", **more) -> int:
        self.n += 1
        more.setdefault("number", f"INV{self.n:03d}")
        more.setdefault("invoice_date", min(due, TODAY) - dt.timedelta(days=30))
        return self.ins("invoice", acct, due_date=due, currency=currency, amount_minor=minor,
                        kind="credit_note" if minor < 0 else "invoice", created_at="x", **more)

    def pay(self, acct: int, on: dt.date, minor: int, currency: str = "USD") -> None:
        self.n += 1
        with self.db.atomic():
            pid = self.conn.execute(
                "INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'x')", (acct, on.isoformat(), currency, minor, f"p{self.n}")).lastrowid
            ledger.allocate_payment(self.conn, payment_id=pid, account_id=acct, paid_on=on, currency=currency,
                                    amount_minor=minor, created_at="x")
            audit.record(self.conn, user="t", action="test", entity="payment", entity_id=pid, account_id=acct)

    def activity(self, acct: int, on: dt.date, channel: str = "call", outcome: str | None = "reached",
                 follow_up: dt.date | None = None) -> int:
        return self.ins("activity", acct, occurred_on=on, occurred_at=f"{on}T10:00:00Z", channel=channel,
                        outcome=outcome, follow_up_on=follow_up, user="t", created_at="x")

    def step(self, acct: int, kind: str, on: dt.date) -> int:
        return self.ins("suspension_event", acct, kind=kind, on_date=on, created_at="x", user="t",
                        approved_by="Boss" if kind in ("warning", "suspension") else None)

    def promise(self, acct: int, made: dt.date, by: dt.date, minor: int, currency: str = "USD") -> int:
        return self.ins("promise", acct, made_on=made, pay_by=by, currency=currency, amount_minor=minor, user="t",
                        created_at="x")

    def plan(self, acct: int, created: dt.date, instalments: list[tuple[dt.date, int]], currency: str = "USD") -> int:
        pid = self.ins("payment_plan", acct, created_on=created, currency=currency,
                       total_minor=sum(m for _, m in instalments), down_payment_minor=instalments[0][1],
                       instalment_count=len(instalments) - 1, frequency="monthly", first_date=instalments[1][0],
                       required_role="collector", status="approved", approved_by="Boss", approved_on=created,
                       user="t", created_at="x")
        for seq, (due, minor) in enumerate(instalments):
            self.ins("plan_instalment", plan_id=pid, seq=seq, due_on=due, amount_minor=minor)
        return pid

    def dispute(self, acct: int, invoice: int, minor: int, opened: dt.date, currency: str = "USD") -> int:
        return self.ins("dispute", acct, invoice_id=invoice, currency=currency, amount_minor=minor, reason="pricing",
                        opened_on=opened, user="t", created_at="x")


@pytest.fixture
def book(db):
    return Book(db)


def keys(rows) -> list[str]:
    return [r.account for r in rows]


def same_assessments(conn: sqlite3.Connection, today: dt.date, policy: Policy = POLICY) -> int:
    """Pruned bulk facts give every worklist account the assessment load_facts gives; full bulk
    facts equal load_facts; no account left out could be on the worklist.  Returns the count."""
    ids = [r[0] for r in conn.execute("SELECT id FROM account")]
    full = bulk_facts(conn, today)
    pruned = bulk_facts(conn, today, policy)
    assert set(full) == set(ids)
    for acct in ids:
        reference = load_facts(conn, acct, today)
        assert _sorted(full[acct]) == _sorted(reference), acct
        expected = assess(reference, policy, today)
        if acct not in pruned:
            assert not expected.needs_action and not expected.positions, acct
            continue
        got = assess(pruned[acct], policy, today)
        # Promises are pruned to the latest and the open ones: their standings are a subset.
        assert dataclasses.replace(got, promises=()) == dataclasses.replace(expected, promises=()), acct
        assert set(got.promises) <= set(expected.promises), acct
        if expected.promises:
            assert got.promises[-1] == expected.promises[-1]
    return len(pruned)


def _sorted(facts):
    return dataclasses.replace(facts, **{
        f: tuple(sorted(getattr(facts, f), key=repr))
        for f in ("items", "disputes", "payments", "promises", "plans", "steps", "contacts", "escalations")})


# ------------------------------------------------------------------------------ which accounts

@pytest.fixture
def portfolio(book):
    a = book.account("A-REMIND")                        # 5 days past due, never reminded: action due
    book.invoice(a, days(5), 100000)
    b = book.account("B-NOTDUE")                        # open, not yet due: on --all only
    book.invoice(b, days(-10), 50000)
    c = book.account("C-PAID")                          # nothing open: on neither
    inv = book.invoice(c, days(20), 10000)
    book.pay(c, days(3), 10000)
    d = book.account("D-SUSP")                          # suspended, then paid: reinstate
    book.invoice(d, days(60), 20000)
    book.step(d, "warning", days(28))
    book.step(d, "suspension", days(15))
    book.pay(d, days(2), 20000)
    e = book.account("E-PROMISE")                       # 20 days past due, on a promise's hold
    book.invoice(e, days(20), 70000)
    book.promise(e, days(1), days(-5), 70000)
    f = book.account("F-WARN")                          # 40 days past due, no warning
    book.invoice(f, days(40), 300000)
    return {"inv": inv}


def test_default_queue_is_the_accounts_that_need_an_action(db, portfolio):
    rows = queue(db, TODAY, POLICY, W)
    assert set(keys(rows)) == {"A-REMIND", "D-SUSP", "F-WARN"}
    assert all(r.needs_action for r in rows)
    d = next(r for r in rows if r.account == "D-SUSP")
    assert (d.stage, d.next_action, d.balance) == ("suspended", "reinstate: nothing is past due", Decimal("0.00"))


def test_all_adds_every_account_with_an_open_item(db, portfolio):
    rows = queue(db, TODAY, POLICY, W, include_all=True)
    assert set(keys(rows)) == {"A-REMIND", "B-NOTDUE", "D-SUSP", "E-PROMISE", "F-WARN"}
    e = next(r for r in rows if r.account == "E-PROMISE")
    assert e.stage == "follow_up" and "promise" in e.flags and not e.needs_action
    assert e.next_action_due == days(-8)                # the hold ends after pay-by + 2 days
    assert e.assessment is not None and e.assessment.hold is not None and e.hold == "promise"


def test_order_is_priority_then_days_past_due_then_key(db, portfolio):
    rows = queue(db, TODAY, POLICY, W, include_all=True)
    assert [r.rank for r in rows] == sorted(r.rank for r in rows)
    assert keys(rows)[0] == "F-WARN"                    # warning due, 3,000.00 overdue
    assert keys(rows)[-1] == "B-NOTDUE"                 # nothing due: 0 points


def test_each_row_is_what_the_timeline_and_the_score_say(db, portfolio):
    conn = db.connection()
    for row in queue(db, TODAY, POLICY, W, include_all=True):
        acct = conn.execute("SELECT id FROM account WHERE key = ?", (row.account,)).fetchone()[0]
        a = assess(load_facts(conn, acct, TODAY), POLICY, TODAY)
        assert (row.stage, row.days_past_due, row.next_action, row.next_action_due, row.flags, row.reason) == \
            (a.stage, a.dpd, a.next_action, a.next_action_due, a.flags, a.reason)
        assert (row.stage_label, row.color) == (a.label, a.color)
        assert row.priority == priority(a, W, main_currency=row.currency).score == row.breakdown.score


def test_limit_keeps_the_first_rows(db, portfolio):
    every = queue(db, TODAY, POLICY, W, include_all=True)
    assert queue(db, TODAY, POLICY, W, include_all=True, limit=2) == every[:2]
    assert queue(db, TODAY, POLICY, W, limit=0) == []


def test_equal_scores_are_ordered_by_days_past_due_then_key(book, db):
    for key, due in (("K2", 9), ("K1", 9), ("K0", 8), ("K3", 8)):
        book.invoice(book.account(key), days(due), 5000)
    flat = dataclasses.replace(W, action_overdue_per_day=0)   # the same score for all four
    rows = queue(db, TODAY, POLICY, flat)
    assert len({r.priority for r in rows}) == 1
    assert keys(rows) == ["K1", "K2", "K0", "K3"]


def test_as_of_an_earlier_date(db, portfolio):
    rows = queue(db, days(30), POLICY, W, include_all=True)
    # 30 days ago: A's invoice was not yet due; the suspension had not happened; F was 10 dpd.
    by_key = {r.account: r for r in rows}
    assert by_key["F-WARN"].stage == "reminder" and by_key["F-WARN"].days_past_due == 10
    assert by_key["D-SUSP"].stage == "warning_due"
    assert by_key["A-REMIND"].stage == "current"


# ------------------------------------------------------------------------------ amounts, currency

def test_main_currency_rule():
    assert main_currency("SGD", {"USD": Decimal("5"), "SGD": Decimal("1")}) == "SGD"
    assert main_currency("EUR", {"USD": Decimal("100.00"), "JPY": Decimal("50000")}) == "JPY"
    assert main_currency(None, {"USD": Decimal("7"), "AUD": Decimal("7")}) == "AUD"
    assert main_currency("USD", {}) is None


def test_rows_show_the_main_currency_and_jpy_without_minor_digits(book, db):
    sg = book.account("SG", currency="SGD")
    book.invoice(sg, days(10), 12345, "SGD")
    book.invoice(sg, days(10), 9999900, "USD")
    jp = book.account("JP", currency="EUR")             # nothing open in EUR: the largest balance
    book.invoice(jp, days(12), 120000, "JPY")
    book.invoice(jp, days(-3), 5000, "USD")
    rows = {r.account: r for r in queue(db, TODAY, POLICY, W, include_all=True)}
    assert (rows["SG"].currency, rows["SG"].balance, rows["SG"].overdue) == ("SGD", Decimal("123.45"), Decimal("123.45"))
    jpy = rows["JP"]
    assert (jpy.currency, jpy.balance, jpy.overdue, jpy.disputed) == ("JPY", Decimal("120000"), Decimal("120000"),
                                                                      Decimal("0"))
    assert jpy.to_json()["balance"] == "120000" and rows["SG"].to_json()["balance"] == "123.45"
    assert "120,000 JPY overdue" in dict((n, w) for n, _, w in jpy.breakdown.parts)["overdue"]


def test_amounts_match_the_account_view_credit_notes_and_disputes_included(book, db):
    a = book.account("CN")
    inv = book.invoice(a, days(20), 100000)
    book.invoice(a, days(15), -20000, number="CN-1")
    book.invoice(a, days(-5), 30000)
    book.dispute(a, inv, 25000, days(4))
    row = queue(db, TODAY, POLICY, W, include_all=True)[0]
    view = account_detail(db, "CN", TODAY).balances[0]
    assert (row.balance, row.overdue, row.disputed) == (view.balance, view.overdue, view.disputed)
    assert (row.balance, row.overdue, row.disputed) == (Decimal("1100.00"), Decimal("800.00"), Decimal("250.00"))


def test_the_account_view_scores_as_the_queue_does(db, portfolio):
    for row in queue(db, TODAY, POLICY, W, include_all=True):
        d = account_detail(db, row.account, TODAY, policy=POLICY, weights=W)
        assert d.priority == row.breakdown and d.main_currency == row.currency
        assert d.assessment.stage == row.stage


# ------------------------------------------------------------------------------ bulk facts

def test_bulk_facts_equal_load_facts_on_a_demo_portfolio(db):
    build_demo(db, today=TODAY, accounts=300, seed=11, config=Config(user="t"), user="t")
    conn = db.connection()
    for today in (TODAY, days(45), days(200), TODAY + dt.timedelta(days=20)):
        assert same_assessments(conn, today) > 0


def test_bulk_facts_under_another_policy(db):
    build_demo(db, today=TODAY, accounts=150, seed=5, config=Config(user="t"), user="t")
    policy = Policy(reminder_from_dpd=3, follow_up_from_dpd=10, warning_from_dpd=20, warning_notice_days=5,
                    warning_valid_days=15, referral_from_dpd=60, promise_tolerance_days=0, plan_grace_days=1)
    assert same_assessments(db.connection(), TODAY, policy) > 0


def test_a_hold_keeps_the_stage_of_its_start_even_from_an_invoice_settled_since(book, db):
    """At the promise's start an older invoice (since paid) made the account follow-up; today's only
    open invoice alone would say reminder then.  The settled invoice must be loaded."""
    a = book.account("HOLD")
    book.invoice(a, days(30), 40000)                    # 20 dpd when the promise was made; paid 2 days ago
    book.invoice(a, days(16), 90000)                    # 16 dpd today; 6 dpd at the promise
    book.promise(a, days(10), days(-3), 500000)
    book.pay(a, days(2), 40000)
    assert same_assessments(db.connection(), TODAY) == 1
    b = book.account("HOLD-NEXT-DAY")                  # the older invoice paid the day after the promise
    book.invoice(b, days(30), 40000)
    book.invoice(b, days(16), 90000)
    book.promise(b, days(10), days(-3), 500000)
    book.pay(b, days(9), 40000)
    c = book.account("HOLD-OLD")                        # held in reminder since long ago: an old email counts
    book.invoice(c, days(100), 70000)
    book.promise(c, days(95), days(-1), 900000)
    book.activity(c, days(97), "email", "sent")
    book.activity(c, days(10), "call", "reached", follow_up=days(-5))
    assert same_assessments(db.connection(), TODAY) == 3
    rows = {r.account: r for r in queue(db, TODAY, POLICY, W, include_all=True)}
    assert rows["HOLD"].stage == rows["HOLD-NEXT-DAY"].stage == "follow_up"
    assert rows["HOLD"].assessment.hold.kind == "promise"
    assert (rows["HOLD-OLD"].stage, rows["HOLD-OLD"].next_action) == \
        ("reminder", "after the hold: call, and send the second reminder")


def test_disputes_covering_everything_past_due_hold_the_account(book, db):
    a = book.account("DISP")
    old = book.invoice(a, days(50), 40000)
    book.pay(a, days(1), 40000)
    inv = book.invoice(a, days(35), 50000)
    book.dispute(a, inv, 50000, days(20))
    assert same_assessments(db.connection(), TODAY) == 1
    b = book.account("DISP-SAME-DAY")                  # the older invoice paid the day the dispute opened
    book.invoice(b, days(50), 40000)
    book.pay(b, days(20), 40000)
    inv = book.invoice(b, days(35), 50000)
    book.dispute(b, inv, 50000, days(20))
    assert same_assessments(db.connection(), TODAY) == 2
    rows = queue(db, TODAY, POLICY, W, include_all=True)
    for row in rows:
        assert row.assessment.hold.kind == "dispute" and "dispute" in row.flags and row.days_past_due == 0
        assert row.stage == "follow_up"                 # as the hold began: the older invoice was open
    assert old


def test_activities_older_than_the_window_still_count(book, db):
    a = book.account("OLD-CALL")                        # 150 dpd; last call and follow-up long ago
    book.invoice(a, days(150), 80000)
    book.activity(a, days(140), "email", "sent")
    book.activity(a, days(120), "call", "no_answer", follow_up=days(110))
    b = book.account("SAME-DAY")                        # a follow-up done by another activity that day
    book.invoice(b, days(20), 10000)
    book.activity(b, days(8), "email", "sent")
    book.activity(b, days(6), "note", None)
    book.activity(b, days(6), "call", "voicemail", follow_up=days(6))
    c = book.account("EMAIL-ONLY")                      # never called, reminded in the window
    book.invoice(c, days(100), 10000)
    book.activity(c, days(3), "email", "sent")
    d = book.account("FOLLOWED")                        # follow-up date passed, then a call
    book.invoice(d, days(25), 10000)
    book.activity(d, days(100), "call", "reached", follow_up=days(95))
    book.activity(d, days(94), "letter", "sent")
    e = book.account("SETTER")                          # the setter is not the latest call
    book.invoice(e, days(25), 10000)
    book.activity(e, days(10), "call", "reached", follow_up=days(2))
    book.activity(e, days(8), "call", "no_answer")
    book.activity(e, days(7), "email", "sent")
    book.activity(e, days(6), "note", None)
    f = book.account("TWO-CALLS")                       # a follow-up for the same day, done that day
    book.invoice(f, days(25), 10000)
    book.activity(f, days(4), "call", "no_answer")
    book.activity(f, days(4), "call", "reached", follow_up=days(4))
    assert same_assessments(db.connection(), TODAY) == 6
    rows = {r.account: r for r in queue(db, TODAY, POLICY, W, include_all=True)}
    assert rows["OLD-CALL"].assessment.last_contact == days(120)
    assert "follow_up_due" in rows["OLD-CALL"].flags
    assert "follow_up_due" in rows["SETTER"].flags and rows["SETTER"].assessment.follow_up_on == days(2)
    assert "follow_up_due" not in rows["TWO-CALLS"].flags


def test_older_promises_are_pruned_but_the_latest_counts(book, db):
    a = book.account("PROM")
    book.invoice(a, days(60), 100000)
    book.promise(a, days(50), days(45), 50000)          # broken
    book.promise(a, days(30), days(25), 30000)          # kept, the latest
    book.pay(a, days(26), 30000)
    b = book.account("PROM-OPEN")                       # an older promise still open, the newest broken
    book.invoice(b, days(60), 100000)
    book.promise(b, days(10), days(-20), 50000)
    book.promise(b, days(4), days(3), 30000)
    assert same_assessments(db.connection(), TODAY) == 2
    rows = {r.account: r for r in queue(db, TODAY, POLICY, W, include_all=True)}
    assert "broken_promise" not in rows["PROM"].flags
    assert {"promise", "broken_promise"} <= set(rows["PROM-OPEN"].flags)
    assert rows["PROM-OPEN"].assessment.hold.kind == "promise"


def test_plan_standings_count_the_payments_since_the_plan(book, db):
    a = book.account("PLAN")                            # no promise: only the plan asks for payments
    book.invoice(a, days(80), 300000)
    book.plan(a, days(25), [(days(20), 100000), (days(-10), 100000), (days(-40), 100000)])
    book.pay(a, days(19), 100000)
    b = book.account("PLAN-HELD")                       # follow-up when the plan began, from an invoice paid since
    book.invoice(b, days(40), 100000)
    book.invoice(b, days(35), 200000)
    book.plan(b, days(25), [(days(20), 100000), (days(-10), 100000), (days(-40), 100000)])
    book.pay(b, days(19), 100000)
    assert same_assessments(db.connection(), TODAY) == 2
    rows = {r.account: r for r in queue(db, TODAY, POLICY, W, include_all=True)}
    for row in rows.values():
        assert "plan" in row.flags and "broken_promise" not in row.flags
        assert row.assessment.hold.kind == "plan"
    assert rows["PLAN-HELD"].stage == "follow_up" and rows["PLAN-HELD"].days_past_due == 35


# ------------------------------------------------------------------------------ caches

def test_memory_cache_serves_the_same_rows_and_catches_up_with_writes(book, db, portfolio, monkeypatch):
    computed: list = []
    real = worklist.compute_rows
    monkeypatch.setattr(worklist, "compute_rows", lambda *a, **k: computed.append(k["account_ids"]) or real(*a, **k))
    first = queue(db, TODAY, POLICY, W, include_all=True)
    assert queue(db, TODAY, POLICY, W, include_all=True) == first
    assert computed == [None]                           # once, for everything
    f = db.connection().execute("SELECT id FROM account WHERE key = 'F-WARN'").fetchone()[0]
    book.step(f, "warning", days(1))                    # one account changes (audit row names it)
    after = queue(db, TODAY, POLICY, W, include_all=True)
    assert computed == [None, {f}]                      # then only the account that changed
    assert after == queue(db, TODAY, POLICY, W, include_all=True, use_cache=False)
    assert next(r for r in after if r.account == "F-WARN").stage == "warned"


def test_a_change_without_an_account_recomputes_everything(db, portfolio):
    queue(db, TODAY, POLICY, W)
    conn = db.connection()
    with db.atomic():
        conn.execute("UPDATE invoice SET amount_minor = 999900 WHERE number = 'INV001'")
        audit.record(conn, user="t", action="import", entity="import_batch")
    assert queue(db, TODAY, POLICY, W) == queue(db, TODAY, POLICY, W, use_cache=False)
    assert next(r for r in queue(db, TODAY, POLICY, W) if r.account == "A-REMIND").overdue == Decimal("9999.00")


def test_another_day_or_policy_is_computed_afresh(db, portfolio):
    today = queue(db, TODAY, POLICY, W, include_all=True)
    later = queue(db, TODAY + dt.timedelta(days=30), POLICY, W, include_all=True)
    assert later != today
    strict = Policy(warning_from_dpd=3)
    assert queue(db, TODAY, strict, W) == queue(db, TODAY, strict, W, use_cache=False)
    assert queue(db, TODAY, POLICY, PriorityWeights(stage_reminder=99), include_all=True)[0].account == "A-REMIND"


@pytest.fixture
def cached_db(db):
    """Every database of schema version 3 or later has the cache table."""
    return db


def test_cache_table_is_shared_and_equal(book, cached_db, portfolio):
    db = cached_db
    fresh = queue(db, TODAY, POLICY, W, include_all=True)
    stored = db.connection().execute("SELECT count(*) FROM queue_cache").fetchone()[0]
    assert stored == len(fresh)
    clear_memory_cache()                                # as another process would start
    again = queue(db, TODAY, POLICY, W, include_all=True)
    assert [dataclasses.replace(r, assessment=None) for r in fresh] == again
    assert all(r.assessment is None for r in again)
    clear_memory_cache()
    assert queue(db, TODAY, POLICY, W, limit=2) == [dataclasses.replace(r, assessment=None)
                                                   for r in fresh if r.needs_action][:2]


def test_cache_table_catches_up_with_one_account(book, cached_db, portfolio):
    db = cached_db
    queue(db, TODAY, POLICY, W)
    clear_memory_cache()
    e = db.connection().execute("SELECT id FROM account WHERE key = 'E-PROMISE'").fetchone()[0]
    book.activity(e, days(1), "call", "reached", follow_up=TODAY)
    clear_memory_cache()
    got = queue(db, TODAY, POLICY, W, include_all=True)
    want = queue(db, TODAY, POLICY, W, include_all=True, use_cache=False)
    assert got == [dataclasses.replace(r, assessment=None) for r in want]
    version = db.connection().execute("SELECT data_version FROM queue_cache_state").fetchone()[0]
    assert version == db.connection().execute("SELECT max(id) FROM audit_log").fetchone()[0]


def test_queue_json_is_the_rows_json_in_order(cached_db, portfolio):
    import json

    db = cached_db
    rows = queue(db, TODAY, POLICY, W, include_all=True, use_cache=False)
    for _ in range(2):                                  # computed, then read back from the table
        clear_memory_cache()
        assert [json.loads(t) for t in queue_json(db, TODAY, POLICY, W, include_all=True)] == \
            [r.to_json() for r in rows]
    assert [json.loads(t) for t in queue_json(db, TODAY, POLICY, W, limit=1)] == \
        [r.to_json() for r in rows if r.needs_action][:1]


def test_compute_rows_for_some_accounts(db, portfolio):
    conn = db.connection()
    ids = [r[0] for r in conn.execute("SELECT id FROM account WHERE key IN ('A-REMIND', 'C-PAID')")]
    rows = compute_rows(conn, TODAY, POLICY, W, account_ids=ids)
    assert [r.account for r in rows.values()] == ["A-REMIND"]   # C has nothing open and nothing to do


def test_settings_key_changes_with_every_setting():
    base = worklist.settings_key(POLICY, W, None, "USD")
    assert base == worklist.settings_key(Policy(), PriorityWeights(), {}, "USD")
    assert base != worklist.settings_key(Policy(plan_grace_days=6), W, None, "USD")
    assert base != worklist.settings_key(POLICY, PriorityWeights(distress=11), None, "USD")
    assert base != worklist.settings_key(POLICY, W, {"JPY": Decimal("0.0066")}, "USD")
    assert base != worklist.settings_key(POLICY, W, None, "EUR")


def test_exports_and_backups_do_not_invalidate_the_cache(db):
    """`export writeoff` writes an audit row per account it hands off: none of them changes a fact."""
    from arcollect_tui import audit
    from arcollect_tui.services.worklist import _data_version, _touched

    conn = db.connection()
    with db.atomic():
        since = _data_version(conn)
        audit.record(conn, user="t", action="export", entity="export_run", entity_id=1)
        for account_id in (11, 12, 13):
            audit.record(conn, user="t", action="export", entity="account", entity_id=account_id,
                         account_id=account_id)
        audit.record(conn, user="t", action="backup", entity="database")
    assert _touched(conn, since) == set()
    with db.atomic():
        audit.record(conn, user="t", action="log", entity="activity", entity_id=1, account_id=12)
    assert _touched(conn, since) == {12}
    with db.atomic():
        audit.record(conn, user="t", action="import", entity="import_batch", entity_id=1)
    assert _touched(conn, since) is None
