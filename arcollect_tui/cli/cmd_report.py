"""`arcollect report` (stub: being written)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("report", help="(not yet available)")
    p.set_defaults(run=run)


def run(ctx, args) -> int:
    print("arcollect report: not yet available")
    return 1
