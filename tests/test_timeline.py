"""The timeline: every boundary of the default policy, holds, the anchor shift, as-of views."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcollect_tui.config import Policy
from arcollect_tui.timeline import (
    STAGES, ContactFact, DisputeFact, EscalationFact, Facts, Item, PaymentFact, PlanFact, PromiseFact, StepFact,
    assess, stage_history,
)

P = Policy()
D = dt.date
DUE = D(2026, 1, 11)                     # TA-1 falls due on 11 January


def day(n: int) -> dt.date:
    """The day on which TA-1 is n days past due."""
    return DUE + dt.timedelta(days=n)


def inv(number="TA-1", due=DUE, amount=100_000, paid=(), currency="USD", issued=None) -> Item:
    return Item(number, issued or due - dt.timedelta(days=30), due, currency, amount, tuple(paid))


def facts(*items, **kw) -> Facts:
    return Facts("TA", items=tuple(items) or (inv(),), **kw)


@pytest.mark.parametrize(
    "dpd, stage",
    [(-5, "current"), (0, "current"), (1, "reminder"), (14, "reminder"), (15, "follow_up"), (29, "follow_up"),
     (30, "warning_due"), (200, "warning_due")],
)
def test_dpd_boundaries(dpd, stage):
    a = assess(facts(), P, day(dpd))
    assert a.stage == stage
    assert a.dpd == max(dpd, 0)


def test_reason_and_next_action_read_as_words():
    a = assess(facts(), P, day(31))
    assert a.reason == "TA-1 is 31 days past due; no valid warning"
    assert a.next_action == "get approval and send the suspension warning"
    assert a.next_action_due == day(30)
    assert a.needs_action
    assert "suspension possible from 2026-02-21 if warned today" in [c.text for c in a.coming]
    a = assess(facts(), P, day(1))
    assert a.reason == "TA-1 is 1 day past due"
    assert (a.next_action, a.next_action_due) == ("send the first reminder", day(1))


def test_reminder_done_moves_the_next_action_to_the_follow_up_date():
    f = facts(contacts=(ContactFact(day(2), "email", "sent"),))
    a = assess(f, P, day(5))
    assert a.stage == "reminder"
    assert (a.next_action, a.next_action_due) == ("call, and send the second reminder", day(15))
    assert not a.needs_action


@pytest.mark.parametrize("warning_day, today_day, stage", [
    (30, 30, "warned"), (30, 39, "warned"), (30, 40, "suspension_due"),   # notice: day 9 vs day 10
    (30, 60, "suspension_due"), (30, 61, "warning_due"),                   # valid 30 days after it was sent
])
def test_warning_notice_and_validity(warning_day, today_day, stage):
    f = facts(steps=(StepFact("warning", day(warning_day)),))
    a = assess(f, P, day(today_day))
    assert a.stage == stage


def test_warning_sent_too_early_does_not_count():
    f = facts(steps=(StepFact("warning", day(20)),))
    assert assess(f, P, day(45)).stage == "warning_due"


def test_suspension_possible_date_is_stated():
    f = facts(steps=(StepFact("warning", day(31)),))
    a = assess(f, P, day(33))
    assert a.stage == "warned"
    assert a.next_action == "call; suspension possible on 2026-02-21"
    assert ("suspension possible from 2026-02-21") in [c.text for c in a.coming]


def test_partial_payment_moving_the_anchor_needs_a_new_warning():
    """Kill Bill #2297: paying the oldest invoice must not let the account skip its warning."""
    old = inv("TA-1", DUE, paid=((day(45), 100_000),))            # paid in full on day 45
    young = inv("TA-2", DUE + dt.timedelta(days=10))                # falls due 10 days later
    f = facts(old, young, steps=(StepFact("warning", day(32)),))
    assert assess(f, P, day(44)).stage == "suspension_due"         # before the payment
    after = assess(f, P, day(45))
    assert after.anchor == "TA-2" and after.dpd == 35
    assert after.stage == "warning_due"                             # TA-2 was at 22 dpd when warned
    assert after.warning_on is None


