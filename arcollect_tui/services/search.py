"""Accounts found by what the worklist rows do not carry: an invoice number or a contact's name.

The queue screen filters its rows in memory by key and name; this adds the accounts whose
invoice numbers or contact names contain the typed text, so that `/` finds them too.  One query
per table, case-insensitive substring (`LIKE` with `ESCAPE`, so `%` and `_` are literal), run
in a worker; a prefix of the invoice number uses the `invoice_number` index.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import SqliteDatabase

MIN_LENGTH = 2  # one character would match most of the portfolio: not worth the scan
MAX_KEYS = 5000


@dataclass(frozen=True)
class Match:
    """An account found through one of its invoices or contacts (`via`: what matched, literally)."""

    key: str
    name: str
    via: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_by_invoice_or_contact(db: SqliteDatabase, text: str, *, limit: int = MAX_KEYS) -> list[Match]:
    """Accounts with an invoice number or a contact name containing `text` (any case).

    Empty for text shorter than MIN_LENGTH.  At most `limit` matches, invoice matches first.
    """
    text = text.strip()
    if len(text) < MIN_LENGTH or limit <= 0:
        return []
    conn = db.connection()
    pattern = _like(text)
    out: list[Match] = []
    seen: set[str] = set()
    queries = (
        "SELECT a.key, a.name, i.number FROM invoice i JOIN account a ON a.id = i.account_id"
        " WHERE i.number LIKE :p ESCAPE '\\' LIMIT :n",
        "SELECT a.key, a.name, c.name FROM contact c JOIN account a ON a.id = c.account_id"
        " WHERE c.name LIKE :p ESCAPE '\\' LIMIT :n",
    )
    for sql in queries:
        for key, name, via in conn.execute(sql, {"p": pattern, "n": limit}):
            if key not in seen:
                seen.add(key)
                out.append(Match(key, name, via))
                if len(out) >= limit:
                    return out
    return out
