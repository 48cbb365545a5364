"""Payment plans: propose one (pending, with the role that must approve it), approve, reject, cancel.

The schedule and the approval matrix are pure (arcollect_tui/plans.py); this module reads the
account, applies them, and stores the result.  Each write is one `db.atomic()` transaction with
one audit row (before and after), every problem at once (InputError, exit 2), refusals by the
rules as PolicyRefusal (exit 3), nothing written on any error.

Decisions:

* **Defaults**: the plan's currency is the account's main currency (services/promises.py); its
  total is what is overdue in it and not in dispute, else its undisputed open balance
  (`plan_defaults`, for the app's form too);
  the first instalment falls one period (week, two weeks, month) after *today*; the down payment,
  if any, is due *today*, the day the plan is made.  The total may not exceed the open balance.
* **One live plan at a time**: a new plan is refused (exit 3) while the account has a pending
  plan, or an approved one in good standing: cancel (or reject) it first.  A defaulted or
  completed plan does not block a new one.
* **Who approves**: the stored `required_role` is the matrix's verdict when the plan was made;
  approval checks it again with the matrix in force and the account's distress *then*, and the
  stricter of the two wins.  An approver whose role ranks below it is refused, and so is an
  approval that needs a credit analyst's review without `reviewed_by`, or with the approver as
  their own reviewer.  The approval date (`on`, default *today*) lies between the day the plan
  was made and *today*.
* **Statuses**: pending -> approved | rejected | cancelled; approved -> cancelled (not once
  completed: paid in full).  Rejected and cancelled are final.  A rejection has no column of its
  own: who rejected it, when and why go into the plan's note (and the audit row).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from peewee import SqliteDatabase

from arcollect_tui import audit, plans, timeline
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.money import from_minor, to_minor
from arcollect_tui.plans import ApprovalMatrix, Instalment, PlanDraft, Requirement, ROLE_LABELS, ROLES
from arcollect_tui.services.actions import _Account, _load, _reassess, _state
from arcollect_tui.services.promises import (
    _json, account_position, add_note, clean_note, clean_text, currency_option, hold_kind, key_of, money_text,
    parse_money, row_date,
)
from arcollect_tui.text import clean

# How plans.Problem fields are named on the command line (the app's form uses the bare names).
OPTIONS = {"total": "--total", "down": "--down", "instalments": "--instalments", "every": "--every",
           "first": "--first", "dates": "--dates", "currency": "--currency"}


@dataclass(frozen=True)
class PlanDefaults:
    """What the plan form starts from."""

    account: str
    currency: str
    overdue: Decimal                   # past due (disputed or not), as the account view shows it
    balance: Decimal
    disputed: Decimal                  # of the balance, in open disputes
    total: Decimal | None              # overdue and not disputed, else the undisputed balance; None: nothing
    distressed: bool
    made_on: dt.date                   # *today*


@dataclass(frozen=True)
class PlanResult:
    """A plan as stored, who must approve it, and where it and the account stand after the write."""

    plan_id: int
    account: str
    status: str                        # pending, approved, rejected, cancelled
    standing: str                      # the timeline's: pending, active, completed, defaulted, cancelled
    created_on: dt.date
    currency: str
    total: Decimal
    down_payment: Decimal
    instalment_count: int
    frequency: str
    first_date: dt.date
    required_role: str
    credit_review: bool
    approval_reason: str               # "4 instalments > 3: collections manager"
    instalments: tuple[Instalment, ...]
    approved_by: str | None
    approver_role: str | None
    approved_on: dt.date | None
    approval_ref: str | None
    reviewed_by: str | None
    cancelled_on: dt.date | None
    note: str | None
    next_due: dt.date | None
    stage: str
    flags: tuple[str, ...]
    hold: str | None

    def to_json(self) -> dict[str, Any]:
        out = _json(self)
        out["instalments"] = [{"seq": i.seq, "due_on": i.due_on.isoformat(), "amount": str(i.amount)}
                              for i in self.instalments]
        return out


# ----------------------------------------------------------------------------------- helpers

def _defaults(conn: sqlite3.Connection, acct: _Account, today: dt.date, default_currency: str,
              currency: str | None) -> PlanDefaults:
    pos = account_position(conn, acct, today, default_currency, currency)
    cur = pos.currency
    distressed = bool(conn.execute("SELECT distress FROM account WHERE id = ?", (acct.id,)).fetchone()[0])
    total = pos.chase_overdue_minor if pos.chase_overdue_minor > 0 else pos.chase_balance_minor
    return PlanDefaults(acct.key, cur, from_minor(pos.overdue_minor, cur), from_minor(pos.balance_minor, cur),
                        from_minor(pos.disputed_minor, cur), from_minor(total, cur) if total > 0 else None,
                        distressed, today)


def plan_defaults(db: SqliteDatabase, key: str, *, today: dt.date, policy: Policy, default_currency: str = "USD",
                  currency: str | None = None) -> PlanDefaults:
    """The starting values of a plan for `key` (module docstring); reads only."""
    conn = db.connection()
    acct = _load(conn, key, today, policy)
    return _defaults(conn, acct, today, default_currency, currency)


def _instalments(conn: sqlite3.Connection, plan_id: int, currency: str) -> tuple[Instalment, ...]:
    return tuple(Instalment(seq, dt.date.fromisoformat(due), from_minor(amount, currency))
                 for seq, due, amount in conn.execute(
                     "SELECT seq, due_on, amount_minor FROM plan_instalment WHERE plan_id = ? ORDER BY seq",
                     (plan_id,)))


def _plan_fact(row: dict[str, Any], instalments: Sequence[Instalment]) -> timeline.PlanFact:
    cur = row["currency"]
    return timeline.PlanFact(
        dt.date.fromisoformat(row["created_on"][:10]),
        dt.date.fromisoformat(row["approved_on"][:10]) if row["approved_on"] else None, cur,
        tuple((i.due_on, to_minor(i.amount, cur)) for i in instalments),
        dt.date.fromisoformat(row["cancelled_on"][:10]) if row["cancelled_on"] else None)


def _standing(facts: timeline.Facts, fact: timeline.PlanFact, policy: Policy,
              today: dt.date) -> timeline.PlanStanding | None:
    """The timeline's standing of this one plan (it depends only on the plan and the payments)."""
    one = timeline.Facts(facts.key, payments=facts.payments, plans=(fact,))
    standings = timeline.plan_standings(one, policy, today)
    return standings[0] if standings else None


