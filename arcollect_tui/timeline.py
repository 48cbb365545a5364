"""The Invoice Collection and Account Suspension Timeline: pure functions of facts, policy, *today*.

No I/O, no clock, no Textual.  `assess(facts, policy, today)` says which stage an account is in,
why, what the collector must do next and by when, which holds and flags apply, and the dated
steps to come.  Everything dated after *today* is ignored, so the same facts viewed at any past
date give the stage the account had then; `stage_history` is `assess` run day by day.

Rules (the CONTRACT's default policy; every number is a `Policy` setting):

* dpd = days since the due date of the oldest open invoice that is not in dispute (an invoice is
  in dispute when its open disputes cover what is open on it); 0 when none is past due.  That
  invoice is the *anchor*.
* current (nothing past due) -> reminder (dpd 1-14) -> follow_up (15-29) -> from dpd 30:
  warning_due (no valid warning), warned (a valid warning sent fewer than `warning_notice_days`
  ago), suspension_due (a valid warning sent that many days ago or more).  suspended and
  referred come from recorded steps, not from dates.
* A warning is valid for `warning_valid_days` days after it was sent (on the day it was sent and
  the 30 days after it), only if it came after the last reinstatement, and only if the anchor was
  already `warning_from_dpd` days past due on the warning's date: a payment that moves the anchor
  to a younger invoice (Kill Bill #2297) needs a new warning before any suspension.
* Holds: an open promise to pay (until its date plus `promise_tolerance_days`), an approved plan
  in good standing (until its next instalment's date plus `plan_grace_days`), or disputes that
  cover every past-due invoice.  A hold keeps the stage the account had when the hold began (for
  a promise or plan: never more severe than today's; for disputes: the stage of the day before
  the last of them opened) and moves the next action to the day after the hold's end.  A promise not
  covered by its deadline is broken (partly kept when something was paid), a missed instalment
  defaults the plan: either ends the hold at once and raises the `broken_promise` flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from arcollect_tui.config import Policy

STAGES: tuple[str, ...] = (
    "current", "reminder", "follow_up", "warning_due", "warned", "suspension_due", "suspended", "referred",
)
STAGE_LABELS: dict[str, str] = {
    "current": "Current",
    "reminder": "Reminder",
    "follow_up": "Follow-up",
    "warning_due": "Warning due",
    "warned": "Warned",
    "suspension_due": "Suspension due",
    "suspended": "Suspended",
    "referred": "Referred",
}
# Colour names; the app maps each to a semantic theme variable ($stage-<key>).
STAGE_COLORS: dict[str, str] = {
    "current": "green",
    "reminder": "blue",
    "follow_up": "cyan",
    "warning_due": "yellow",
    "warned": "orange",
    "suspension_due": "red",
    "suspended": "magenta",
    "referred": "grey",
}
FLAGS: tuple[str, ...] = (
    "promise", "broken_promise", "plan", "dispute", "escalated", "distress", "follow_up_due", "suspended",
)
_RANK = {stage: i for i, stage in enumerate(STAGES)}
_DAY = dt.timedelta(days=1)


# --------------------------------------------------------------------------------------- facts

@dataclass(frozen=True, slots=True)
class Item:
    """An invoice (credit notes reach it as `paid` allocations).  Amounts in minor units."""

    number: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    amount_minor: int
    paid: tuple[tuple[dt.date, int], ...] = ()   # allocations of payments and credit notes

    def open_on(self, day: dt.date) -> int:
        if self.invoice_date > day:
            return 0
        return self.amount_minor - sum(amount for on, amount in self.paid if on <= day)


@dataclass(frozen=True, slots=True)
class DisputeFact:
    invoice: str | None
    amount_minor: int
    opened_on: dt.date
    resolved_on: dt.date | None = None

    def open_on(self, day: dt.date) -> bool:
        return self.opened_on <= day and (self.resolved_on is None or self.resolved_on > day)


@dataclass(frozen=True, slots=True)
class PaymentFact:
    paid_on: dt.date
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class PromiseFact:
    made_on: dt.date
    pay_by: dt.date
    currency: str
    amount_minor: int
    cancelled_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PlanFact:
    created_on: dt.date
    approved_on: dt.date | None
    currency: str
    instalments: tuple[tuple[dt.date, int], ...]      # (due on, amount), down payment first
    cancelled_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class StepFact:
    kind: str                                          # warning, suspension, reinstatement, referral
    on_date: dt.date


@dataclass(frozen=True, slots=True)
class ContactFact:
    on_date: dt.date
    channel: str                                       # call, email, meeting, note, letter, system
    outcome: str | None = None
    follow_up_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class EscalationFact:
    opened_on: dt.date
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the timeline knows of one account.  Lists may be in any order."""

    key: str
    items: tuple[Item, ...] = ()
    disputes: tuple[DisputeFact, ...] = ()
    payments: tuple[PaymentFact, ...] = ()
    promises: tuple[PromiseFact, ...] = ()
    plans: tuple[PlanFact, ...] = ()
    steps: tuple[StepFact, ...] = ()                   # in the order they were recorded
    contacts: tuple[ContactFact, ...] = ()
    escalations: tuple[EscalationFact, ...] = ()
    distress: bool = False


