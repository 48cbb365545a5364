"""How urgent an account is against every other: a transparent score from its `Assessment`.

Pure (no I/O, no clock).  `priority(assessment, weights, fx)` adds up named parts, each with the
points it gives and why, so the account view can show exactly where a number comes from:

========================  =================================================================
part                      points
========================  =================================================================
``stage``                 the stage's severity: ``weights.stage_<stage>``
``overdue``               ``overdue_per_tenfold x log10(1 + overdue)``: every tenfold of the
                          overdue amount (major units, in the base currency when `fx` is
                          given) adds the same points, so 1,000 vs 10,000 weighs like
                          10,000 vs 100,000
``action_due``            the next action is due today or overdue (what the default queue
                          shows): ``action_due``, plus ``action_overdue_per_day`` for each day
                          it is overdue, up to ``action_overdue_cap_days`` days
``broken_promise``        the ``broken_promise`` flag (a promise not kept or a missed instalment)
``follow_up_due``         the ``follow_up_due`` flag (a follow-up date has come)
``no_contact``            something is past due and nobody has been reached for a while:
                          ``no_contact x min(days since the last call, email, meeting or letter,
                          no_contact_full_days) / no_contact_full_days`` (never contacted counts
                          as the full number of days)
``escalated``             the ``escalated`` flag
``distress``              the ``distress`` flag
``on_hold``               minus ``on_hold``: a promise, plan or disputes hold the account
========================  =================================================================

Parts that give no points are left out.  Each part's points are rounded to hundredths (half
away from zero) and the score is their exact sum.  Amounts stay `Decimal` (money is never a
float); only points and the score, which are not money, are floats.

Without `fx`, the overdue amount is the main currency's only, at face value (so 100,000 JPY
outweighs 1,000 USD); with `fx` ("1 unit of CUR = rate units of the base currency"), the overdue
amounts of every currency are converted and added, and a currency without a rate counts at face
value (the part's `why` says so).

Order of the worklist: score, highest first; then days past due, highest first; then the
account key (`rank_key`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Mapping

from arcollect_tui.money import from_minor

if TYPE_CHECKING:  # at run time only money: config.py can import PriorityWeights without a cycle
    from arcollect_tui.timeline import Assessment

_ONE = Decimal(1)


@dataclass(frozen=True)
class PriorityWeights:
    """Points for each part of the score (config table `[priority]`, every field a whole number
    of zero or more).  The defaults rank getting a warning out and suspending above calling, and
    make money count by orders of magnitude."""

    stage_current: int = 0
    stage_reminder: int = 10
    stage_follow_up: int = 20
    stage_warning_due: int = 40
    stage_warned: int = 30
    stage_suspension_due: int = 50
    stage_suspended: int = 25
    stage_referred: int = 0
    overdue_per_tenfold: int = 8
    action_due: int = 20
    action_overdue_per_day: int = 1
    action_overdue_cap_days: int = 30
    broken_promise: int = 25
    follow_up_due: int = 15
    no_contact: int = 15
    no_contact_full_days: int = 30
    escalated: int = 10
    distress: int = 10
    on_hold: int = 30

    def stage_points(self, stage: str) -> int:
        return int(getattr(self, f"stage_{stage}"))


@dataclass(frozen=True, slots=True)
class Priority:
    """The score and its parts: (name, points, why); the points add up to the score."""

    score: float
    parts: tuple[tuple[str, float, str], ...]


def overdue_in_base(assessment: Assessment, main_currency: str | None,
                    fx: Mapping[str, Decimal] | None) -> tuple[Decimal, str]:
    """The overdue amount the score weighs (major units) and how it was counted."""
    positions = [p for p in assessment.positions if p.overdue_minor > 0]
    if not positions:
        return Decimal(0), "nothing overdue"
    if not fx:
        main = next((p for p in positions if p.currency == main_currency), positions[0])
        amount = from_minor(main.overdue_minor, main.currency)
        others = [p.currency for p in positions if p is not main]
        note = f" (not counted: {', '.join(others)}: no FX rates)" if others else ""
        return amount, f"{amount:,} {main.currency} overdue{note}"
    total = Decimal(0)
    bits: list[str] = []
    for p in positions:
        amount = from_minor(p.overdue_minor, p.currency)
        rate = fx.get(p.currency)
        if rate is None:
            total += amount
            bits.append(f"{amount:,} {p.currency} (no FX rate: at face value)")
        else:
            total += amount * rate
            bits.append(f"{amount:,} {p.currency} x {rate}")
    return total, " + ".join(bits) + " overdue"


def _log10(value: Decimal) -> float:
    """log10 of an amount, from its exact integer ratio (the amount itself never becomes a float;
    the logarithm is a score, not money).  Decimal's own log10 is about ten times slower."""
    numerator, denominator = value.as_integer_ratio()
    return math.log10(numerator) - math.log10(denominator)


