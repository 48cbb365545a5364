"""`arcollect audit verify`: prove the audit trail's hash chain (exit 4 naming the first bad row)."""

from __future__ import annotations

import argparse

from arcollect_tui.errors import DataCheckFailed


def register(sub) -> None:
    p = sub.add_parser("audit", help="check the audit trail")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser("verify", help="check the hash chain from the first row to the last (exit 4 if broken)")
    v.set_defaults(run=run_verify)


def run_verify(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui import audit

    count, bad_id, why = audit.verify(ctx.db.connection())
    if bad_id is not None:
        raise DataCheckFailed(f"audit trail broken at row {bad_id}: {why} ({count - 1} rows before it hold)")
    print(f"audit trail holds: {count} rows checked")
    return 0