# ------------------------------------------------------------------------------------- results

@dataclass(frozen=True, slots=True)
class PromiseStanding:
    promise: PromiseFact
    status: str                                        # open, kept, partly_kept, broken
    paid_minor: int
    deadline: dt.date                                  # pay_by + tolerance


@dataclass(frozen=True, slots=True)
class PlanStanding:
    plan: PlanFact
    status: str                                        # pending, active, completed, defaulted, cancelled
    paid_minor: int
    next_due: dt.date | None                           # the next unpaid instalment
    defaulted_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    kind: str                                          # promise, plan, dispute
    since: dt.date
    until: dt.date | None                              # None: until the disputes are resolved
    text: str


@dataclass(frozen=True, slots=True)
class ComingStep:
    on: dt.date
    text: str


@dataclass(frozen=True, slots=True)
class CurrencyPosition:
    currency: str
    balance_minor: int
    overdue_minor: int
    disputed_minor: int


@dataclass(frozen=True)
class Assessment:
    key: str
    as_of: dt.date
    stage: str
    dpd: int
    anchor: str | None                                 # the invoice dpd counts from
    next_action: str | None
    next_action_due: dt.date | None
    reason: str
    coming: tuple[ComingStep, ...]
    flags: tuple[str, ...]
    hold: Hold | None
    positions: tuple[CurrencyPosition, ...]
    promises: tuple[PromiseStanding, ...] = ()
    plans: tuple[PlanStanding, ...] = ()
    warning_on: dt.date | None = None                  # the valid warning, if any
    suspended_on: dt.date | None = None
    last_contact: dt.date | None = None
    follow_up_on: dt.date | None = None

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def color(self) -> str:
        return STAGE_COLORS[self.stage]

    @property
    def needs_action(self) -> bool:
        """An action is due today or overdue (what the default queue shows)."""
        return self.next_action is not None and (self.next_action_due is None or self.next_action_due <= self.as_of)


# ----------------------------------------------------------------------------------- the rules

@dataclass(frozen=True, slots=True)
class _Debt:
    """Where an account's debt stands on one day."""

    dpd: int
    anchor: Item | None
    past_due: tuple[Item, ...]                         # open and past due, disputed or not
    all_disputed: bool                                 # past-due items exist and all are in dispute


def _disputed_on(facts: Facts, day: dt.date) -> dict[str, int]:
    """Open disputed amount per invoice number on `day`."""
    disputed: dict[str, int] = {}
    for d in facts.disputes:
        if d.invoice is not None and d.open_on(day):
            disputed[d.invoice] = disputed.get(d.invoice, 0) + d.amount_minor
    return disputed


def _open_on(facts: Facts, day: dt.date) -> list[tuple[Item, int]]:
    """Each item with something open on `day`, and how much (computed once per assessment)."""
    out = []
    for item in facts.items:
        open_minor = item.open_on(day)
        if open_minor > 0:
            out.append((item, open_minor))
    return out


def _debt(facts: Facts, day: dt.date, opens: list[tuple[Item, int]] | None = None,
          disputed: dict[str, int] | None = None) -> _Debt:
    if opens is None:
        opens = _open_on(facts, day)
    if disputed is None:
        disputed = _disputed_on(facts, day)
    past_due = []
    anchor: Item | None = None
    undisputed = 0
    for item, open_minor in opens:
        if item.due_date >= day:
            continue
        past_due.append(item)
        if disputed.get(item.number, 0) >= open_minor:
            continue
        undisputed += 1
        if anchor is None or (item.due_date, item.number) < (anchor.due_date, anchor.number):
            anchor = item
    dpd = (day - anchor.due_date).days if anchor else 0
    return _Debt(dpd, anchor, tuple(past_due), bool(past_due) and undisputed == 0)


