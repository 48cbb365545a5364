"""Payment plans in the store (services/plans.py): propose, approve (the matrix), reject, cancel.

TA-1 (1,000.00 USD) falls due on D0, so *today* = day(n) is dpd n (tests/test_actions.py's Book).
Every refusal and every bad input leaves the database exactly as it was; every write adds one
audit row holding the state before and after, and the chain holds.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from arcollect_tui import audit
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.plans import ApprovalMatrix, Instalment
from arcollect_tui.services import plans as svc
from arcollect_tui.services.accounts import account_detail
from arcollect_tui.services.escalations import mark_distress

from test_actions import POLICY, Book, day

T = day(40)   # 2026-02-10: TA-1 is 40 days past due


def dump(db) -> list[str]:
    return list(db.connection().iterdump())


def audit_rows(db) -> list[tuple]:
    return db.connection().execute("SELECT action, entity, entity_id, account_id, before, after FROM audit_log"
                                   " ORDER BY id").fetchall()


def unchanged(db, call, error=InputError) -> str:
    """Run `call`; it must raise `error` and leave the database byte for byte as it was."""
    before = dump(db)
    with pytest.raises(error) as e:
        call()
    assert dump(db) == before
    return str(e.value)


def last_audit(db, action: str) -> tuple[dict, dict]:
    row = audit_rows(db)[-1]
    assert row[0] == action and row[3] is not None
    assert audit.verify(db.connection())[1] is None
    return json.loads(row[4]), json.loads(row[5])


@pytest.fixture
def ta(db):
    return Book(db).ta()


def create(db, today=T, **kw):
    return svc.create_plan(db, "TA", today=today, user="tester", policy=POLICY, **kw)


def approve(db, plan_id, role="collector", by="Cora Collector", today=T, **kw):
    return svc.approve_plan(db, plan_id, approver=by, role=role, today=today, user="tester", policy=POLICY, **kw)


def test_a_plan_defaults_to_the_overdue_amount_monthly_from_next_month(db, ta):
    r = create(db, instalments=2)
    assert (r.status, r.standing, r.currency, r.total, r.down_payment) == (
        "pending", "pending", "USD", Decimal("1000.00"), Decimal("0.00"))
    assert [(i.seq, i.due_on, str(i.amount)) for i in r.instalments] == [
        (1, dt.date(2026, 3, 10), "500.00"), (2, dt.date(2026, 4, 10), "500.00")]
    assert (r.first_date, r.frequency, r.instalment_count) == (dt.date(2026, 3, 10), "monthly", 2)
    assert (r.required_role, r.credit_review) == ("collector", False)
    assert r.approval_reason == "2 instalments <= 3, 59 days <= 90, 1,000.00 USD <= 10,000.00: collector"
    assert r.hold is None and "plan" not in r.flags             # a pending plan holds nothing
    before, after = last_audit(db, "plan")
    assert before["stage"] == "warning_due" and after["plan"]["status"] == "pending"
    assert after["plan"]["instalments"] == [[1, "2026-03-10", "500.00"], [2, "2026-04-10", "500.00"]]


def test_a_down_payment_is_due_today_and_counts_in_the_total(db, ta):
    r = create(db, instalments=3, down_payment="250", frequency="biweekly", total="1000")
    assert [(i.seq, i.due_on, str(i.amount)) for i in r.instalments] == [
        (0, T, "250.00"), (1, T + dt.timedelta(weeks=2), "250.00"), (2, T + dt.timedelta(weeks=4), "250.00"),
        (3, T + dt.timedelta(weeks=6), "250.00")]
    assert r.instalment_count == 3 and r.down_payment == Decimal("250.00")


def test_custom_dates(db, ta):
    r = create(db, dates=[day(45), day(60), day(75)], total="900")
    assert (r.frequency, r.instalment_count, r.first_date) == ("custom", 3, day(45))
    assert [str(i.amount) for i in r.instalments] == ["300.00", "300.00", "300.00"]


def test_approval_below_the_required_role_is_refused_then_the_manager_approves(db, ta):
    r = create(db, instalments=4)
    assert (r.required_role, r.approval_reason) == ("collections_manager", "4 instalments > 3; 120 days > 90: "
                                                                           "collections manager")
    err = unchanged(db, lambda: approve(db, r.plan_id, "collector"), PolicyRefusal)
    assert "needs a collections manager's approval (4 instalments > 3; 120 days > 90" in err
    assert "Cora Collector approves as collector" in err
    a = approve(db, r.plan_id, "collections_manager", by="Max Manager", reference="CASE-7")
    assert (a.status, a.standing, a.approved_by, a.approver_role, a.approved_on, a.approval_ref) == (
        "approved", "active", "Max Manager", "collections_manager", T, "CASE-7")
    assert a.hold == "plan" and "plan" in a.flags and a.next_due == dt.date(2026, 3, 10)
    before, after = last_audit(db, "plan_approve")
    assert before["plan"]["status"] == "pending" and after["plan"]["status"] == "approved"
    assert before["hold"] is None and after["hold"] == "plan"


def test_a_higher_role_may_approve(db, ta):
    r = create(db, instalments=2)
    assert approve(db, r.plan_id, "director", by="Dee Director").status == "approved"


def test_a_director_needs_a_credit_analysts_review_by_someone_else(db, ta):
    r = create(db, instalments=7)
    assert (r.required_role, r.credit_review) == ("director", True)
    assert r.approval_reason.startswith("7 instalments > 6") and r.approval_reason.endswith(
        "director with credit analyst review")
    assert "--reviewed-by" in unchanged(db, lambda: approve(db, r.plan_id, "director", by="Dee"), PolicyRefusal)
    assert "someone other than the approver" in unchanged(
        db, lambda: approve(db, r.plan_id, "director", by="Dee", reviewed_by="dee"), PolicyRefusal)
    a = approve(db, r.plan_id, "director", by="Dee", reviewed_by="Cal Analyst")
    assert (a.status, a.reviewed_by) == ("approved", "Cal Analyst")


def test_a_distressed_account_needs_a_review_even_for_a_collector(db, ta):
    mark_distress(db, "TA", today=T, user="tester", policy=POLICY, note="cash-flow trouble, willing")
    r = create(db, instalments=2)
    assert (r.required_role, r.credit_review) == ("collector", True)
    assert "financial distress" in unchanged(db, lambda: approve(db, r.plan_id), PolicyRefusal)
    assert approve(db, r.plan_id, reviewed_by="Cal Analyst").status == "approved"


def test_approval_checks_the_matrix_in_force_and_keeps_the_stricter(db, ta):
    r = create(db, instalments=2)
    strict = ApprovalMatrix.from_mapping({"collector": {"instalments": 1}})
    err = unchanged(db, lambda: approve(db, r.plan_id, matrix=strict), PolicyRefusal)
    assert "2 instalments > 1" in err


def test_a_plan_made_under_a_stricter_matrix_keeps_its_role(db, ta):
    strict = ApprovalMatrix.from_mapping({"collector": {"instalments": 1}})
    r = create(db, instalments=2, matrix=strict)
    assert r.required_role == "collections_manager"
    err = unchanged(db, lambda: approve(db, r.plan_id, matrix=ApprovalMatrix()), PolicyRefusal)
    assert "as required when the plan was made" in err


def test_one_live_plan_at_a_time(db, ta):
    r = create(db, instalments=2)
    err = unchanged(db, lambda: create(db, instalments=3), PolicyRefusal)
    assert f"already has plan {r.plan_id}, pending approval" in err
    svc.reject_plan(db, r.plan_id, by="Max Manager", today=T, user="tester", policy=POLICY, note="too long")
    r2 = create(db, instalments=2)
    approve(db, r2.plan_id)
    assert "approved and in good standing" in unchanged(db, lambda: create(db, instalments=3), PolicyRefusal)
    svc.cancel_plan(db, r2.plan_id, today=T, user="tester", policy=POLICY)
    assert create(db, instalments=3).status == "pending"


def test_reject_and_cancel(db, ta):
    r = create(db, instalments=2, note="first try")
    x = svc.reject_plan(db, r.plan_id, by="Max Manager", today=T, user="tester", policy=POLICY, note="too slow")
    assert x.status == "rejected" and x.note == f"first try\nrejected on {T} by Max Manager: too slow"
    before, after = last_audit(db, "plan_reject")
    assert (before["plan"]["status"], after["plan"]["status"], after["rejected_by"]) == ("pending", "rejected",
                                                                                        "Max Manager")
    for call in (lambda: approve(db, r.plan_id), lambda: svc.cancel_plan(db, r.plan_id, today=T, user="t",
                                                                         policy=POLICY),
                 lambda: svc.reject_plan(db, r.plan_id, by="X", today=T, user="t", policy=POLICY)):
        assert "rejected" in unchanged(db, call, PolicyRefusal)
    r2 = create(db, instalments=2)
    approve(db, r2.plan_id)
    c = svc.cancel_plan(db, r2.plan_id, today=day(41), user="tester", policy=POLICY, note="customer paid")
    assert (c.status, c.standing, c.cancelled_on, c.hold) == ("cancelled", "cancelled", day(41), None)
    assert "plan" not in c.flags
    before, after = last_audit(db, "plan_cancel")
    assert before["hold"] == "plan" and after["hold"] is None and before["plan"]["standing"] == "active"


def test_the_hold_ends_when_an_instalment_is_missed(db, ta):
    r = create(db, instalments=2)
    approve(db, r.plan_id)
    grace = POLICY.plan_grace_days
    due = dt.date(2026, 3, 10)
    held = account_detail(db, "TA", due + dt.timedelta(days=grace), policy=POLICY).assessment
    assert held.hold is not None and held.hold.kind == "plan" and "plan" in held.flags
    late = account_detail(db, "TA", due + dt.timedelta(days=grace + 1), policy=POLICY).assessment
    assert late.hold is None and [s.status for s in late.plans] == ["defaulted"]
    assert "broken_promise" in late.flags and "plan" not in late.flags
    # a defaulted plan does not block a new one
    assert create(db, instalments=2, today=due + dt.timedelta(days=grace + 1)).status == "pending"


def test_a_completed_plan_cannot_be_cancelled(db, ta):
    book = Book(db)
    r = create(db, instalments=2)
    approve(db, r.plan_id)
    book.pay(1, dt.date(2026, 3, 9), 50_000)
    book.pay(1, dt.date(2026, 4, 9), 50_000)
    err = unchanged(db, lambda: svc.cancel_plan(db, r.plan_id, today=day(100), user="t", policy=POLICY),
                    PolicyRefusal)
    assert "completed" in err


def test_the_approval_date(db, ta):
    r = create(db, instalments=2, today=day(40))
    assert "on or before --today" in unchanged(db, lambda: approve(db, r.plan_id, on=day(42), today=day(41)))
    assert "on or after the day the plan was made" in unchanged(db, lambda: approve(db, r.plan_id, on=day(39),
                                                                                    today=day(41)))
    assert "made on 2026-02-10, after this date" in unchanged(db, lambda: approve(db, r.plan_id, today=day(39)))
    a = approve(db, r.plan_id, on=day(40), today=day(45))
    assert a.approved_on == day(40)


def test_an_edited_schedule_is_stored_as_given_when_it_adds_up(db, ta):
    rows = [Instalment(0, T, Decimal("100.00")), Instalment(1, day(50), Decimal("400.00")),
            Instalment(2, day(70), Decimal("500.00"))]
    r = create(db, schedule=rows)
    assert r.instalments == tuple(rows) and r.down_payment == Decimal("100.00") and r.instalment_count == 2
    assert (r.frequency, r.first_date) == ("custom", day(50))
    db2_rows = [Instalment(1, day(50), Decimal("400.00")), Instalment(2, day(70), Decimal("500.00"))]
    svc.cancel_plan(db, r.plan_id, today=T, user="t", policy=POLICY)
    err = unchanged(db, lambda: create(db, schedule=db2_rows, frequency="custom"))
    assert "schedule: 900.00 USD: the instalments must add up to the total 1,000.00 USD (off by -100.00)" in err


@pytest.mark.parametrize("kw, expected", [
    (dict(instalments=2, total="1000.01"), "--total: 1000.01: expected at most the open balance (1,000.00 USD)"),
    (dict(instalments=2, total="10.001"), "--total: 10.001"),
    (dict(instalments=2, total="-5"), "--total: -5: expected an amount above zero"),
    (dict(instalments=2, down_payment="1000"), "--down: 1,000.00: expected less than the total"),
    (dict(instalments=2, down_payment="abc"), "--down: abc"),
    (dict(), "--instalments: missing"),
    (dict(instalments=0), "--instalments: 0"),
    (dict(instalments=2, first_date=day(39)), f"--first: {day(39)}: expected today ({T}) or later"),
    (dict(dates=[day(39), day(50)]), f"--dates: {day(39)}: expected dates on or after today"),
    (dict(dates=[day(60), day(50)]), f"--dates: {day(50)}: expected a date after {day(60)}"),
    (dict(instalments=2, frequency="daily"), "--every: 'daily'"),
    (dict(instalments=2, currency="EUR"), "--total: missing: nothing is open in EUR"),
    (dict(instalments=2, currency="EURO"), "--currency: 'EURO'"),
    (dict(instalments=200_000, total="1000"), "--instalments: 200000"),
])
def test_bad_input_names_the_option_and_writes_nothing(db, ta, kw, expected):
    err = unchanged(db, lambda: create(db, **kw))
    assert expected in err, err


def test_unknown_account_and_plan(db, ta):
    assert "'NOPE'" in unchanged(db, lambda: svc.create_plan(db, "NOPE", today=T, user="t", policy=POLICY,
                                                            instalments=2))
    assert "plan: 99: no plan has this id" in unchanged(db, lambda: approve(db, 99))
    assert "--role: 'boss'" in unchanged(db, lambda: approve(db, 99, role="boss"))


def test_nothing_open_needs_no_plan(db):
    book = Book(db)
    acct = book.ta()
    book.pay(acct, day(5), 100_000)
    assert "nothing is open in USD" in unchanged(db, lambda: create(db, instalments=2))


def test_plan_defaults_for_the_form(db, ta):
    d = svc.plan_defaults(db, "TA", today=day(-10), policy=POLICY)
    assert (d.currency, d.overdue, d.balance, d.total, d.distressed) == (
        "USD", Decimal("0.00"), Decimal("1000.00"), Decimal("1000.00"), False)   # nothing overdue yet: the balance
    assert svc.plan_defaults(db, "TA", today=T, policy=POLICY).total == Decimal("1000.00")
