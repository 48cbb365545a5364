"""`arcollect account` (stub: being written)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("account", help="(not yet available)")
    p.set_defaults(run=run)


def run(ctx, args) -> int:
    print("arcollect account: not yet available")
    return 1