def test_suspended_and_referred_come_from_steps():
    steps = (StepFact("warning", day(30)), StepFact("suspension", day(41)))
    a = assess(facts(steps=steps), P, day(50))
    assert a.stage == "suspended" and "suspended" in a.flags
    assert a.next_action == "chase; refer to write-off from 2026-04-11"
    a = assess(facts(steps=steps), P, day(90))
    assert a.next_action == "refer to the write-off team" and a.needs_action
    a = assess(facts(steps=steps + (StepFact("referral", day(91)),)), P, day(91))
    assert a.stage == "referred" and a.next_action is None
    reinstated = steps + (StepFact("reinstatement", day(55)),)
    a = assess(facts(steps=reinstated), P, day(56))
    assert a.stage == "warning_due"                  # the old warning does not survive reinstatement


def test_suspended_with_nothing_past_due_asks_to_reinstate():
    paid = inv(paid=((day(50), 100_000),))
    steps = (StepFact("warning", day(30)), StepFact("suspension", day(41)))
    a = assess(facts(paid, steps=steps), P, day(51))
    assert a.stage == "suspended"
    assert a.next_action == "reinstate: nothing is past due" and a.needs_action


# ---------------------------------------------------------------------------------------- holds

def promise(made, pay_by, amount=100_000):
    return PromiseFact(day(made), day(pay_by), "USD", amount)


def test_open_promise_holds_the_stage_and_moves_the_action():
    f = facts(promises=(promise(25, 35),))
    a = assess(f, P, day(33))
    assert a.stage == "follow_up"                         # the stage it had when the promise was made
    assert a.dpd == 33
    assert a.hold is not None and a.hold.kind == "promise"
    assert a.next_action_due == day(38)                   # the day after pay_by + 2 days' tolerance
    assert "promise" in a.flags and not a.needs_action


def test_kept_promise():
    f = facts(inv(paid=((day(36), 100_000),)), promises=(promise(25, 35),),
              payments=(PaymentFact(day(36), "USD", 100_000),))
    a = assess(f, P, day(40))
    assert a.promises[0].status == "kept"
    assert a.stage == "current" and "broken_promise" not in a.flags


def test_broken_promise_ends_the_hold_at_once():
    f = facts(promises=(promise(25, 35),))
    assert assess(f, P, day(37)).hold is not None          # pay_by + 2: still open
    a = assess(f, P, day(38))
    assert a.promises[0].status == "broken"
    assert a.hold is None and a.stage == "warning_due"
    assert "broken_promise" in a.flags and a.needs_action


def test_partly_kept_promise_is_not_kept():
    f = facts(inv(paid=((day(30), 40_000),)), promises=(promise(25, 35),),
              payments=(PaymentFact(day(30), "USD", 40_000),))
    a = assess(f, P, day(38))
    assert a.promises[0].status == "partly_kept" and a.promises[0].paid_minor == 40_000
    assert "broken_promise" in a.flags


def test_broken_promise_flag_clears_with_a_new_promise():
    f = facts(promises=(promise(25, 35), promise(40, 45)))
    a = assess(f, P, day(41))
    assert "broken_promise" not in a.flags and "promise" in a.flags


def plan(created, approved, instalments, amount=50_000):
    return PlanFact(day(created), day(approved) if approved is not None else None, "USD",
                    tuple((day(d), amount) for d in instalments))


def test_plan_in_good_standing_holds_and_a_missed_instalment_defaults_it():
    p = plan(20, 21, (40, 70))
    paid_first = facts(inv(paid=((day(39), 50_000),)), plans=(p,),
                       payments=(PaymentFact(day(39), "USD", 50_000),))
    a = assess(paid_first, P, day(50))
    assert a.plans[0].status == "active" and "plan" in a.flags
    assert a.hold is not None and a.hold.kind == "plan" and a.hold.until == day(75)
    assert a.stage == "follow_up"                          # held where it was when the plan was approved
    missed = facts(plans=(p,))
    assert assess(missed, P, day(45)).plans[0].status == "active"       # within the grace period
    a = assess(missed, P, day(46))
    assert a.plans[0].status == "defaulted" and a.hold is None
    assert "broken_promise" in a.flags and a.stage == "warning_due"


