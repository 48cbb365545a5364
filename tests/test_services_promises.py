"""Promises to pay on their own (services/promises.py): defaults, invoices covered, standing, cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arcollect_tui.errors import PolicyRefusal
from arcollect_tui.services.disputes import open_dispute
from arcollect_tui.services.plans import plan_defaults
from arcollect_tui.services.promises import cancel_promise, make_promise

from test_actions import POLICY, Book, day
from test_services_plans import last_audit, unchanged

T = day(40)


@pytest.fixture
def ta(db):
    """TA-1 1,000.00 due D0, TA-2 500.00 due day(20) (both overdue at T), TA-3 300.00 due day(60)."""
    book = Book(db)
    acct = book.ta()
    book.invoice(acct, "TA-2", day(20), 50_000)
    book.invoice(acct, "TA-3", day(60), 30_000)
    return acct


def promise(db, today=T, **kw):
    kw.setdefault("pay_by", day(45))
    return make_promise(db, "TA", today=today, user="tester", policy=POLICY, **kw)


def test_the_amount_defaults_to_the_overdue_balance_covering_oldest_first(db, ta):
    r = promise(db)
    assert (r.amount, r.currency, r.invoices, r.pay_by, r.made_on) == (
        Decimal("1500.00"), "USD", ("TA-1", "TA-2"), day(45), T)
    assert (r.standing, r.deadline, r.hold) == ("open", day(47), "promise")
    assert "promise" in r.flags
    before, after = last_audit(db, "promise")
    assert before["hold"] is None and after["hold"] == "promise"
    assert after["promise"]["invoices"] == ["TA-1", "TA-2"] and after["promise"]["amount"] == "1500.00"


def test_disputed_amounts_are_not_chased_by_default(db, ta):
    open_dispute(db, "TA", today=T, user="tester", policy=POLICY, reason="pricing", route="sales",
                 invoices=["TA-2"], amount="200")
    assert promise(db).amount == Decimal("1300.00")
    d = plan_defaults(db, "TA", today=T, policy=POLICY)
    assert (d.overdue, d.balance, d.disputed, d.total) == (
        Decimal("1500.00"), Decimal("1800.00"), Decimal("200.00"), Decimal("1300.00"))


@pytest.mark.parametrize("amount, covered", [
    ("1000", ("TA-1",)), ("1000.01", ("TA-1", "TA-2")), ("1,800.00", ("TA-1", "TA-2", "TA-3")), ("0.01", ("TA-1",)),
])
def test_the_amount_reaches_the_oldest_invoices_first(db, ta, amount, covered):
    assert promise(db, amount=amount).invoices == covered


def test_chosen_invoices_default_the_amount_to_what_is_open_on_them(db, ta):
    r = promise(db, invoices=["TA-3", "TA-2"])
    assert (r.amount, r.invoices) == (Decimal("800.00"), ("TA-2", "TA-3"))
    assert promise(db, invoices=["TA-3"], amount="100").invoices == ("TA-3",)


@pytest.mark.parametrize("kw, expected", [
    (dict(amount="1800.01"), "--amount: 1800.01: expected at most what is open in USD (1,800.00 USD)"),
    (dict(amount="301", invoices=["TA-3"]), "--amount: 301.00: expected at most what is open on TA-3 (300.00 USD)"),
    (dict(amount="0"), "--amount: 0: expected an amount above zero"),
    (dict(amount="12.345"), "--amount: 12.345"),
    (dict(invoices=["TA-9"]), "--invoice: 'TA-9': not an open invoice of TA: expected one of TA-1, TA-2, TA-3"),
    (dict(pay_by=day(39)), f"--on: {day(39)}: expected a date on or after today ({T})"),
    (dict(pay_by=None), "--on: missing"),
    (dict(currency="EUR"), "--amount: missing: nothing is past due in EUR"),
    (dict(currency="EUR", amount="5"), "nothing is open in EUR"),
    (dict(currency="XXY"), "--currency: 'XXY'"),
    (dict(invoices=["TA-1"], currency="EUR"), "--currency: EUR: the invoices chosen are in USD"),
    (dict(activity_id=999), "activity: 999: not an activity of TA"),
])
def test_bad_input_writes_nothing(db, ta, kw, expected):
    assert expected in unchanged(db, lambda: promise(db, **kw))


def test_nothing_overdue_needs_an_amount(db, ta):
    assert "nothing is past due in USD" in unchanged(db, lambda: promise(db, today=day(-5), pay_by=day(0)))
    assert promise(db, today=day(-5), pay_by=day(0), amount="10").invoices == ("TA-1",)


def test_invoices_in_two_currencies_are_two_promises(db, ta):
    Book(db).invoice(ta, "TA-E", day(10), 20_000, currency="EUR")
    err = unchanged(db, lambda: promise(db, invoices=["TA-1", "TA-E"]))
    assert "in EUR and USD: expected invoices in one currency" in err
    r = promise(db, invoices=["TA-E"])
    assert (r.currency, r.amount) == ("EUR", Decimal("200.00"))


def test_jpy_amounts_have_no_minor_digits(db):
    book = Book(db)
    acct = book.account("JP", currency="JPY")
    book.invoice(acct, "JP-1", day(0), 120_000, currency="JPY")
    call = lambda: make_promise(db, "JP", today=T, user="t", policy=POLICY, pay_by=day(45), amount="100.5")
    assert "JPY" in unchanged(db, call)
    r = make_promise(db, "JP", today=T, user="t", policy=POLICY, pay_by=day(45))
    assert (r.amount, str(r.amount), r.currency) == (Decimal(120000), "120000", "JPY")


def test_cancel_an_open_promise_ends_its_hold(db, ta):
    r = promise(db, note="by wire")
    c = cancel_promise(db, r.promise_id, today=day(41), user="tester", policy=POLICY, note="customer withdrew")
    assert (c.cancelled_on, c.standing, c.hold) == (day(41), "cancelled", None)
    assert c.note == f"by wire\ncancelled on {day(41)}: customer withdrew"
    before, after = last_audit(db, "promise_cancel")
    assert before["hold"] == "promise" and after["hold"] is None
    assert "already cancelled" in unchanged(
        db, lambda: cancel_promise(db, r.promise_id, today=day(42), user="t", policy=POLICY), PolicyRefusal)


def test_a_kept_or_broken_promise_stays(db, ta):
    kept = promise(db, amount="1000")
    Book(db).pay(ta, day(44), 100_000)
    err = unchanged(db, lambda: cancel_promise(db, kept.promise_id, today=day(46), user="t", policy=POLICY),
                    PolicyRefusal)
    assert "only an open promise can be cancelled" in err and "is kept; it stays on the record" in err
    broken = promise(db, today=day(46), pay_by=day(50), amount="100")
    err = unchanged(db, lambda: cancel_promise(db, broken.promise_id, today=day(53), user="t", policy=POLICY),
                    PolicyRefusal)
    assert f"is broken since {day(53)}" in err


def test_cancel_checks_the_id_and_the_date(db, ta):
    r = promise(db)
    assert "promise: 42: no promise has this id" in unchanged(
        db, lambda: cancel_promise(db, 42, today=T, user="t", policy=POLICY))
    assert f"made on {T}, after this date" in unchanged(
        db, lambda: cancel_promise(db, r.promise_id, today=day(39), user="t", policy=POLICY))