@dataclass(frozen=True, slots=True)
class _Status:
    """The recorded steps as of one day."""

    suspended_on: dt.date | None
    referred_on: dt.date | None
    reinstated_on: dt.date | None
    warnings: tuple[dt.date, ...]


def _status(facts: Facts, day: dt.date) -> _Status:
    suspended = referred = reinstated = None
    warnings: list[dt.date] = []
    # Steps of one day count in the order they were recorded (Facts.steps is in that order).
    for step in sorted((s for s in facts.steps if s.on_date <= day), key=lambda s: s.on_date):
        if step.kind == "warning":
            warnings.append(step.on_date)
        elif step.kind == "suspension":
            suspended = suspended or step.on_date
        elif step.kind == "referral":
            if suspended is not None:
                referred = referred or step.on_date
        elif step.kind == "reinstatement":
            suspended = referred = None
            reinstated = step.on_date
    return _Status(suspended, referred, reinstated, tuple(warnings))


def valid_warning(facts: Facts, policy: Policy, day: dt.date, debt: _Debt | None = None,
                  status: _Status | None = None) -> dt.date | None:
    """The latest warning that is valid on `day` for the account's current debt, if any."""
    debt = debt or _debt(facts, day)
    status = status or _status(facts, day)
    if debt.anchor is None:
        return None
    covers_from = debt.anchor.due_date + dt.timedelta(days=policy.warning_from_dpd)
    for w in sorted(status.warnings, reverse=True):
        if (day - w).days > policy.warning_valid_days:
            break
        if status.reinstated_on is not None and w <= status.reinstated_on:
            break
        if w >= covers_from:
            return w
    return None


def _ladder(policy: Policy, dpd: int, warning: dt.date | None, day: dt.date) -> str:
    if dpd < policy.reminder_from_dpd:
        return "current"
    if dpd < policy.follow_up_from_dpd:
        return "reminder"
    if dpd < policy.warning_from_dpd:
        return "follow_up"
    if warning is None:
        return "warning_due"
    if (day - warning).days < policy.warning_notice_days:
        return "warned"
    return "suspension_due"


def _base_stage(facts: Facts, policy: Policy, day: dt.date) -> str:
    """The stage on `day` from dates and steps alone, without holds."""
    status = _status(facts, day)
    if status.referred_on:
        return "referred"
    if status.suspended_on:
        return "suspended"
    debt = _debt(facts, day)
    return _ladder(policy, debt.dpd, valid_warning(facts, policy, day, debt, status), day)


def promise_standings(facts: Facts, policy: Policy, day: dt.date) -> tuple[PromiseStanding, ...]:
    """Each promise made by `day`: kept when payments from its making to its date plus the
    tolerance cover it; open until that deadline; then partly kept or broken."""
    out = []
    tolerance = dt.timedelta(days=policy.promise_tolerance_days)
    for p in sorted(facts.promises, key=lambda p: (p.made_on, p.pay_by)):
        if p.made_on > day or (p.cancelled_on is not None and p.cancelled_on <= day):
            continue
        deadline = p.pay_by + tolerance
        until = min(day, deadline)
        paid = sum(x.amount_minor for x in facts.payments
                   if x.currency == p.currency and p.made_on <= x.paid_on <= until)
        if paid >= p.amount_minor:
            status = "kept"
        elif day <= deadline:
            status = "open"
        else:
            status = "partly_kept" if paid > 0 else "broken"
        out.append(PromiseStanding(p, status, paid, deadline))
    return tuple(out)