def test_pending_plan_does_not_hold():
    a = assess(facts(plans=(plan(20, None, (40, 70)),)), P, day(33))
    assert a.plans[0].status == "pending" and a.hold is None and a.stage == "warning_due"


def test_disputes_covering_every_past_due_invoice_hold():
    f = facts(disputes=(DisputeFact("TA-1", 100_000, day(20)),))
    a = assess(f, P, day(40))
    assert a.dpd == 0                                      # disputed items leave the dunning clock
    assert a.hold is not None and a.hold.kind == "dispute"
    assert a.stage == "follow_up"                           # where it was the day before the dispute (dpd 19)
    assert a.next_action_due is None and "dispute" in a.flags


def test_dispute_on_part_of_the_past_due_items():
    f = facts(inv("TA-1"), inv("TA-2", DUE + dt.timedelta(days=5)),
              disputes=(DisputeFact("TA-1", 100_000, day(20)),))
    a = assess(f, P, day(40))
    assert a.anchor == "TA-2" and a.dpd == 35 and a.hold is None and a.stage == "warning_due"


def test_partial_dispute_of_an_invoice_keeps_it_counting():
    f = facts(disputes=(DisputeFact("TA-1", 30_000, day(5)),))
    a = assess(f, P, day(40))
    assert a.anchor == "TA-1" and a.dpd == 40 and a.hold is None
    assert a.positions[0].disputed_minor == 30_000


def test_resolved_dispute_puts_the_invoice_back_on_the_clock():
    f = facts(disputes=(DisputeFact("TA-1", 100_000, day(5), day(50)),))
    assert assess(f, P, day(49)).dpd == 0
    a = assess(f, P, day(50))
    assert a.dpd == 50 and a.stage == "warning_due"


# ------------------------------------------------------------------------------- the other bits

def test_jpy_amounts_and_positions():
    f = facts(inv(amount=1_234_567, currency="JPY"))
    a = assess(f, P, day(3))
    assert a.positions[0].currency == "JPY" and a.positions[0].overdue_minor == 1_234_567


def test_follow_up_flag_and_date():
    f = facts(contacts=(ContactFact(day(16), "call", "no_answer", day(18)),))
    a = assess(f, P, day(17))
    assert "follow_up_due" not in a.flags and a.follow_up_on == day(18)
    a = assess(f, P, day(18))
    assert "follow_up_due" in a.flags
    f = facts(contacts=(ContactFact(day(16), "call", "no_answer", day(18)), ContactFact(day(19), "call", "reached")))
    assert "follow_up_due" not in assess(f, P, day(20)).flags


def test_escalation_and_distress_flags():
    f = facts(escalations=(EscalationFact(day(10), day(20)),), distress=True)
    assert set(assess(f, P, day(15)).flags) >= {"escalated", "distress"}
    assert "escalated" not in assess(f, P, day(20)).flags


def test_as_of_views_before_and_after_each_event():
    f = facts(inv(paid=((day(70), 100_000),)),
              steps=(StepFact("warning", day(31)), StepFact("suspension", day(42))))
    assert assess(f, P, day(-1)).stage == "current"
    assert assess(f, P, day(30)).stage == "warning_due"
    assert assess(f, P, day(31)).stage == "warned"
    assert assess(f, P, day(41)).stage == "suspension_due"
    assert assess(f, P, day(42)).stage == "suspended"
    assert assess(f, P, day(70)).next_action == "reinstate: nothing is past due"
    # an invoice dated after today does not exist yet
    assert assess(f, P, DUE - dt.timedelta(days=31)).positions == ()


def test_stage_history_lists_the_changes():
    f = facts(steps=(StepFact("warning", day(31)),))
    hist = stage_history(f, P, day(-2), day(45))
    assert [s for _, s in hist] == ["current", "reminder", "follow_up", "warning_due", "warned", "suspension_due"]
    assert dict((s, d) for d, s in hist)["suspension_due"] == day(41)


