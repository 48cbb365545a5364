"""The audit trail: one row per change, in the change's own transaction, hash-chained.

hash = sha256(prev_hash + canonical JSON of [at, user, action, entity, entity_id, account_id,
before, after]); the first row's prev_hash is GENESIS.  Triggers in schema.sql make the table
append-only; `verify` recomputes the chain and names the first row that does not hold.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from arcollect_tui.clock import now_stamp

GENESIS = "0" * 64


def _to_json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(prev_hash: str, at: str, user: str, action: str, entity: str, entity_id: int | None,
            account_id: int | None, before: str | None, after: str | None) -> str:
    content = json.dumps([at, user, action, entity, entity_id, account_id, before, after],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def record(conn: sqlite3.Connection, *, user: str, action: str, entity: str,
           entity_id: int | None = None, account_id: int | None = None,
           before: Any = None, after: Any = None, at: str | None = None) -> int:
    """Append one audit row.  Call inside the write transaction of the change it records."""
    at = at or now_stamp()
    before_s, after_s = _to_json(before), _to_json(after)
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    digest = _digest(prev, at, user, action, entity, entity_id, account_id, before_s, after_s)
    cur = conn.execute(
        "INSERT INTO audit_log (at, user, action, entity, entity_id, account_id, before, after, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at, user, action, entity, entity_id, account_id, before_s, after_s, prev, digest),
    )
    return cur.lastrowid


def verify(conn: sqlite3.Connection) -> tuple[int, int | None, str]:
    """Walk the chain.  Returns (rows checked, first bad id or None, what is wrong)."""
    prev = GENESIS
    count = 0
    cur = conn.execute(
        "SELECT id, at, user, action, entity, entity_id, account_id, before, after, prev_hash, hash"
        " FROM audit_log ORDER BY id"
    )
    for (rid, at, user, action, entity, entity_id, account_id, before, after, prev_hash, digest) in cur:
        count += 1
        if prev_hash != prev:
            return count, rid, "its prev_hash does not match the hash of the row before it"
        if _digest(prev_hash, at, user, action, entity, entity_id, account_id, before, after) != digest:
            return count, rid, "its content does not match its hash"
        prev = digest
    return count, None, ""


def entries(conn: sqlite3.Connection, *, account_id: int | None = None, user: str | None = None,
            since: str | None = None, until: str | None = None, action: str | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Audit rows, newest first, filtered by account, user (exact), action (exact) and the UTC
    date of `at` (`since`/`until` are ISO dates, both inclusive).  `before`/`after` are decoded
    from JSON; `account` is the account's key when the account still exists."""
    where, params = [], []
    for clause, value in (("l.account_id = ?", account_id), ("l.user = ?", user), ("l.action = ?", action),
                          ("substr(l.at, 1, 10) >= ?", since), ("substr(l.at, 1, 10) <= ?", until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = ("SELECT l.id, l.at, l.user, l.action, l.entity, l.entity_id, l.account_id, a.key, l.before, l.after"
           " FROM audit_log l LEFT JOIN account a ON a.id = l.account_id")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY l.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    out = []
    for rid, at, who, act, entity, entity_id, acct_id, key, before, after in conn.execute(sql, params):
        out.append({"id": rid, "at": at, "user": who, "action": act, "entity": entity, "entity_id": entity_id,
                    "account_id": acct_id, "account": key, "before": _from_json(before), "after": _from_json(after)})
    return out


def _from_json(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value
