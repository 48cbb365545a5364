"""`arcollect demo [--accounts N] [--seed S]`: fill an empty database with a demo portfolio."""

from __future__ import annotations

import argparse
import sys

from arcollect_tui.cli.common import Context, write_table
from arcollect_tui.demo import build_demo
from arcollect_tui.demo.builder import MAX_ACCOUNTS
from arcollect_tui.errors import InputError


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="fill an empty database with a realistic synthetic portfolio",
        description="Fill an empty database with a realistic synthetic AR portfolio dated relative to "
        "--today: accounts in SGD, JPY, AUD, USD and EUR with contacts, a year of invoices, payments, "
        "disputes, promises, plans, activities and accounts at every stage of the collection policy. "
        "The same N and seed give the same data. A database that already has accounts is refused. "
        "The worklist for --today is computed at the end, so the first queue and the app open at once.",
    )
    p.add_argument("--accounts", type=int, default=1500, metavar="N",
                   help="how many accounts (default: 1500; about ten invoices each)")
    p.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default: 42)")
    p.set_defaults(run=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    if not 1 <= args.accounts <= MAX_ACCOUNTS:
        raise InputError(f"--accounts: {args.accounts}: expected a whole number from 1 to {MAX_ACCOUNTS:,}")
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        summary = build_demo(ctx.db, today=ctx.today, accounts=args.accounts, seed=args.seed,
                             config=ctx.config, user=ctx.config.user_name, progress=progress)
    finally:
        if progress is not None:
            progress.done()
    if sys.stderr.isatty():
        sys.stderr.write("demo: computing the worklist...\n")
        sys.stderr.flush()
    from arcollect_tui.services.worklist import prepare

    prepare(ctx.db, ctx.today, ctx.config)
    print(f"Demo portfolio as of {ctx.today.isoformat()} (seed {args.seed}) in {ctx.db_path}:")
    rows = [(name.replace("_", " "), f"{count:,}") for name, count in summary.as_dict().items()]
    write_table(rows, ["table", "rows"], right=[1])
    return 0


class _Progress:
    """One self-overwriting line on a terminal's stderr."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        sys.stderr.write(f"\rdemo: {done:,}/{total:,} accounts")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