def plan_standings(facts: Facts, policy: Policy, day: dt.date) -> tuple[PlanStanding, ...]:
    """Each plan created by `day`.  An approved plan is active while every instalment whose date
    plus the grace period has passed is covered by payments made since the plan was created."""
    out = []
    grace = dt.timedelta(days=policy.plan_grace_days)
    for plan in sorted(facts.plans, key=lambda p: p.created_on):
        if plan.created_on > day:
            continue
        paid = sum(x.amount_minor for x in facts.payments
                   if x.currency == plan.currency and plan.created_on <= x.paid_on <= day)
        if plan.cancelled_on is not None and plan.cancelled_on <= day:
            out.append(PlanStanding(plan, "cancelled", paid, None))
            continue
        if plan.approved_on is None or plan.approved_on > day:
            out.append(PlanStanding(plan, "pending", paid, None))
            continue
        total = sum(a for _, a in plan.instalments)
        cumulative = 0
        defaulted_on = next_due = None
        for due_on, amount in sorted(plan.instalments):
            cumulative += amount
            paid_by_then = sum(x.amount_minor for x in facts.payments
                               if x.currency == plan.currency and plan.created_on <= x.paid_on <= due_on + grace)
            if paid_by_then >= cumulative:
                continue
            if due_on + grace < day:
                defaulted_on = due_on + grace + _DAY
                break
            if paid < cumulative and next_due is None:
                next_due = due_on
        if defaulted_on is not None:
            out.append(PlanStanding(plan, "defaulted", paid, None, defaulted_on))
        elif paid >= total:
            out.append(PlanStanding(plan, "completed", paid, None))
        else:
            out.append(PlanStanding(plan, "active", paid, next_due))
    return tuple(out)


def _positions(opens: list[tuple[Item, int]], disputed: dict[str, int],
               day: dt.date) -> tuple[CurrencyPosition, ...]:
    acc: dict[str, list[int]] = {}
    for item, open_minor in opens:
        row = acc.setdefault(item.currency, [0, 0, 0])
        row[0] += open_minor
        if item.due_date < day:
            row[1] += open_minor
        row[2] += min(open_minor, disputed.get(item.number, 0))
    return tuple(CurrencyPosition(c, *v) for c, v in sorted(acc.items(), key=lambda kv: (-kv[1][0], kv[0])))


