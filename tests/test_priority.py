"""The priority score (arcollect_tui.priority): every part, hand-computed, and the worklist order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

import pytest

from arcollect_tui.priority import PriorityWeights, priority, rank_key
from arcollect_tui.timeline import STAGES, Assessment, CurrencyPosition, Hold

TODAY = dt.date(2026, 3, 2)
W = PriorityWeights()


def make(**changes) -> Assessment:
    """A reminder-stage account, 5 days past due, 999.00 USD overdue, reached today, action due today."""
    base = dict(key="A1", as_of=TODAY, stage="reminder", dpd=5, anchor="INV1", next_action="send the first reminder",
                next_action_due=TODAY, reason="INV1 is 5 days past due", coming=(), flags=(), hold=None,
                positions=(CurrencyPosition("USD", 99900, 99900, 0),), last_contact=TODAY)
    base.update(changes)
    return Assessment(**base)


def parts(p) -> dict[str, float]:
    return {name: points for name, points, _ in p.parts}


def test_base_case_by_hand():
    p = priority(make(), W)
    # stage 10; overdue 8 x log10(1 + 999) = 24; action due today 20; contact today: no points
    assert parts(p) == {"stage": 10.0, "overdue": 24.0, "action_due": 20.0}
    assert p.score == 54.0


def test_nothing_overdue_and_no_action_scores_nothing():
    p = priority(make(stage="current", dpd=0, next_action=None, next_action_due=None,
                      positions=(CurrencyPosition("USD", 5000, 0, 0),)), W)
    assert p.parts == () and p.score == 0.0


@pytest.mark.parametrize(("late", "points", "why"), [
    (0, 20.0, "next action due today"),
    (1, 21.0, "next action 1 day overdue"),
    (5, 25.0, "next action 5 days overdue"),
    (30, 50.0, "next action 30 days overdue"),
    (100, 50.0, "next action 100 days overdue (counted 30)"),
])
def test_action_due_grows_by_day_up_to_the_cap(late, points, why):
    p = priority(make(next_action_due=TODAY - dt.timedelta(days=late)), W)
    assert parts(p)["action_due"] == points
    assert dict((n, w) for n, _, w in p.parts)["action_due"] == why


def test_an_action_due_later_gives_no_action_points():
    p = priority(make(next_action_due=TODAY + dt.timedelta(days=3)), W)
    assert "action_due" not in parts(p)


def test_an_action_without_a_date_counts_as_due_today():
    assert parts(priority(make(next_action_due=None), W))["action_due"] == 20.0


def test_flags_each_add_their_weight():
    p = priority(make(flags=("broken_promise", "escalated", "distress", "follow_up_due"),
                      follow_up_on=TODAY - dt.timedelta(days=2)), W)
    got = parts(p)
    assert (got["broken_promise"], got["follow_up_due"], got["escalated"], got["distress"]) == (25.0, 15.0, 10.0, 10.0)
    assert p.score == 54.0 + 60.0


@pytest.mark.parametrize(("last", "points"), [(0, None), (12, 6.0), (30, 15.0), (400, 15.0), (None, 15.0)])
def test_days_since_last_contact(last, points):
    contact = None if last is None else TODAY - dt.timedelta(days=last)
    assert parts(priority(make(last_contact=contact), W)).get("no_contact") == points


def test_no_contact_points_only_when_something_is_past_due():
    a = make(stage="current", dpd=0, last_contact=None, positions=(CurrencyPosition("USD", 5000, 0, 0),))
    assert "no_contact" not in parts(priority(a, W))


def test_a_hold_lowers_the_score():
    hold = Hold("promise", TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=5), "promise of 999.00 USD")
    p = priority(make(hold=hold, next_action_due=TODAY + dt.timedelta(days=6)), W)
    assert parts(p)["on_hold"] == -30.0
    assert p.score == 10.0 + 24.0 - 30.0


def test_parts_add_up_to_the_score_and_are_rounded_to_hundredths():
    p = priority(make(positions=(CurrencyPosition("USD", 123457, 123457, 0),),
                      last_contact=TODAY - dt.timedelta(days=7), flags=("distress",)), W)
    assert round(sum(points for _, points, _ in p.parts), 2) == p.score
    for _, points, _ in p.parts:
        assert round(points, 2) == points
    assert parts(p)["overdue"] == round(8 * math.log10(1 + 1234.57), 2)
    assert parts(p)["no_contact"] == 3.5


def test_overdue_is_log_scaled():
    def overdue(minor: int) -> float:
        return parts(priority(make(positions=(CurrencyPosition("USD", minor, minor, 0),)), W))["overdue"]

    assert overdue(99900) == 24.0           # 999.00 -> log10(1000) = 3
    assert overdue(999900) == 32.0          # tenfold more: 8 points more
    assert overdue(9999900) == 40.0


def test_without_fx_the_main_currency_counts_at_face_value():
    a = make(positions=(CurrencyPosition("JPY", 999, 999, 0), CurrencyPosition("USD", 99900, 99900, 0)))
    p = priority(a, W, main_currency="JPY")
    assert parts(p)["overdue"] == 24.0      # 999 JPY: log10(1000) = 3
    why = dict((n, w) for n, _, w in p.parts)["overdue"]
    assert why == "999 JPY overdue (not counted: USD: no FX rates)"
    # Nothing overdue in the main currency: the first overdue position counts.
    b = make(positions=(CurrencyPosition("EUR", 500, 0, 0), CurrencyPosition("USD", 99900, 99900, 0)))
    assert parts(priority(b, W, main_currency="EUR"))["overdue"] == 24.0


def test_fx_converts_and_adds_every_currency():
    a = make(positions=(CurrencyPosition("JPY", 100000, 100000, 0), CurrencyPosition("USD", 99900, 99900, 0)))
    p = priority(a, W, {"JPY": Decimal("0.0066"), "USD": Decimal("1")}, main_currency="USD")
    # 100,000 JPY x 0.0066 = 660 USD; + 999.00 USD = 1,659.00
    assert parts(p)["overdue"] == round(8 * math.log10(1 + 1659), 2)
    why = dict((n, w) for n, _, w in p.parts)["overdue"]
    assert why == "100,000 JPY x 0.0066 + 999.00 USD x 1 overdue"


def test_a_currency_without_a_rate_counts_at_face_value_and_says_so():
    a = make(positions=(CurrencyPosition("SGD", 99900, 99900, 0),))
    p = priority(a, W, {"EUR": Decimal("1.08")})
    assert parts(p)["overdue"] == 24.0
    assert "no FX rate" in dict((n, w) for n, _, w in p.parts)["overdue"]


def test_every_stage_has_a_weight_and_severity_orders_the_ladder():
    for stage in STAGES:
        assert W.stage_points(stage) >= 0
    assert W.stage_points("suspension_due") > W.stage_points("warning_due") > W.stage_points("follow_up") \
        > W.stage_points("reminder") > W.stage_points("current")


def test_weights_change_the_score():
    zero = PriorityWeights(**{f.name: 0 for f in dataclasses.fields(PriorityWeights)})
    assert priority(make(flags=("distress",)), zero).score == 0.0
    heavy = dataclasses.replace(W, stage_reminder=100)
    assert priority(make(), heavy).score == 144.0


def test_rank_key_orders_by_score_then_days_past_due_then_key():
    rows = [(50.0, 3, "B"), (50.0, 9, "Z"), (70.5, 1, "C"), (50.0, 3, "A"), (-10.0, 99, "D")]
    ordered = sorted(rows, key=lambda r: rank_key(*r))
    assert ordered == [(70.5, 1, "C"), (50.0, 9, "Z"), (50.0, 3, "A"), (50.0, 3, "B"), (-10.0, 99, "D")]


def test_ordering_of_hand_built_assessments():
    urgent = make(key="U", stage="suspension_due", dpd=45)                      # 50 + 24 + 20
    broken = make(key="B", flags=("broken_promise",))                           # 10 + 24 + 20 + 25
    calm = make(key="C", next_action_due=TODAY + dt.timedelta(days=4))         # 10 + 24
    scored = sorted(((priority(a, W).score, a.dpd, a.key) for a in (calm, broken, urgent)), key=lambda r: rank_key(*r))
    assert scored == [(94.0, 45, "U"), (79.0, 5, "B"), (34.0, 5, "C")]
