"""`arcollect audit verify` (prove the hash chain; exit 4 naming the first bad row) and
`arcollect audit show` (the trail filtered by account, user, action and date)."""

from __future__ import annotations

import argparse
import json
import sys

from arcollect_tui.errors import DataCheckFailed, InputError


def register(sub) -> None:
    p = sub.add_parser("audit", help="check and read the audit trail")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser("verify", help="check the hash chain from the first row to the last (exit 4 if broken)")
    v.set_defaults(run=run_verify)
    s = asub.add_parser(
        "show", help="list audit rows, newest first",
        description="List audit rows, newest first: when (UTC), who, what, on which account, and the "
        "values before and after. Filters combine.")
    s.add_argument("--account", metavar="KEY", help="only rows about this account (its key as imported)")
    s.add_argument("--user", metavar="NAME", help="only rows written by this user")
    s.add_argument("--action", metavar="ACTION", help="only this action (for example log, warn, import)")
    s.add_argument("--since", metavar="DATE", help="only rows written on or after this UTC date (YYYY-MM-DD)")
    s.add_argument("--until", metavar="DATE", help="only rows written on or before this UTC date (YYYY-MM-DD)")
    s.add_argument("--limit", type=int, default=None, metavar="N", help="at most N rows (default: all)")
    s.add_argument("--format", choices=("table", "json"), default="table")
    s.set_defaults(run=run_show)


def run_verify(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui import audit

    count, bad_id, why = audit.verify(ctx.db.connection())
    if bad_id is not None:
        raise DataCheckFailed(f"audit trail broken at row {bad_id}: {why} ({count - 1} rows before it hold)")
    print(f"audit trail holds: {count} rows checked")
    return 0


def _date(value: str | None, option: str, problems: list[str]) -> str | None:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        problems.append(f"{option}: {value!r}: expected a date as YYYY-MM-DD")
        return None


def _summary(row: dict) -> str:
    """The change in one line: the after values (or before, for a removal), compact JSON."""
    value = row["after"] if row["after"] is not None else row["before"]
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                                           sort_keys=True)
    return text if len(text) <= 100 else text[:99] + "…"


def run_show(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui import audit
    from arcollect_tui.cli.common import write_json, write_table
    from arcollect_tui.services.facts import account_id_of

    problems: list[str] = []
    since, until = _date(args.since, "--since", problems), _date(args.until, "--until", problems)
    if args.limit is not None and args.limit < 0:
        problems.append(f"--limit: {args.limit}: expected a whole number of zero or more")
    if problems:
        raise InputError(problems)
    conn = ctx.db.connection()
    account_id = account_id_of(conn, args.account) if args.account is not None else None
    rows = audit.entries(conn, account_id=account_id, user=args.user, action=args.action,
                         since=since, until=until, limit=args.limit)
    if args.format == "json":
        for row in rows:
            row.pop("account_id")
        write_json(rows)
        return 0
    if not rows:
        print("no audit rows match", file=sys.stderr)
        return 0
    table = [(r["id"], r["at"], r["user"], r["action"],
              r["entity"] + (f"#{r['entity_id']}" if r["entity_id"] is not None else ""),
              r["account"] or "", _summary(r)) for r in rows]
    write_table(table, ["id", "at (UTC)", "user", "action", "entity", "account", "change"], right=[0])
    return 0