def _row(conn: sqlite3.Connection, plan_id: int, today: dt.date) -> dict[str, Any]:
    return dict(row_date(conn, "payment_plan", "plan", plan_id, "created_on", today))


def _requirement(matrix: ApprovalMatrix, row: dict[str, Any], instalments: Sequence[Instalment],
                 distressed: bool) -> Requirement:
    """The stricter of the stored verdict and the matrix in force now (module docstring)."""
    draft = PlanDraft(dt.date.fromisoformat(row["created_on"][:10]), row["currency"],
                      from_minor(row["total_minor"], row["currency"]), tuple(instalments), row["frequency"])
    now = matrix.required_role(draft, distressed=distressed)
    stored = row["required_role"]
    if plans.role_rank(stored) > plans.role_rank(now.role):
        review = (stored == "director" and matrix.director_review) or now.credit_review
        return Requirement(stored, review, f"{ROLE_LABELS[stored]}"
                           + (" with credit analyst review" if review else "")
                           + f", as required when the plan was made (today's matrix: {now.reason})")
    return now


def _distressed(conn: sqlite3.Connection, account_id: int) -> bool:
    return bool(conn.execute("SELECT distress FROM account WHERE id = ?", (account_id,)).fetchone()[0])


def _result(conn: sqlite3.Connection, plan_id: int, today: dt.date, policy: Policy, matrix: ApprovalMatrix,
            after: timeline.Assessment, requirement: Requirement | None = None) -> PlanResult:
    from arcollect_tui.services.facts import load_facts

    row = dict(row_date(conn, "payment_plan", "plan", plan_id, "created_on", today))
    cur = row["currency"]
    instalments = _instalments(conn, plan_id, cur)
    fact = _plan_fact(row, instalments)
    standing = _standing(load_facts(conn, row["account_id"], today), fact, policy, today)
    req = requirement or _requirement(matrix, row, instalments, _distressed(conn, row["account_id"]))
    return PlanResult(
        plan_id=plan_id, account=key_of(conn, row["account_id"]), status=row["status"],
        standing=standing.status if standing else row["status"], created_on=fact.created_on, currency=cur,
        total=from_minor(row["total_minor"], cur), down_payment=from_minor(row["down_payment_minor"], cur),
        instalment_count=row["instalment_count"], frequency=row["frequency"],
        first_date=dt.date.fromisoformat(row["first_date"][:10]), required_role=req.role,
        credit_review=req.credit_review, approval_reason=req.reason, instalments=instalments,
        approved_by=row["approved_by"], approver_role=row["approver_role"],
        approved_on=fact.approved_on, approval_ref=row["approval_ref"], reviewed_by=row["reviewed_by"],
        cancelled_on=fact.cancelled_on, note=row["note"], next_due=standing.next_due if standing else None,
        stage=after.stage, flags=after.flags, hold=hold_kind(after))


