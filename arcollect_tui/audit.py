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