def _fmt(minor: int, currency: str) -> str:
    from arcollect_tui.money import display_minor

    return f"{display_minor(minor, currency)} {currency}"


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def assess(facts: Facts, policy: Policy, today: dt.date) -> Assessment:
    """The account's place on the timeline as of `today` (facts dated later are ignored)."""
    status = _status(facts, today)
    opens = _open_on(facts, today)
    disputed = _disputed_on(facts, today)
    debt = _debt(facts, today, opens, disputed)
    warning = valid_warning(facts, policy, today, debt, status)
    positions = _positions(opens, disputed, today)
    promises = promise_standings(facts, policy, today)
    plans = plan_standings(facts, policy, today)
    contacts = sorted((c for c in facts.contacts if c.on_date <= today), key=lambda c: c.on_date)
    last_contact = next((c.on_date for c in reversed(contacts) if c.channel in ("call", "email", "meeting", "letter")),
                        None)
    follow_up_on, follow_up_due = _follow_up(contacts, today)
    anchor = debt.anchor
    overdue_any = any(p.overdue_minor > 0 for p in positions)

    # --- flags
    flags: list[str] = []
    open_promise = next((p for p in reversed(promises) if p.status == "open"), None)
    latest_promise = promises[-1] if promises else None
    active_plan = next((p for p in reversed(plans) if p.status == "active"), None)
    defaulted_plan = next((p for p in reversed(plans) if p.status == "defaulted"), None)
    if open_promise:
        flags.append("promise")
    broken = latest_promise is not None and latest_promise.status in ("broken", "partly_kept")
    plan_broken = defaulted_plan is not None and (
        latest_promise is None or latest_promise.promise.made_on <= defaulted_plan.defaulted_on)
    if (broken or plan_broken) and overdue_any:
        flags.append("broken_promise")
    if active_plan:
        flags.append("plan")
    if any(d.open_on(today) for d in facts.disputes):
        flags.append("dispute")
    if any(e.opened_on <= today and (e.closed_on is None or e.closed_on > today) for e in facts.escalations):
        flags.append("escalated")
    if facts.distress:
        flags.append("distress")
    if follow_up_due:
        flags.append("follow_up_due")
    if status.suspended_on:
        flags.append("suspended")

    coming: list[ComingStep] = []
    hold: Hold | None = None
    dpd_text = _dpd_text(debt)

    # --- suspended and referred come from recorded steps
    if status.referred_on:
        stage = "referred"
        reason = f"referred to the write-off team on {status.referred_on}; {dpd_text}"
        action, due = None, None
    elif status.suspended_on:
        stage = "suspended"
        if not overdue_any:
            reason = f"suspended on {status.suspended_on}; nothing is past due any more"
            action, due = "reinstate: nothing is past due", today
        else:
            refer_on = _plus(anchor.due_date, policy.referral_from_dpd) if anchor else None
            reason = f"suspended on {status.suspended_on}; {dpd_text}"
            if anchor is None:
                reason += " (the rest is in dispute)"
                action, due = "chase the disputes' resolution", None
            elif debt.dpd >= policy.referral_from_dpd:
                action, due = "refer to the write-off team", refer_on
            else:
                action, due = f"chase; refer to write-off from {refer_on}", refer_on
                coming.append(ComingStep(refer_on, f"referral to write-off possible from {refer_on}"))
    else:
        stage = _ladder(policy, debt.dpd, warning, today)
        action, due, reason = _ladder_action(policy, stage, debt, warning, contacts, today, status)
        coming.extend(_coming(policy, stage, debt, warning, today))
        hold = _hold(facts, policy, today, debt, open_promise, active_plan)
        if hold is not None:
            held_stage = _base_stage(facts, policy, hold.since - _DAY if hold.kind == "dispute" else hold.since)
            if held_stage in ("suspended", "referred"):
                held_stage = stage
            # A promise or plan holds the stage it began in, unless payments have since lowered it;
            # disputes take their invoices off the clock (dpd 0), so theirs holds as it began.
            if hold.kind == "dispute" or _RANK[held_stage] < _RANK[stage]:
                stage = held_stage
                action, due, _ = _ladder_action(policy, stage, debt, warning, contacts, today, status)
            if action is not None:
                due = hold.until + _DAY if hold.until else None
                action = f"after the hold: {action}"
            reason = f"{reason}; on hold: {hold.text}"
            # Steps inside the hold wait for it; a hold without an end (disputes) has none to show.
            coming = [ComingStep(hold.until, f"the hold ends after {hold.until}")] + [
                c for c in coming if c.on > hold.until] if hold.until else []
        if stage == "current" and not overdue_any:
            action, due = None, None

    if action is not None and follow_up_on is not None and due is not None and hold is None \
            and stage not in ("warning_due", "suspension_due", "referred") and follow_up_on < due:
        due = follow_up_on
        action = f"follow up ({action})"
    return Assessment(
        key=facts.key, as_of=today, stage=stage, dpd=debt.dpd, anchor=anchor.number if anchor else None,
        next_action=action, next_action_due=due, reason=reason, coming=tuple(sorted(coming, key=lambda c: c.on)),
        flags=tuple(f for f in FLAGS if f in flags), hold=hold, positions=positions, promises=promises,
        plans=plans, warning_on=warning, suspended_on=status.suspended_on, last_contact=last_contact,
        follow_up_on=follow_up_on,
    )


def _follow_up(contacts: list[ContactFact], today: dt.date) -> tuple[dt.date | None, bool]:
    """The pending follow-up date (set by the latest activity that set one), and whether it is due:
    its date has come and nothing has been logged on or after it."""
    setter = next((c for c in reversed(contacts) if c.follow_up_on is not None), None)
    if setter is None:
        return None, False
    f = setter.follow_up_on
    done = any(c.on_date >= f and c is not setter for c in contacts if c.on_date >= setter.on_date)
    if done:
        return None, False
    return f, f <= today


def _dpd_text(debt: _Debt) -> str:
    if debt.anchor is None:
        return "nothing is past due"
    return f"{debt.anchor.number} is {debt.dpd} day{'s' if debt.dpd != 1 else ''} past due"


