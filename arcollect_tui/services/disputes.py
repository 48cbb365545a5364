"""Disputes: open them on chosen invoices (or on part of an amount), move them through review to a
resolution, and issue the credit note a `resolved_credit` resolution calls for.

Each write is one `db.atomic()` transaction with one audit row per dispute (before and after),
every problem at once (InputError, exit 2), refusals as PolicyRefusal (exit 3), nothing written on
any error.

Decisions:

* **What is disputed**: with invoices, one dispute per invoice, each for what is still open on it
  and not already in an open dispute; with one invoice and an amount, that part of it.  With an
  amount and no invoice, a dispute on the account as a whole in its main currency: it names no
  item, so (as the `account` view and the timeline read disputes) it takes nothing off the
  dunning clock; prefer naming the invoice.  Open disputes on an invoice may not add up to more
  than is open on it.
* **Statuses**: open -> in_review -> resolved_credit | resolved_valid | withdrawn (open may go
  straight to a resolution).  A resolution is dated *today* and final (exit 3 to change it): a
  new disagreement is a new dispute.
* **Credit notes**: `resolved_credit` issues a credit note for the disputed amount (or `credit`,
  not more than the disputed amount) the way the importer and the demo store them: an invoice row
  of kind `credit_note` with a negative amount, dated *today*, numbered `CN-D<dispute id>`.  It is
  applied (allocation rows with `credit_note_id`) to the disputed invoice up to what is open on it,
  or, for a dispute without an invoice, to the open invoices in its currency, oldest due first.
  What it cannot apply stays open on the credit note: the account's balance still counts it, as
  a credit.  `invoice.settled_on` is recomputed for every item touched (ledger.recompute_settled).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from peewee import SqliteDatabase

from arcollect_tui import audit, ledger, timeline
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.ledger import OpenItem, open_items
from arcollect_tui.money import from_minor
from arcollect_tui.services.actions import _Account, _load, _reassess, _state
from arcollect_tui.services.promises import (
    _json, account_position, add_note, chosen_invoices, clean_note, clean_text, hold_kind, key_of, money_text,
    parse_money, row_date,
)
from arcollect_tui.text import clean

REASONS: tuple[str, ...] = ("pricing", "quantity", "not_received", "duplicate_billing", "tax", "contract_terms",
                            "service_issue", "other")
TEAMS: tuple[str, ...] = ("sales_ops", "sales", "billing", "other")
STATUSES: tuple[str, ...] = ("open", "in_review", "resolved_credit", "resolved_valid", "withdrawn")
RESOLVED: tuple[str, ...] = ("resolved_credit", "resolved_valid", "withdrawn")
NEXT: dict[str, tuple[str, ...]] = {"open": ("in_review", *RESOLVED), "in_review": RESOLVED}


@dataclass(frozen=True)
class DisputeResult:
    """A dispute as stored, its credit note if any, and where the account stands after the write."""

    dispute_id: int
    account: str
    invoice: str | None
    currency: str
    amount: Decimal
    reason: str
    routed_to: str
    owner: str | None
    status: str
    opened_on: dt.date
    resolved_on: dt.date | None
    note: str | None
    credit_note_id: int | None
    credit_note: str | None                  # its number
    credit_amount: Decimal | None            # positive: what was credited
    credit_applied: tuple[tuple[str, Decimal], ...]   # (invoice, amount) it was applied to
    credit_unapplied: Decimal | None         # what stays open on the credit note
    balance: Decimal                         # the account's open balance in the dispute's currency, after
    stage: str
    flags: tuple[str, ...]
    hold: str | None

    def to_json(self) -> dict[str, Any]:
        out = _json(self)
        out["credit_applied"] = [{"invoice": n, "amount": str(a)} for n, a in self.credit_applied]
        return out


def _choice(value: str | None, option: str, choices: Sequence[str], problems: list[str]) -> str | None:
    text = (value or "").strip().lower().replace("-", "_")
    if text not in choices:
        problems.append(f"{option}: {'missing' if value is None else repr(value)}: expected one of {', '.join(choices)}")
        return None
    return text


def _open_disputed(conn: sqlite3.Connection, invoice_id: int, today: dt.date) -> tuple[int, list[int]]:
    """What open disputes already hold on an invoice as of *today*, and their ids."""
    rows = conn.execute(
        "SELECT id, amount_minor FROM dispute WHERE invoice_id = ? AND opened_on <= ?"
        " AND (resolved_on IS NULL OR resolved_on > ?)", (invoice_id, today.isoformat(), today.isoformat())).fetchall()
    return sum(r[1] for r in rows), [r[0] for r in rows]


# -------------------------------------------------------------------------------------- open

def open_dispute(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy, reason: str,
                 route: str, invoices: Sequence[str] = (), amount: str | Decimal | None = None,
                 owner: str | None = None, note: str | None = None,
                 default_currency: str = "USD") -> tuple[DisputeResult, ...]:
    """Open one dispute per chosen invoice, or one on part of an amount (module docstring)."""
    problems: list[str] = []
    reason_code = _choice(reason, "--reason", REASONS, problems)
    team = _choice(route, "--route", TEAMS, problems)
    owner_name = clean_text(owner, "--owner", problems)
    note_text = clean_note(note)
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        everything = open_items(conn, today, acct.id)
        chosen = chosen_invoices(acct, everything, invoices, problems) if invoices else []
        wanted: list[tuple[OpenItem | None, str, int]] = []      # (invoice, currency, amount)
        if invoices and amount is not None and len(invoices) > 1:
            problems.append(f"--amount: {amount}: with several invoices each is disputed for what is open on it: "
                            "expected one --invoice with --amount (one dispute each)")
        elif chosen:
            for item in chosen:
                already, ids = _open_disputed(conn, item.invoice_id, today)
                room = item.open_minor - already
                part = parse_money(amount, item.currency, "--amount", problems) if amount is not None else room
                if part is None:
                    continue
                if room <= 0:
                    problems.append(f"--invoice: {clean(item.number)}: already wholly in dispute (dispute "
                                    f"{', '.join(map(str, ids))}): expected an invoice with undisputed amounts open")
                elif part > room:
                    problems.append(f"--amount: {from_minor(part, item.currency)}: expected at most what is open on "
                                    f"{clean(item.number)} and not yet disputed ({money_text(room, item.currency)})")
                else:
                    wanted.append((item, item.currency, part))
        elif not invoices:
            if amount is None:
                problems.append("--invoice: missing: expected the disputed invoices (--invoice N, repeated), or "
                                "--amount for part of the account's balance")
            else:
                pos = account_position(conn, acct, today, default_currency)
                part = parse_money(amount, pos.currency, "--amount", problems)
                if part is not None and part > pos.balance_minor:
                    problems.append(f"--amount: {from_minor(part, pos.currency)}: expected at most the open balance "
                                    f"({money_text(max(0, pos.balance_minor), pos.currency)})")
                elif part is not None:
                    wanted.append((None, pos.currency, part))
        if problems:
            raise InputError(problems)
        stamp = now_stamp()
        ids = []
        for item, currency, part in wanted:
            dispute_id = conn.execute(
                "INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, routed_to, owner, status,"
                " opened_on, note, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                (acct.id, item.invoice_id if item else None, currency, part, reason_code, team, owner_name,
                 today.isoformat(), note_text, user, stamp)).lastrowid
            ids.append(dispute_id)
        after = _reassess(conn, acct, today, policy)
        for (item, currency, part), dispute_id in zip(wanted, ids):
            audit.record(conn, user=user, action="dispute", entity="dispute", entity_id=dispute_id,
                         account_id=acct.id, at=stamp, before=_state(acct.a),
                         after={**_state(after), "dispute": {
                             "id": dispute_id, "invoice": item.number if item else None, "currency": currency,
                             "amount": str(from_minor(part, currency)), "reason": reason_code, "routed_to": team,
                             "owner": owner_name, "status": "open", "opened_on": today.isoformat(),
                             "note": note_text}})
        return tuple(_result(conn, i, today, after) for i in ids)


# ------------------------------------------------------------------------------------ status

def _credit_number(conn: sqlite3.Connection, account_id: int, dispute_id: int) -> str:
    number, n = f"CN-D{dispute_id}", 1
    while conn.execute("SELECT 1 FROM invoice WHERE account_id = ? AND number = ?", (account_id, number)).fetchone():
        n += 1
        number = f"CN-D{dispute_id}-{n}"
    return number


def _issue_credit(conn: sqlite3.Connection, acct: _Account, row: dict[str, Any], credit_minor: int,
                  today: dt.date, stamp: str) -> tuple[int, str, list[tuple[int, str, int]]]:
    """Write the credit note and apply it (module docstring); returns (id, number, [(invoice id,
    number, amount)])."""
    currency, d = row["currency"], today.isoformat()
    number = _credit_number(conn, acct.id, row["id"])
    invoice_number = None
    if row["invoice_id"] is not None:
        (invoice_number,) = conn.execute("SELECT number FROM invoice WHERE id = ?", (row["invoice_id"],)).fetchone()
    description = (f"Credit for {invoice_number or 'the account'}: {row['reason'].replace('_', ' ')} "
                   f"(dispute {row['id']})")
    cn_id = conn.execute(
        "INSERT INTO invoice (account_id, number, kind, invoice_date, due_date, currency, amount_minor, description,"
        " created_at) VALUES (?, ?, 'credit_note', ?, ?, ?, ?, ?, ?)",
        (acct.id, number, d, d, currency, -credit_minor, description, stamp)).lastrowid
    # Candidates: the disputed invoice, else the open invoices in the currency, oldest due first.
    # Each takes at most what is open on it both as of today and over all allocations (later ones
    # exist when --today is in the past), so no invoice is ever over-applied.
    candidates = [i for i in open_items(conn, today, acct.id)
                  if i.kind == "invoice" and i.currency == currency and i.open_minor > 0
                  and (row["invoice_id"] is None or i.invoice_id == row["invoice_id"])]
    applied: list[tuple[int, str, int]] = []
    left = credit_minor
    for item in candidates:
        if left <= 0:
            break
        (ever,) = conn.execute("SELECT ? - coalesce(sum(amount_minor), 0) FROM allocation WHERE invoice_id = ?",
                               (item.amount_minor, item.invoice_id)).fetchone()
        take = min(left, item.open_minor, ever)
        if take <= 0:
            continue
        conn.execute("INSERT INTO allocation (invoice_id, credit_note_id, applied_on, amount_minor, created_at)"
                     " VALUES (?, ?, ?, ?, ?)", (item.invoice_id, cn_id, d, take, stamp))
        applied.append((item.invoice_id, item.number, take))
        left -= take
    ledger.recompute_settled(conn, [cn_id, *(a[0] for a in applied)])
    return cn_id, number, applied


def set_dispute_status(db: SqliteDatabase, dispute_id: int, status: str, *, today: dt.date, user: str,
                       policy: Policy, credit: str | Decimal | None = None, owner: str | None = None,
                       note: str | None = None) -> DisputeResult:
    """Move a dispute on (module docstring); `resolved_credit` issues and applies its credit note."""
    problems: list[str] = []
    new_status = _choice(status, "STATUS", STATUSES, problems)
    owner_name = clean_text(owner, "--owner", problems)
    note_text = clean_note(note)
    if credit is not None and new_status is not None and new_status != "resolved_credit":
        problems.append(f"--credit: {credit}: a credit note comes with STATUS resolved_credit only")
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        row = dict(row_date(conn, "dispute", "dispute", dispute_id, "opened_on", today))
        currency = row["currency"]
        credit_minor = parse_money(credit, currency, "--credit", problems) if credit is not None else row["amount_minor"]
        if credit_minor is not None and credit_minor > row["amount_minor"]:
            problems.append(f"--credit: {from_minor(credit_minor, currency)}: expected at most the disputed amount "
                            f"({money_text(row['amount_minor'], currency)})")
        if problems:
            raise InputError(problems)
        assert new_status is not None
        acct = _load(conn, key_of(conn, row["account_id"]), today, policy)
        old = row["status"]
        if old in RESOLVED:
            raise PolicyRefusal(f"status refused: dispute {dispute_id} was {old.replace('_', ' ')} on "
                                f"{row['resolved_on']}: a resolution is final; open a new dispute for a new "
                                "disagreement")
        if new_status not in NEXT[old]:
            raise PolicyRefusal(f"status refused: dispute {dispute_id} is {old.replace('_', ' ')}: it can move to "
                                f"{', '.join(NEXT[old])}")
        resolved_on = today.isoformat() if new_status in RESOLVED else None
        stamp = now_stamp()
        line = f"{new_status.replace('_', ' ')} on {today}" + (f": {note_text}" if note_text else "")
        new_note = add_note(row["note"], line) if (note_text or resolved_on) else row["note"]
        cn_id = cn_number = None
        applied: list[tuple[int, str, int]] = []
        if new_status == "resolved_credit":
            assert credit_minor is not None
            cn_id, cn_number, applied = _issue_credit(conn, acct, row, credit_minor, today, stamp)
        conn.execute("UPDATE dispute SET status = ?, resolved_on = ?, credit_note_id = ?, owner = ?, note = ?"
                     " WHERE id = ?", (new_status, resolved_on, cn_id, owner_name or row["owner"], new_note,
                                       dispute_id))
        after = _reassess(conn, acct, today, policy)
        keep = ("status", "resolved_on", "credit_note_id", "owner", "note")
        audit.record(conn, user=user, action="dispute_status", entity="dispute", entity_id=dispute_id,
                     account_id=acct.id, at=stamp, before={**_state(acct.a), "dispute": {k: row[k] for k in keep}},
                     after={**_state(after), "dispute": {
                         "status": new_status, "resolved_on": resolved_on, "credit_note_id": cn_id,
                         "owner": owner_name or row["owner"], "note": new_note},
                         "credit_note": None if cn_id is None else {
                             "id": cn_id, "number": cn_number, "amount": str(from_minor(-(credit_minor or 0), currency)),
                             "applied": [[n, str(from_minor(a, currency))] for _, n, a in applied]}})
        return _result(conn, dispute_id, today, after)


# ------------------------------------------------------------------------------------ result

def _result(conn: sqlite3.Connection, dispute_id: int, today: dt.date, after: timeline.Assessment) -> DisputeResult:
    (account_id, invoice_id, currency, amount, reason, routed, owner, status, opened, resolved, note,
     cn_id) = conn.execute(
        "SELECT account_id, invoice_id, currency, amount_minor, reason, routed_to, owner, status, opened_on,"
        " resolved_on, note, credit_note_id FROM dispute WHERE id = ?", (dispute_id,)).fetchone()
    number = conn.execute("SELECT number FROM invoice WHERE id = ?", (invoice_id,)).fetchone()[0] if invoice_id else None
    cn_number = credit_amount = unapplied = None
    applied: tuple[tuple[str, Decimal], ...] = ()
    if cn_id is not None:
        cn_number, cn_amount = conn.execute("SELECT number, amount_minor FROM invoice WHERE id = ?", (cn_id,)).fetchone()
        rows = conn.execute("SELECT i.number, a.amount_minor FROM allocation a JOIN invoice i ON i.id = a.invoice_id"
                            " WHERE a.credit_note_id = ? ORDER BY a.id", (cn_id,)).fetchall()
        applied = tuple((n, from_minor(a, currency)) for n, a in rows)
        credit_amount = from_minor(-cn_amount, currency)
        unapplied = from_minor(-cn_amount - sum(a for _, a in rows), currency)
    balance = sum(i.open_minor for i in open_items(conn, today, account_id) if i.currency == currency)
    return DisputeResult(
        dispute_id=dispute_id, account=key_of(conn, account_id), invoice=number, currency=currency,
        amount=from_minor(amount, currency), reason=reason, routed_to=routed, owner=owner, status=status,
        opened_on=dt.date.fromisoformat(opened), resolved_on=dt.date.fromisoformat(resolved) if resolved else None,
        note=note, credit_note_id=cn_id, credit_note=cn_number, credit_amount=credit_amount, credit_applied=applied,
        credit_unapplied=unapplied, balance=from_minor(balance, currency), stage=after.stage, flags=after.flags,
        hold=hold_kind(after))