def _plan_state(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("status", "approved_by", "approver_role", "approved_on", "approval_ref", "reviewed_by", "cancelled_on",
            "note")
    return {k: row[k] for k in keep}


# ------------------------------------------------------------------------------------ create

def _live_plan(conn: sqlite3.Connection, acct: _Account, policy: Policy, today: dt.date) -> tuple[int, str] | None:
    """A pending plan, or an approved one in good standing (id, what it is), if the account has one."""
    for row in conn.execute(
            "SELECT id, status, created_on, approved_on, cancelled_on, currency FROM payment_plan"
            " WHERE account_id = ? AND status IN ('pending', 'approved') ORDER BY id", (acct.id,)).fetchall():
        plan_id, status = row[0], row[1]
        if status == "pending":
            return plan_id, "pending approval"
        instalments = _instalments(conn, plan_id, row[5])
        fact = _plan_fact({"created_on": row[2], "approved_on": row[3], "cancelled_on": row[4], "currency": row[5]},
                          instalments)
        standing = _standing(acct.facts, fact, policy, today)
        if standing is None or standing.status in ("active", "pending"):
            return plan_id, "approved and in good standing"
    return None


def create_plan(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
                matrix: ApprovalMatrix | None = None, default_currency: str = "USD",
                instalments: int | None = None, total: str | Decimal | None = None,
                down_payment: str | Decimal | None = None, frequency: str | None = None,
                first_date: dt.date | None = None, dates: Sequence[dt.date] | None = None,
                schedule: Sequence[Instalment] | None = None, currency: str | None = None,
                note: str | None = None) -> PlanResult:
    """Propose a payment plan for `key`, made *today*; it stays pending until approved.

    Either the terms (`instalments`, `frequency` or custom `dates`, `first_date`, `total`,
    `down_payment`) and the schedule is built, or a whole `schedule` (as edited in the app), which is
    checked as it is (its total must still add up to `total`).
    """
    matrix = matrix or ApprovalMatrix()
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        live = _live_plan(conn, acct, policy, today)
        if live is not None:
            raise PolicyRefusal(f"plan refused: {clean(acct.key)} already has plan {live[0]}, {live[1]}: one plan "
                                f"at a time; cancel plan {live[0]} first (or reject it, while pending)")
        problems: list[str] = []
        wanted = currency_option(currency, "--currency", problems)
        if problems:
            raise InputError(problems)
        defaults = _defaults(conn, acct, today, default_currency, wanted)
        cur = defaults.currency
        balance_minor = to_minor(defaults.balance, cur)
        total_minor = parse_money(total, cur, "--total", problems)
        if total is None:
            if defaults.total is None:
                problems.append(f"--total: missing: nothing is open in {cur} on {clean(acct.key)} (and not in "
                                "dispute): expected the plan's total")
            else:
                total_minor = to_minor(defaults.total, cur)
        elif total_minor is not None and total_minor > balance_minor:
            problems.append(f"--total: {from_minor(total_minor, cur)}: expected at most the open balance "
                            f"({money_text(balance_minor, cur)})")
        down_minor = parse_money(down_payment, cur, "--down", problems, allow_zero=True) or 0
        freq = frequency or ("custom" if dates or schedule is not None else "monthly")
        if freq not in plans.FREQUENCIES:
            problems.append(f"--every: {freq!r}: expected weekly, biweekly or monthly (or custom --dates)")
        if first_date is not None and first_date < today:
            problems.append(f"--first: {first_date}: expected today ({today}) or later")
        for day in dates or ():
            if day < today:
                problems.append(f"--dates: {day}: expected dates on or after today ({today})")
        if problems:
            raise InputError(problems)
        assert total_minor is not None
        total_dec, down_dec = from_minor(total_minor, cur), from_minor(down_minor, cur)
        if schedule is not None:
            rows = tuple(schedule)
        else:
            if instalments is None and dates:
                instalments = len(dates)
            if instalments is None:
                raise InputError("--instalments: missing: expected the number of instalments after any down "
                                 "payment (or custom --dates)")
            first = first_date or (dates[0] if dates else plans.next_period(freq, today))
            try:
                rows = tuple(plans.build_schedule(total_dec, down_dec, instalments, freq, first, cur,
                                                  list(dates) if dates else None, down_payment_on=today))
            except plans.ScheduleError as exc:
                raise InputError([_option(p) for p in exc.problems]) from None
        draft = PlanDraft(today, cur, total_dec, rows, freq)
        found = plans.check_schedule(draft)
        if found:
            raise InputError([_option(p) for p in found])
        req = matrix.required_role(draft, distressed=defaults.distressed)
        note_text = clean_note(note)
        stamp = now_stamp()
        first_on = draft.first_date
        assert first_on is not None
        plan_id = conn.execute(
            "INSERT INTO payment_plan (account_id, created_on, currency, total_minor, down_payment_minor,"
            " instalment_count, frequency, first_date, required_role, status, note, user, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (acct.id, today.isoformat(), cur, total_minor, to_minor(draft.down_payment, cur), draft.instalment_count,
             freq, first_on.isoformat(), req.role, note_text, user, stamp)).lastrowid
        conn.executemany("INSERT INTO plan_instalment (plan_id, seq, due_on, amount_minor) VALUES (?, ?, ?, ?)",
                         [(plan_id, i.seq, i.due_on.isoformat(), to_minor(i.amount, cur)) for i in rows])
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="plan", entity="payment_plan", entity_id=plan_id, account_id=acct.id,
                     at=stamp, before=_state(acct.a), after={**_state(after), "plan": {
                         "id": plan_id, "created_on": today.isoformat(), "currency": cur,
                         "total": str(total_dec), "down_payment": str(draft.down_payment),
                         "instalment_count": draft.instalment_count, "frequency": freq,
                         "first_date": first_on.isoformat(), "required_role": req.role,
                         "credit_review": req.credit_review, "approval_reason": req.reason, "status": "pending",
                         "instalments": [[i.seq, i.due_on.isoformat(), str(i.amount)] for i in rows],
                         "note": note_text}})
        return _result(conn, plan_id, today, policy, matrix, after, req)