def test_custom_policy_moves_every_boundary():
    p = dataclasses.replace(P, follow_up_from_dpd=10, warning_from_dpd=20, warning_notice_days=5)
    f = facts(steps=(StepFact("warning", day(20)),))
    assert [assess(f, p, day(n)).stage for n in (9, 10, 19, 20, 24, 25)] == [
        "reminder", "follow_up", "follow_up", "warned", "warned", "suspension_due"]


# ------------------------------------------------------------------------------------ properties

dates = st.integers(min_value=-20, max_value=150).map(day)


@st.composite
def portfolios(draw):
    n = draw(st.integers(1, 3))
    items = []
    for k in range(n):
        due = draw(dates)
        amount = draw(st.integers(1, 10_000))
        paid = tuple(sorted(draw(st.lists(st.tuples(dates, st.integers(1, amount)), max_size=2))))
        if sum(a for _, a in paid) > amount:
            paid = ()
        items.append(inv(f"I{k}", due, amount, paid))
    steps = tuple(StepFact(draw(st.sampled_from(["warning", "suspension", "reinstatement", "referral"])), draw(dates))
                  for _ in range(draw(st.integers(0, 3))))
    disputes = tuple(DisputeFact(f"I{draw(st.integers(0, n - 1))}", draw(st.integers(1, 10_000)), draw(dates),
                                 draw(st.one_of(st.none(), dates))) for _ in range(draw(st.integers(0, 2))))
    promises = tuple(PromiseFact(m, m + dt.timedelta(days=draw(st.integers(0, 20))), "USD", draw(st.integers(1, 5000)))
                     for m in draw(st.lists(dates, max_size=2)))
    payments = tuple(PaymentFact(draw(dates), "USD", draw(st.integers(1, 5000))) for _ in range(draw(st.integers(0, 2))))
    return Facts("H", tuple(items), disputes, payments, promises, (), steps)


@settings(max_examples=1000, deadline=None)
@given(portfolios(), dates)
def test_suspension_is_never_due_without_an_approved_warning_and_its_notice(f, today):
    a = assess(f, P, today)
    if a.stage != "suspension_due":
        return
    warnings = [s.on_date for s in f.steps if s.kind == "warning" and s.on_date <= today]
    if a.hold is None:
        assert a.warning_on in warnings
        assert P.warning_notice_days <= (today - a.warning_on).days <= P.warning_valid_days
        assert a.dpd >= P.warning_from_dpd
    else:
        # A hold keeps the stage it began in: the warning and its notice held on that day.
        began = a.hold.since - dt.timedelta(days=1) if a.hold.kind == "dispute" else a.hold.since
        assert any(P.warning_notice_days <= (began - w).days <= P.warning_valid_days for w in warnings)


@settings(max_examples=300, deadline=None)
@given(portfolios(), dates, st.integers(1, 60))
def test_the_stage_never_depends_on_events_after_today(f, today, later):
    """Add facts dated after today: nothing about today's assessment changes."""
    future = today + dt.timedelta(days=later)
    more = dataclasses.replace(
        f,
        items=f.items + (inv("LATE", future + dt.timedelta(days=30), 999, issued=future),),
        steps=f.steps + (StepFact("warning", future), StepFact("suspension", future)),
        payments=f.payments + (PaymentFact(future, "USD", 10**6),),
        promises=f.promises + (PromiseFact(future, future, "USD", 5),),
        disputes=f.disputes + (DisputeFact("I0", 10**6, future),),
        contacts=f.contacts + (ContactFact(future, "call", "reached", future),),
    )
    assert assess(more, P, today) == assess(f, P, today)


def test_every_stage_has_a_label_and_colour():
    from arcollect_tui.timeline import STAGE_COLORS, STAGE_LABELS
    assert set(STAGE_LABELS) == set(STAGE_COLORS) == set(STAGES)
