"""Escalations and financial distress: escalate an account, close an escalation, mark or clear
distress with a solvency note.

Each write is one `db.atomic()` transaction with one audit row (before and after), every problem
at once (InputError, exit 2), refusals as PolicyRefusal (exit 3), nothing written on any error.

Decisions:

* **One open escalation per target**: escalating again to a target that already has an open
  escalation is refused (exit 3) naming it; close it first.  Escalations to different targets
  may be open together.  Closing is dated *today* (not before the day it was opened) and final.
* **Distress** lives on the account row (`distress`, `distress_note`), which has no date: the flag
  therefore shows at every *as of* date, and the date it was marked or cleared, by whom and the
  note before and after are in the audit row.  Marking needs a solvency note (ability and
  willingness to pay); marking an account already marked replaces its note; clearing an account
  that is not marked is refused (exit 3).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from peewee import SqliteDatabase

from arcollect_tui import audit, timeline
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.services.actions import _load, _reassess, _state
from arcollect_tui.services.promises import _json, clean_note, clean_text, hold_kind, key_of, row_date
from arcollect_tui.text import clean

TARGETS: tuple[str, ...] = ("collections_management", "sales_management", "credit_analyst")
TARGET_LABELS: dict[str, str] = {"collections_management": "collections management",
                                 "sales_management": "sales management", "credit_analyst": "a credit analyst"}


@dataclass(frozen=True)
class EscalationResult:
    escalation_id: int
    account: str
    target: str
    reason: str
    owner: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    outcome: str | None
    stage: str
    flags: tuple[str, ...]
    hold: str | None

    def to_json(self) -> dict[str, Any]:
        return _json(self)


@dataclass(frozen=True)
class DistressResult:
    account: str
    distress: bool
    note: str | None
    previous_note: str | None
    on: dt.date
    stage: str
    flags: tuple[str, ...]
    hold: str | None

    def to_json(self) -> dict[str, Any]:
        return _json(self)


def _result(conn: sqlite3.Connection, escalation_id: int, after: timeline.Assessment) -> EscalationResult:
    account_id, target, reason, owner, opened, closed, outcome = conn.execute(
        "SELECT account_id, target, reason, owner, opened_on, closed_on, outcome FROM escalation WHERE id = ?",
        (escalation_id,)).fetchone()
    return EscalationResult(escalation_id, key_of(conn, account_id), target, reason, owner,
                            dt.date.fromisoformat(opened), dt.date.fromisoformat(closed) if closed else None,
                            outcome, after.stage, after.flags, hold_kind(after))


def escalate(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy, target: str,
             reason: str, owner: str | None = None) -> EscalationResult:
    """Escalate `key` to collections management, sales management or a credit analyst, with a reason."""
    problems: list[str] = []
    to = (target or "").strip().lower().replace("-", "_")
    if to not in TARGETS:
        problems.append(f"--to: {'missing' if target is None else repr(target)}: expected one of {', '.join(TARGETS)}")
    why = clean_note(reason)
    if not why:
        problems.append(f"--reason: {'missing' if reason is None else repr(reason)}: expected why the account is "
                        "escalated")
    owner_name = clean_text(owner, "--owner", problems)
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        if problems:
            raise InputError(problems)
        same = conn.execute(
            "SELECT id, opened_on FROM escalation WHERE account_id = ? AND target = ? AND opened_on <= ?"
            " AND (closed_on IS NULL OR closed_on > ?) ORDER BY id LIMIT 1",
            (acct.id, to, today.isoformat(), today.isoformat())).fetchone()
        if same is not None:
            raise PolicyRefusal(f"escalate refused: {clean(acct.key)} is already escalated to {TARGET_LABELS[to]} "
                                f"(escalation {same[0]}, since {same[1]}): close it first")
        stamp = now_stamp()
        escalation_id = conn.execute(
            "INSERT INTO escalation (account_id, target, reason, owner, opened_on, user, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (acct.id, to, why, owner_name, today.isoformat(), user, stamp)).lastrowid
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="escalate", entity="escalation", entity_id=escalation_id,
                     account_id=acct.id, at=stamp, before=_state(acct.a),
                     after={**_state(after), "escalation": {"id": escalation_id, "target": to, "reason": why,
                                                            "owner": owner_name, "opened_on": today.isoformat()}})
        return _result(conn, escalation_id, after)


def close_escalation(db: SqliteDatabase, escalation_id: int, *, today: dt.date, user: str, policy: Policy,
                     outcome: str | None = None) -> EscalationResult:
    """Close an open escalation as of *today*, with its outcome in words."""
    text = clean_note(outcome)
    conn = db.connection()
    with db.atomic():
        row = dict(row_date(conn, "escalation", "escalation", escalation_id, "opened_on", today))
        acct = _load(conn, key_of(conn, row["account_id"]), today, policy)
        if row["closed_on"]:
            raise PolicyRefusal(f"close refused: escalation {escalation_id} was closed on {row['closed_on']}")
        stamp = now_stamp()
        conn.execute("UPDATE escalation SET closed_on = ?, outcome = ? WHERE id = ?",
                     (today.isoformat(), text, escalation_id))
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="escalation_close", entity="escalation", entity_id=escalation_id,
                     account_id=acct.id, at=stamp,
                     before={**_state(acct.a), "escalation": {"closed_on": None, "outcome": row["outcome"]}},
                     after={**_state(after), "escalation": {"closed_on": today.isoformat(), "outcome": text}})
        return _result(conn, escalation_id, after)


def set_distress(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy, distress: bool,
                 note: str | None = None) -> DistressResult:
    """Mark (with a solvency note) or clear the account's financial distress (module docstring)."""
    text = clean_note(note)
    if distress and not text:
        raise InputError(f"--note: {'missing' if note is None else repr(note)}: expected a solvency note (the "
                         "customer's ability and willingness to pay)")
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        was, old_note = conn.execute("SELECT distress, distress_note FROM account WHERE id = ?",
                                     (acct.id,)).fetchone()
        if not distress and not was:
            raise PolicyRefusal(f"clear refused: {clean(acct.key)} is not marked as in financial distress")
        new_note = text if distress else None
        stamp = now_stamp()
        conn.execute("UPDATE account SET distress = ?, distress_note = ?, updated_at = ? WHERE id = ?",
                     (int(distress), new_note, stamp, acct.id))
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="distress" if distress else "distress_clear", entity="account",
                     entity_id=acct.id, account_id=acct.id, at=stamp,
                     before={**_state(acct.a), "distress": bool(was), "distress_note": old_note},
                     after={**_state(after), "distress": distress, "distress_note": new_note, "on": today.isoformat(),
                            **({"clear_note": text} if not distress and text else {})})
        return DistressResult(acct.key, distress, new_note, old_note, today, after.stage, after.flags,
                              hold_kind(after))


def mark_distress(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
                  note: str) -> DistressResult:
    """Mark the account as in financial distress, with a solvency note."""
    return set_distress(db, key, today=today, user=user, policy=policy, distress=True, note=note)


def clear_distress(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
                   note: str | None = None) -> DistressResult:
    """Clear the account's financial distress (the note, if any, is kept in the audit row)."""
    return set_distress(db, key, today=today, user=user, policy=policy, distress=False, note=note)
