"""The ledger: what is open on which invoice, as of a date, and how payments are applied.

Open amount of an invoice as of D = its amount - allocations to it dated <= D (for a credit
note: its negative amount + allocations from it dated <= D).  Invoices dated after D do not
exist yet.  `invoice.settled_on` (the date allocations first covered the whole amount) lets the
queries skip settled items quickly; `recompute_settled` keeps it true after any allocation.

These functions take the raw sqlite3 connection and run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Iterable

_SETTLED_SQL = """
UPDATE invoice SET settled_on = CASE
    WHEN kind = 'invoice' AND amount_minor = 0 THEN invoice_date
    WHEN kind = 'invoice' THEN (
        SELECT min(applied_on) FROM (
            SELECT applied_on, sum(amount_minor) OVER (ORDER BY applied_on, id) AS cum
            FROM allocation a WHERE a.invoice_id = invoice.id)
        WHERE cum >= invoice.amount_minor)
    ELSE (
        SELECT min(applied_on) FROM (
            SELECT applied_on, sum(amount_minor) OVER (ORDER BY applied_on, id) AS cum
            FROM allocation a WHERE a.credit_note_id = invoice.id)
        WHERE cum >= -invoice.amount_minor)
END
"""


def recompute_settled(conn: sqlite3.Connection, invoice_ids: Iterable[int] | None = None) -> None:
    """Set invoice.settled_on from the allocations, for the given invoices (default: all)."""
    if invoice_ids is None:
        conn.execute(_SETTLED_SQL)
        return
    ids = sorted(set(invoice_ids))
    if not ids:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _settle_ids (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM _settle_ids")
    conn.executemany("INSERT INTO _settle_ids (id) VALUES (?)", ((i,) for i in ids))
    conn.execute(_SETTLED_SQL + " WHERE id IN (SELECT id FROM _settle_ids)")
    conn.execute("DELETE FROM _settle_ids")


@dataclass(frozen=True)
class OpenItem:
    invoice_id: int
    account_id: int
    number: str
    kind: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    amount_minor: int
    open_minor: int

    def days_past_due(self, today: dt.date) -> int:
        return max(0, (today - self.due_date).days)


_OPEN_SQL = """
SELECT i.id, i.account_id, i.number, i.kind, i.invoice_date, i.due_date, i.currency, i.amount_minor,
       i.amount_minor
       - coalesce((SELECT sum(a.amount_minor) FROM allocation a
                   WHERE a.invoice_id = i.id AND a.applied_on <= :d), 0)
       + coalesce((SELECT sum(a.amount_minor) FROM allocation a
                   WHERE a.credit_note_id = i.id AND a.applied_on <= :d), 0) AS open_minor
FROM invoice i
WHERE i.invoice_date <= :d AND (i.settled_on IS NULL OR i.settled_on > :d) {extra}
ORDER BY i.account_id, i.due_date, i.invoice_date, i.number
"""


def open_items(conn: sqlite3.Connection, as_of: dt.date, account_id: int | None = None) -> list[OpenItem]:
    """Every invoice and credit note with something open as of `as_of`."""
    extra = "AND i.account_id = :acct" if account_id is not None else ""
    rows = conn.execute(_OPEN_SQL.format(extra=extra), {"d": as_of.isoformat(), "acct": account_id})
    return [
        OpenItem(r[0], r[1], r[2], r[3], dt.date.fromisoformat(r[4]), dt.date.fromisoformat(r[5]),
                 r[6], r[7], r[8])
        for r in rows
        if r[8] != 0
    ]


def allocate_payment(conn: sqlite3.Connection, *, payment_id: int, account_id: int, paid_on: dt.date,
                     currency: str, amount_minor: int, invoice_id: int | None = None,
                     created_at: str) -> list[int]:
    """Apply a payment: to `invoice_id` first (up to what it has open), then oldest due first.

    Only invoices of the payment's currency that exist on its date are candidates; what is
    left over stays unapplied (cash on account).  Returns the invoice ids it touched.
    """
    remaining = amount_minor
    touched: list[int] = []
    candidates = conn.execute(
        """SELECT i.id, i.amount_minor - coalesce((SELECT sum(a.amount_minor) FROM allocation a
                                                  WHERE a.invoice_id = i.id), 0)
           FROM invoice i
           WHERE i.account_id = ? AND i.kind = 'invoice' AND i.currency = ? AND i.invoice_date <= ?
             AND i.settled_on IS NULL
           ORDER BY (i.id = ?) DESC, i.due_date, i.invoice_date, i.number""",
        (account_id, currency, paid_on.isoformat(), invoice_id if invoice_id is not None else -1),
    ).fetchall()
    for inv_id, open_minor in candidates:
        if remaining <= 0:
            break
        if open_minor <= 0:
            continue
        applied = min(open_minor, remaining)
        conn.execute(
            "INSERT INTO allocation (invoice_id, payment_id, applied_on, amount_minor, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (inv_id, payment_id, paid_on.isoformat(), applied, created_at),
        )
        remaining -= applied
        touched.append(inv_id)
    recompute_settled(conn, touched)
    return touched