def _option(p: plans.Problem) -> str:
    return f"{OPTIONS.get(p.field, p.field)}: {p.value}: {p.expected}"


# ------------------------------------------------------------------------- approve, reject, cancel

def approve_plan(db: SqliteDatabase, plan_id: int, *, approver: str, role: str, on: dt.date | None = None,
                 reference: str | None = None, reviewed_by: str | None = None, today: dt.date, user: str,
                 policy: Policy, matrix: ApprovalMatrix | None = None) -> PlanResult:
    """Record the approval of a pending plan (module docstring for who may approve)."""
    matrix = matrix or ApprovalMatrix()
    problems: list[str] = []
    name = clean_text(approver, "--by", problems, required=True, what="the approver's name")
    if role not in ROLES:
        problems.append(f"--role: {'missing' if role is None else repr(role)}: expected one of {', '.join(ROLES)}")
    ref = clean_text(reference, "--ref", problems, what="a reference")
    reviewer = clean_text(reviewed_by, "--reviewed-by", problems, what="the credit analyst's name")
    on = on or today
    if on > today:
        problems.append(f"--on: {on}: expected a date on or before --today ({today}): an approval is recorded "
                        "once given")
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        row = _row(conn, plan_id, today)
        if on < dt.date.fromisoformat(row["created_on"][:10]):
            problems.append(f"--on: {on}: expected a date on or after the day the plan was made ({row['created_on']})")
        if problems:
            raise InputError(problems)
        assert name is not None
        acct = _load(conn, key_of(conn, row["account_id"]), today, policy)
        if row["status"] != "pending":
            raise PolicyRefusal(f"approve refused: only a pending plan can be approved: plan {plan_id} is "
                                f"{row['status']}")
        instalments = _instalments(conn, plan_id, row["currency"])
        req = _requirement(matrix, row, instalments, _distressed(conn, acct.id))
        if plans.role_rank(role) < plans.role_rank(req.role):
            raise PolicyRefusal(f"approve refused: plan {plan_id} needs a {ROLE_LABELS[req.role]}'s approval"
                                + (" and a credit analyst's review" if req.credit_review else "")
                                + f" ({req.reason}); {name} approves as {ROLE_LABELS[role]}")
        if req.credit_review and reviewer is None:
            raise PolicyRefusal(f"approve refused: plan {plan_id} needs a credit analyst's review ({req.reason}): "
                                "name the reviewer with --reviewed-by")
        if req.credit_review and reviewer is not None and reviewer.casefold() == name.casefold():
            raise PolicyRefusal(f"approve refused: the credit analyst's review must come from someone other than "
                                f"the approver ({name})")
        stamp = now_stamp()
        conn.execute("UPDATE payment_plan SET status = 'approved', approved_by = ?, approver_role = ?,"
                     " approved_on = ?, approval_ref = ?, reviewed_by = ? WHERE id = ?",
                     (name, role, on.isoformat(), ref, reviewer, plan_id))
        new = _row(conn, plan_id, today)
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="plan_approve", entity="payment_plan", entity_id=plan_id,
                     account_id=acct.id, at=stamp, before={**_state(acct.a), "plan": _plan_state(row)},
                     after={**_state(after), "plan": _plan_state(new), "required_role": req.role,
                            "credit_review": req.credit_review, "approval_reason": req.reason})
        return _result(conn, plan_id, today, policy, matrix, after, req)


