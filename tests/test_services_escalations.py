"""Escalations and financial distress (services/escalations.py)."""

from __future__ import annotations

import pytest

from arcollect_tui.errors import PolicyRefusal
from arcollect_tui.services.accounts import account_detail
from arcollect_tui.services.escalations import clear_distress, close_escalation, escalate, mark_distress

from test_actions import POLICY, Book, day
from test_services_plans import last_audit, unchanged

T = day(40)


@pytest.fixture
def ta(db):
    return Book(db).ta()


def esc(db, today=T, **kw):
    kw.setdefault("target", "collections_management")
    kw.setdefault("reason", "no payment commitment after 40 days")
    return escalate(db, "TA", today=today, user="tester", policy=POLICY, **kw)


def test_escalate_and_close(db, ta):
    r = esc(db, owner="Max Manager")
    assert (r.target, r.owner, r.opened_on, r.closed_on) == ("collections_management", "Max Manager", T, None)
    assert "escalated" in r.flags
    before, after = last_audit(db, "escalate")
    assert "escalated" not in before["flags"] and "escalated" in after["flags"]
    assert after["escalation"]["reason"] == "no payment commitment after 40 days"
    err = unchanged(db, lambda: esc(db, reason="again"), PolicyRefusal)
    assert f"already escalated to collections management (escalation {r.escalation_id}, since {T}): close it first" \
        in err
    other = esc(db, target="credit-analyst")               # another target may be open at the same time
    assert other.target == "credit_analyst"
    c = close_escalation(db, r.escalation_id, today=day(45), user="tester", policy=POLICY, outcome="CFO called back")
    assert (c.closed_on, c.outcome) == (day(45), "CFO called back")
    assert "escalated" in c.flags                          # the credit analyst's is still open
    assert f"was closed on {day(45)}" in unchanged(
        db, lambda: close_escalation(db, r.escalation_id, today=day(46), user="t", policy=POLICY), PolicyRefusal)
    close_escalation(db, other.escalation_id, today=day(46), user="tester", policy=POLICY)
    assert "escalated" not in account_detail(db, "TA", day(46), policy=POLICY).assessment.flags
    assert "escalated" in account_detail(db, "TA", day(44), policy=POLICY).assessment.flags   # as of before


@pytest.mark.parametrize("kw, expected", [
    (dict(target="ceo"), "--to: 'ceo': expected one of collections_management, sales_management, credit_analyst"),
    (dict(reason="  "), "--reason: '  ': expected why the account is escalated"),
    (dict(owner="x" * 201), "--owner: 'xxxxxxxx"),
])
def test_bad_input_writes_nothing(db, ta, kw, expected):
    assert expected in unchanged(db, lambda: esc(db, **kw))


def test_close_checks_the_id_and_the_date(db, ta):
    r = esc(db)
    assert "escalation: 5: no escalation has this id" in unchanged(
        db, lambda: close_escalation(db, 5, today=T, user="t", policy=POLICY))
    assert f"made on {T}, after this date" in unchanged(
        db, lambda: close_escalation(db, r.escalation_id, today=day(39), user="t", policy=POLICY))


def test_distress_mark_change_and_clear(db, ta):
    r = mark_distress(db, "TA", today=T, user="tester", policy=POLICY,
                      note="lost its main customer; willing, cannot pay before Q3")
    assert (r.distress, r.note, r.previous_note) == (True, "lost its main customer; willing, cannot pay before Q3",
                                                     None)
    assert "distress" in r.flags
    before, after = last_audit(db, "distress")
    assert (before["distress"], after["distress"], after["on"]) == (False, True, T.isoformat())
    r = mark_distress(db, "TA", today=day(41), user="tester", policy=POLICY, note="new CFO, plan possible")
    assert (r.note, r.previous_note) == ("new CFO, plan possible", "lost its main customer; willing, cannot pay "
                                                                   "before Q3")
    detail = account_detail(db, "TA", day(41), policy=POLICY)
    assert (detail.distress, detail.distress_note) == (True, "new CFO, plan possible")
    c = clear_distress(db, "TA", today=day(50), user="tester", policy=POLICY, note="refinanced")
    assert (c.distress, c.note, c.previous_note) == (False, None, "new CFO, plan possible")
    assert "distress" not in c.flags
    before, after = last_audit(db, "distress_clear")
    assert (before["distress_note"], after["clear_note"]) == ("new CFO, plan possible", "refinanced")
    assert "not marked" in unchanged(
        db, lambda: clear_distress(db, "TA", today=day(51), user="t", policy=POLICY), PolicyRefusal)


def test_distress_needs_a_solvency_note(db, ta):
    assert "--note: ' ': expected a solvency note" in unchanged(
        db, lambda: mark_distress(db, "TA", today=T, user="t", policy=POLICY, note=" "))
    assert "'NOPE'" in unchanged(db, lambda: mark_distress(db, "NOPE", today=T, user="t", policy=POLICY, note="x"))