def _ladder_action(policy: Policy, stage: str, debt: _Debt, warning: dt.date | None,
                   contacts: list[ContactFact], today: dt.date,
                   status: _Status) -> tuple[str | None, dt.date | None, str]:
    anchor = debt.anchor
    if stage == "current" or anchor is None:
        if debt.all_disputed:
            return None, None, "every past-due invoice is in dispute"
        return None, None, "nothing is past due"
    base = anchor.due_date
    dpd_text = _dpd_text(debt)

    def done_since(day: dt.date, channels: tuple[str, ...]) -> bool:
        return any(c.on_date >= day and c.channel in channels for c in contacts)

    if stage == "reminder":
        start = _plus(base, policy.reminder_from_dpd)
        if done_since(start, ("email", "letter")):
            return ("call, and send the second reminder", _plus(base, policy.follow_up_from_dpd),
                    f"{dpd_text}; first reminder sent")
        return "send the first reminder", start, dpd_text
    if stage == "follow_up":
        start = _plus(base, policy.follow_up_from_dpd)
        if done_since(start, ("call", "meeting")):
            return ("get approval and send the suspension warning", _plus(base, policy.warning_from_dpd),
                    f"{dpd_text}; called")
        return "call, and send the second reminder", start, dpd_text
    if stage == "warning_due":
        return ("get approval and send the suspension warning", _plus(base, policy.warning_from_dpd),
                f"{dpd_text}; no valid warning")
    assert warning is not None
    possible = _plus(warning, policy.warning_notice_days)
    if stage == "warned":
        text = f"{dpd_text}; warned on {warning}, suspension possible from {possible}"
        if done_since(warning + _DAY, ("call", "meeting")):
            return "get approval and suspend", possible, text
        return f"call; suspension possible on {possible}", warning, text
    return ("get approval and suspend", possible,
            f"{dpd_text}; warned on {warning}, notice ran on {possible - _DAY}")


def _coming(policy: Policy, stage: str, debt: _Debt, warning: dt.date | None, today: dt.date) -> list[ComingStep]:
    anchor = debt.anchor
    if anchor is None:
        return []
    base = anchor.due_date
    steps: list[ComingStep] = []
    rank = _RANK[stage]
    if rank < _RANK["follow_up"]:
        d = _plus(base, policy.follow_up_from_dpd)
        steps.append(ComingStep(d, f"follow-up (call, second reminder) from {d}"))
    if rank < _RANK["warning_due"]:
        d = _plus(base, policy.warning_from_dpd)
        steps.append(ComingStep(d, f"suspension warning possible from {d}"))
        s = _plus(d, policy.warning_notice_days)
        steps.append(ComingStep(s, f"suspension possible from {s} at the earliest "
                                   f"({policy.warning_notice_days} days after a warning)"))
    if stage == "warning_due":
        s = _plus(today, policy.warning_notice_days)
        steps.append(ComingStep(s, f"suspension possible from {s} if warned today"))
    if stage == "warned" and warning:
        s = _plus(warning, policy.warning_notice_days)
        steps.append(ComingStep(s, f"suspension possible from {s}"))
    if stage in ("warned", "suspension_due") and warning:
        e = _plus(warning, policy.warning_valid_days)
        steps.append(ComingStep(e, f"the warning of {warning} lapses after {e}"))
    r = _plus(base, policy.referral_from_dpd)
    if r > today:
        steps.append(ComingStep(r, f"referral to write-off possible from {r} once suspended"))
    return [s for s in steps if s.on > today]


def _hold(facts: Facts, policy: Policy, today: dt.date, debt: _Debt,
          open_promise: PromiseStanding | None, active_plan: PlanStanding | None) -> Hold | None:
    if open_promise is not None:
        p = open_promise.promise
        return Hold("promise", p.made_on, open_promise.deadline,
                    f"promise of {_fmt(p.amount_minor, p.currency)} by {p.pay_by} (open)")
    if active_plan is not None and active_plan.next_due is not None:
        plan = active_plan.plan
        until = _plus(active_plan.next_due, policy.plan_grace_days)
        return Hold("plan", plan.approved_on or plan.created_on, until,
                    f"payment plan in good standing, next instalment {active_plan.next_due}")
    if debt.all_disputed:
        since = max((d.opened_on for d in facts.disputes
                     if d.open_on(today) and d.invoice in {i.number for i in debt.past_due}), default=today)
        return Hold("dispute", since, None, "every past-due invoice is in dispute")
    return None


def stage_history(facts: Facts, policy: Policy, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """The stage on each day from `start` to `end`, as (first day, stage) for each change."""
    out: list[tuple[dt.date, str]] = []
    day = start
    while day <= end:
        stage = assess(facts, policy, day).stage
        if not out or out[-1][1] != stage:
            out.append((day, stage))
        day += _DAY
    return out