def reject_plan(db: SqliteDatabase, plan_id: int, *, by: str, today: dt.date, user: str, policy: Policy,
                note: str | None = None, matrix: ApprovalMatrix | None = None) -> PlanResult:
    """Reject a pending plan; who, when and why go into its note."""
    problems: list[str] = []
    name = clean_text(by, "--by", problems, required=True, what="who rejected it")
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        row = _row(conn, plan_id, today)
        acct = _load(conn, key_of(conn, row["account_id"]), today, policy)
        if row["status"] != "pending":
            raise PolicyRefusal(f"reject refused: only a pending plan can be rejected: plan {plan_id} is "
                                f"{row['status']}")
        note_text = clean_note(note)
        new_note = add_note(row["note"], f"rejected on {today} by {name}" + (f": {note_text}" if note_text else ""))
        stamp = now_stamp()
        conn.execute("UPDATE payment_plan SET status = 'rejected', note = ? WHERE id = ?", (new_note, plan_id))
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="plan_reject", entity="payment_plan", entity_id=plan_id,
                     account_id=acct.id, at=stamp, before={**_state(acct.a), "plan": _plan_state(row)},
                     after={**_state(after), "plan": _plan_state(_row(conn, plan_id, today)), "rejected_by": name,
                            "rejected_on": today.isoformat()})
        return _result(conn, plan_id, today, policy, matrix or ApprovalMatrix(), after)


def cancel_plan(db: SqliteDatabase, plan_id: int, *, today: dt.date, user: str, policy: Policy,
                note: str | None = None, matrix: ApprovalMatrix | None = None) -> PlanResult:
    """Cancel a pending or approved plan as of *today*: its hold ends (a completed plan stays)."""
    conn = db.connection()
    with db.atomic():
        row = _row(conn, plan_id, today)
        acct = _load(conn, key_of(conn, row["account_id"]), today, policy)
        if row["status"] not in ("pending", "approved"):
            raise PolicyRefusal(f"cancel refused: plan {plan_id} is already {row['status']}")
        if row["approved_on"] and row["approved_on"][:10] > today.isoformat():
            raise InputError(f"--today: {today}: plan {plan_id} was approved on {row['approved_on'][:10]}, after "
                             f"this date: use a date on or after it")
        instalments = _instalments(conn, plan_id, row["currency"])
        standing = _standing(acct.facts, _plan_fact(row, instalments), policy, today)
        if standing is not None and standing.status == "completed":
            raise PolicyRefusal(f"cancel refused: plan {plan_id} is completed (paid in full); it stays on the record")
        note_text = clean_note(note)
        new_note = add_note(row["note"], f"cancelled on {today}" + (f": {note_text}" if note_text else ""))
        stamp = now_stamp()
        conn.execute("UPDATE payment_plan SET status = 'cancelled', cancelled_on = ?, note = ? WHERE id = ?",
                     (today.isoformat(), new_note, plan_id))
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="plan_cancel", entity="payment_plan", entity_id=plan_id,
                     account_id=acct.id, at=stamp,
                     before={**_state(acct.a), "plan": {**_plan_state(row),
                                                        "standing": standing.status if standing else None}},
                     after={**_state(after), "plan": _plan_state(_row(conn, plan_id, today))})
        return _result(conn, plan_id, today, policy, matrix or ApprovalMatrix(), after)
