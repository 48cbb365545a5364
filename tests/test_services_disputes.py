"""Disputes (services/disputes.py): opening, the status ladder, and credit notes from a resolution.

What a `resolved_credit` resolution must do to the books: a credit note (an invoice row of kind
credit_note, negative) applied to the disputed invoice, so that the invoice's open amount, the
account's balance, the `account` view and the worklist all fall by the credit; what cannot be
applied stays open on the credit note as a credit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from arcollect_tui.errors import PolicyRefusal
from arcollect_tui.services.accounts import account_detail, detail_to_json
from arcollect_tui.services.disputes import open_dispute, set_dispute_status
from arcollect_tui.services.worklist import queue
from arcollect_tui.priority import PriorityWeights

from test_actions import POLICY, Book, day
from test_services_plans import audit_rows, last_audit, unchanged

T = day(40)


@pytest.fixture
def ta(db):
    """TA-1 1,000.00 due D0, TA-2 500.00 due day(20)."""
    book = Book(db)
    acct = book.ta()
    book.invoice(acct, "TA-2", day(20), 50_000)
    return acct


def dispute(db, today=T, **kw):
    kw.setdefault("reason", "pricing")
    kw.setdefault("route", "sales_ops")
    return open_dispute(db, "TA", today=today, user="tester", policy=POLICY, **kw)


def status(db, dispute_id, new, today=T, **kw):
    return set_dispute_status(db, dispute_id, new, today=today, user="tester", policy=POLICY, **kw)


def test_one_dispute_per_invoice_for_what_is_open_on_it(db, ta):
    a, b = dispute(db, invoices=["TA-2", "TA-1"], owner="Sam Sales", note="wrong price list")
    assert [(r.invoice, r.amount, r.status, r.routed_to, r.owner) for r in (a, b)] == [
        ("TA-1", Decimal("1000.00"), "open", "sales_ops", "Sam Sales"),
        ("TA-2", Decimal("500.00"), "open", "sales_ops", "Sam Sales")]
    # every past-due invoice is wholly in dispute: off the dunning clock, on hold
    assert (b.hold, b.stage) == ("dispute", "warning_due") and "dispute" in b.flags
    a_t = account_detail(db, "TA", T, policy=POLICY).assessment
    assert a_t.dpd == 0 and a_t.anchor is None
    assert [r[0] for r in audit_rows(db)[-2:]] == ["dispute", "dispute"]


def test_part_of_one_invoice(db, ta):
    (r,) = dispute(db, invoices=["TA-1"], amount="250", reason="quantity", route="billing")
    assert (r.invoice, r.amount, r.reason) == ("TA-1", Decimal("250.00"), "quantity")
    assert r.hold is None       # 750.00 of TA-1 is still undisputed: the clock runs
    err = unchanged(db, lambda: dispute(db, invoices=["TA-1"], amount="750.01"))
    assert "expected at most what is open on TA-1 and not yet disputed (750.00 USD)" in err
    (r2,) = dispute(db, invoices=["TA-1"])
    assert r2.amount == Decimal("750.00")
    assert f"already wholly in dispute (dispute {r.dispute_id}, {r2.dispute_id})" in unchanged(
        db, lambda: dispute(db, invoices=["TA-1"]))


def test_an_amount_without_an_invoice(db, ta):
    (r,) = dispute(db, amount="200", reason="other", route="other")
    assert (r.invoice, r.amount, r.currency, r.hold) == (None, Decimal("200.00"), "USD", None)
    assert "--amount: 1500.01: expected at most the open balance (1,500.00 USD)" in unchanged(
        db, lambda: dispute(db, amount="1500.01"))


@pytest.mark.parametrize("kw, expected", [
    (dict(reason="price"), "--reason: 'price': expected one of pricing, quantity, not_received"),
    (dict(route="finance"), "--route: 'finance': expected one of sales_ops, sales, billing, other"),
    (dict(), "--invoice: missing: expected the disputed invoices"),
    (dict(invoices=["TA-1", "TA-2"], amount="10"), "--amount: 10: with several invoices"),
    (dict(invoices=["TA-7"]), "--invoice: 'TA-7': not an open invoice of TA"),
    (dict(invoices=["TA-1"], amount="0"), "--amount: 0: expected an amount above zero"),
])
def test_bad_input_writes_nothing(db, ta, kw, expected):
    assert expected in unchanged(db, lambda: dispute(db, **kw))


def test_the_status_ladder(db, ta):
    (r,) = dispute(db, invoices=["TA-2"])
    s = status(db, r.dispute_id, "in_review", owner="Bea Billing", note="asked for the contract")
    assert (s.status, s.resolved_on, s.owner) == ("in_review", None, "Bea Billing")
    assert s.note == f"in review on {T}: asked for the contract"
    assert "it can move to resolved_credit, resolved_valid, withdrawn" in unchanged(
        db, lambda: status(db, r.dispute_id, "open"), PolicyRefusal)
    v = status(db, r.dispute_id, "resolved_valid", today=day(45))
    assert (v.status, v.resolved_on, v.credit_note) == ("resolved_valid", day(45), None)
    before, after = last_audit(db, "dispute_status")
    assert (before["dispute"]["status"], after["dispute"]["status"]) == ("in_review", "resolved_valid")
    assert "a resolution is final" in unchanged(db, lambda: status(db, r.dispute_id, "withdrawn", today=day(46)),
                                               PolicyRefusal)
    (w,) = dispute(db, invoices=["TA-1"])
    assert status(db, w.dispute_id, "withdrawn").status == "withdrawn"     # open -> straight to a resolution


@pytest.mark.parametrize("new, kw, expected", [
    ("closed", {}, "STATUS: 'closed': expected one of open, in_review"),
    ("resolved_valid", {"credit": "10"}, "--credit: 10: a credit note comes with STATUS resolved_credit only"),
    ("resolved_credit", {"credit": "500.01"}, "--credit: 500.01: expected at most the disputed amount (500.00 USD)"),
    ("resolved_credit", {"credit": "-1"}, "--credit: -1: expected an amount above zero"),
])
def test_bad_status_input_writes_nothing(db, ta, new, kw, expected):
    (r,) = dispute(db, invoices=["TA-2"])
    assert expected in unchanged(db, lambda: status(db, r.dispute_id, new, **kw))


def test_status_checks_the_id_and_the_date(db, ta):
    (r,) = dispute(db, invoices=["TA-2"])
    assert "dispute: 77: no dispute has this id" in unchanged(db, lambda: status(db, 77, "in_review"))
    assert f"made on {T}, after this date" in unchanged(db, lambda: status(db, r.dispute_id, "withdrawn",
                                                                          today=day(39)))


def test_a_credit_note_reduces_the_invoice_the_balance_the_account_view_and_the_queue(db, ta):
    (r,) = dispute(db, invoices=["TA-1"], amount="300")
    c = status(db, r.dispute_id, "resolved_credit", today=day(42))
    assert (c.credit_note, c.credit_amount, c.credit_applied, c.credit_unapplied) == (
        f"CN-D{r.dispute_id}", Decimal("300.00"), (("TA-1", Decimal("300.00")),), Decimal("0.00"))
    assert c.balance == Decimal("1200.00") and c.resolved_on == day(42)
    conn = db.connection()
    kind, amount, dated, due, settled, desc = conn.execute(
        "SELECT kind, amount_minor, invoice_date, due_date, settled_on, description FROM invoice WHERE id = ?",
        (c.credit_note_id,)).fetchone()
    assert (kind, amount, dated, due, settled) == ("credit_note", -30_000, "2026-02-12", "2026-02-12", "2026-02-12")
    assert desc == f"Credit for TA-1: pricing (dispute {r.dispute_id})"
    assert conn.execute("SELECT invoice_id, payment_id, applied_on, amount_minor FROM allocation"
                        " WHERE credit_note_id = ?", (c.credit_note_id,)).fetchall() == [(1, None, "2026-02-12", 30_000)]
    doc = detail_to_json(account_detail(db, "TA", day(42), policy=POLICY))
    assert [(i["invoice"], i["open_amount"]) for i in doc["open_invoices"]] == [("TA-1", "700.00"), ("TA-2", "500.00")]
    assert (doc["balances"][0]["balance"], doc["balances"][0]["overdue"]) == ("1200.00", "1200.00")
    (d,) = doc["disputes"]
    assert (d["status"], d["resolved_on"], d["amount"]) == ("resolved_credit", "2026-02-12", "300.00")
    # as of the day before, nothing was credited yet
    doc = detail_to_json(account_detail(db, "TA", day(41), policy=POLICY))
    assert doc["balances"][0]["balance"] == "1500.00" and doc["disputes"][0]["status"] == "open"
    (row,) = [q for q in queue(db, day(42), POLICY, PriorityWeights(), include_all=True) if q.account == "TA"]
    assert (row.balance, row.overdue) == (Decimal("1200.00"), Decimal("1200.00"))
    before, after = last_audit(db, "dispute_status")
    assert after["credit_note"] == {"id": c.credit_note_id, "number": f"CN-D{r.dispute_id}", "amount": "-300.00",
                                    "applied": [["TA-1", "300.00"]]}


def test_a_whole_invoice_credited_settles_it_and_moves_the_clock(db, ta):
    (r,) = dispute(db, invoices=["TA-1"])
    c = status(db, r.dispute_id, "resolved_credit")
    assert c.balance == Decimal("500.00")
    assert db.connection().execute("SELECT settled_on FROM invoice WHERE number = 'TA-1'").fetchone() == (T.isoformat(),)
    a = account_detail(db, "TA", T, policy=POLICY).assessment
    assert (a.anchor, a.dpd) == ("TA-2", 20)


def test_what_a_credit_cannot_apply_stays_open_on_the_credit_note(db, ta):
    (r,) = dispute(db, invoices=["TA-1"], today=day(5))
    Book(db).pay(ta, day(10), 90_000)                   # the customer pays 900.00 of TA-1 meanwhile
    c = status(db, r.dispute_id, "resolved_credit", today=day(20))
    assert (c.credit_applied, c.credit_unapplied) == ((("TA-1", Decimal("100.00")),), Decimal("900.00"))
    doc = detail_to_json(account_detail(db, "TA", day(20), policy=POLICY))
    assert [(i["invoice"], i["kind"], i["open_amount"]) for i in doc["open_invoices"]] == [
        ("TA-2", "invoice", "500.00"), (f"CN-D{r.dispute_id}", "credit_note", "-900.00")]
    assert doc["balances"][0]["balance"] == "-400.00"


def test_a_dispute_without_an_invoice_credits_the_oldest_first(db, ta):
    (r,) = dispute(db, amount="1200", reason="service_issue", route="sales")
    c = status(db, r.dispute_id, "resolved_credit", credit="1100")
    assert c.credit_applied == (("TA-1", Decimal("1000.00")), ("TA-2", Decimal("100.00")))
    assert (c.credit_amount, c.balance) == (Decimal("1100.00"), Decimal("400.00"))


def test_credit_note_numbers_stay_unique(db, ta):
    Book(db).invoice(ta, "CN-D1", day(0), 10)       # an imported invoice already has the number
    (r,) = dispute(db, invoices=["TA-2"])
    assert r.dispute_id == 1
    assert status(db, 1, "resolved_credit").credit_note == "CN-D1-2"