def _centi(points: float | int) -> int:
    """Points in hundredths, rounded half away from zero (so the parts add up exactly)."""
    scaled = abs(points) * 100
    return int(math.copysign(math.floor(scaled + 0.5), points))


def priority(assessment: Assessment, weights: PriorityWeights | None = None,
             fx: Mapping[str, Decimal] | None = None, *, main_currency: str | None = None) -> Priority:
    """Score one assessed account; see the module docstring for every part.

    `main_currency` is the currency whose overdue amount counts when there are no FX rates
    (when nothing is overdue in it, or it is not given: the overdue currency with the largest
    open balance).
    """
    w = weights or PriorityWeights()
    a = assessment
    parts: list[tuple[str, int, str]] = []

    def add(name: str, points: float | int, why: str) -> None:
        centi = _centi(points)
        if centi:
            parts.append((name, centi, why))

    add("stage", w.stage_points(a.stage), f"stage {a.stage}")

    if w.overdue_per_tenfold:
        amount, how = overdue_in_base(a, main_currency, fx)
        if amount > 0:
            add("overdue", w.overdue_per_tenfold * _log10(amount + _ONE), how)

    if a.needs_action:
        late = 0 if a.next_action_due is None else max(0, (a.as_of - a.next_action_due).days)
        counted = min(late, w.action_overdue_cap_days)
        why = "next action due today" if late == 0 else f"next action {late} day{'s' if late != 1 else ''} overdue"
        if counted != late:
            why += f" (counted {counted})"
        add("action_due", w.action_due + w.action_overdue_per_day * counted, why)

    flags = a.flags
    if "broken_promise" in flags:
        add("broken_promise", w.broken_promise, "a promise was broken or an instalment missed")
    if "follow_up_due" in flags:
        add("follow_up_due", w.follow_up_due,
            f"follow-up due since {a.follow_up_on}" if a.follow_up_on else "follow-up due")

    if w.no_contact and w.no_contact_full_days and (a.dpd > 0 or any(p.overdue_minor > 0 for p in a.positions)):
        if a.last_contact is None:
            days, why = w.no_contact_full_days, "no contact on record"
        else:
            days = max(0, (a.as_of - a.last_contact).days)
            why = f"last contact {days} day{'s' if days != 1 else ''} ago ({a.last_contact})"
        counted = min(days, w.no_contact_full_days)
        add("no_contact", w.no_contact * counted / w.no_contact_full_days, why)

    if "escalated" in flags:
        add("escalated", w.escalated, "escalated")
    if "distress" in flags:
        add("distress", w.distress, "customer in financial distress")
    if a.hold is not None:
        add("on_hold", -w.on_hold, f"on hold: {a.hold.text}")

    return Priority(sum(c for _, c, _ in parts) / 100, tuple((name, c / 100, why) for name, c, why in parts))


def rank_key(score: float, dpd: int, key: str) -> tuple[float, int, str]:
    """Sort ascending by this for the worklist order: score desc, dpd desc, key."""
    return (-score, -dpd, key)
