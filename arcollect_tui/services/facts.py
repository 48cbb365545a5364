"""Loading the timeline's facts for an account from the store (no rules here: see timeline.py).

`load_facts(conn, account_id, today)` gives everything dated on or before *today* that the
timeline needs, for one account.  The worklist loads the same facts for many accounts at once in
its own bulk queries; tests prove the two agree.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from arcollect_tui.errors import InputError
from arcollect_tui.timeline import (
    ContactFact, DisputeFact, EscalationFact, Facts, Item, PaymentFact, PlanFact, PromiseFact, StepFact,
)

_d = dt.date.fromisoformat


def _od(value: str | None) -> dt.date | None:
    return _d(value) if value else None


def account_id_of(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT id FROM account WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise InputError(f"account: {key!r}: no account has this key: check the key (as imported)")
    return row[0]


def load_facts(conn: sqlite3.Connection, account_id: int, today: dt.date) -> Facts:
    """Every fact of one account dated on or before `today` (later ones have not happened)."""
    d = today.isoformat()
    key, distress = conn.execute("SELECT key, distress FROM account WHERE id = ?", (account_id,)).fetchone()
    paid: dict[int, list[tuple[dt.date, int]]] = {}
    for invoice_id, applied_on, amount in conn.execute(
            "SELECT a.invoice_id, a.applied_on, a.amount_minor FROM allocation a JOIN invoice i ON i.id = a.invoice_id"
            " WHERE i.account_id = ? AND a.applied_on <= ? AND i.kind = 'invoice'", (account_id, d)):
        paid.setdefault(invoice_id, []).append((_d(applied_on), amount))
    items = tuple(
        Item(number, _d(idate), _d(due), cur, amount, tuple(sorted(paid.get(iid, ()))))
        for iid, number, idate, due, cur, amount in conn.execute(
            "SELECT id, number, invoice_date, due_date, currency, amount_minor FROM invoice"
            " WHERE account_id = ? AND kind = 'invoice' AND invoice_date <= ?", (account_id, d))
    )
    disputes = tuple(
        DisputeFact(number, amount, _d(opened), _od(resolved))
        for number, amount, opened, resolved in conn.execute(
            "SELECT i.number, x.amount_minor, x.opened_on, x.resolved_on FROM dispute x"
            " LEFT JOIN invoice i ON i.id = x.invoice_id WHERE x.account_id = ? AND x.opened_on <= ?",
            (account_id, d))
    )
    payments = tuple(
        PaymentFact(_d(on), cur, amount)
        for on, cur, amount in conn.execute(
            "SELECT paid_on, currency, amount_minor FROM payment WHERE account_id = ? AND paid_on <= ?",
            (account_id, d))
    )
    promises = tuple(
        PromiseFact(_d(made), _d(by), cur, amount, _od(cancelled))
        for made, by, cur, amount, cancelled in conn.execute(
            "SELECT made_on, pay_by, currency, amount_minor, cancelled_on FROM promise"
            " WHERE account_id = ? AND made_on <= ?", (account_id, d))
    )
    instalments: dict[int, list[tuple[dt.date, int]]] = {}
    for plan_id, due, amount in conn.execute(
            "SELECT s.plan_id, s.due_on, s.amount_minor FROM plan_instalment s JOIN payment_plan p ON p.id = s.plan_id"
            " WHERE p.account_id = ? ORDER BY s.plan_id, s.seq", (account_id,)):
        instalments.setdefault(plan_id, []).append((_d(due), amount))
    # A rejected plan never took effect (and has no date to show it by): it is left out.  A plan
    # approved and later cancelled keeps its approval date, so that it was active until cancelled.
    plans = tuple(
        PlanFact(_d(created), _od(approved), cur, tuple(instalments.get(pid, ())), _od(cancelled))
        for pid, created, approved, cur, cancelled in conn.execute(
            "SELECT id, created_on, approved_on, currency, cancelled_on FROM payment_plan"
            " WHERE account_id = ? AND created_on <= ? AND status <> 'rejected'", (account_id, d))
    )
    steps = tuple(
        StepFact(kind, _d(on)) for kind, on in conn.execute(
            "SELECT kind, on_date FROM suspension_event WHERE account_id = ? AND on_date <= ? ORDER BY on_date, id",
            (account_id, d))
    )
    contacts = tuple(
        ContactFact(_d(on), channel, outcome, _od(follow))
        for on, channel, outcome, follow in conn.execute(
            "SELECT occurred_on, channel, outcome, follow_up_on FROM activity"
            " WHERE account_id = ? AND occurred_on <= ? ORDER BY occurred_on, id", (account_id, d))
    )
    escalations = tuple(
        EscalationFact(_d(opened), _od(closed)) for opened, closed in conn.execute(
            "SELECT opened_on, closed_on FROM escalation WHERE account_id = ? AND opened_on <= ?", (account_id, d))
    )
    return Facts(key, items, disputes, payments, promises, plans, steps, contacts, escalations, bool(distress))
