"""`arcollect queue [--format table|csv|json] [--all] [--limit N]`: the worklist as of --today.

Rows in priority order (highest first; ties: days past due, then the account key).  By default
the accounts that need an action today (due today or overdue); `--all` every account with an
open item (and any other that needs an action).

JSON: a list with one object per line: account, name, currency, balance, overdue, disputed,
days_past_due, stage, stage_label, color, next_action, next_action_due (ISO date or null),
priority (a number), flags (a list), reason, hold (promise, plan, dispute or null),
last_contact (ISO date or null).  Amounts are strings with the currency's minor
digits, in the account's main currency (its own currency when it has open items in it, else the
currency with the largest open balance).  CSV: the same columns, flags separated by `;`.
Table: for people, untrusted text cleaned.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import sys
from typing import TextIO

from arcollect_tui.cli.common import add_format, write_csv, write_table
from arcollect_tui.money import display_minor, to_minor

COLUMNS = ("account", "name", "currency", "balance", "overdue", "disputed", "days_past_due", "stage",
           "stage_label", "color", "next_action", "next_action_due", "priority", "flags", "reason", "hold",
           "last_contact")


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of rows (0 or more)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of rows (0 or more)")
    return value


def register(sub) -> None:
    p = sub.add_parser("queue", help="the worklist: accounts that need an action today, most urgent first",
                       description="The worklist as of --today, in priority order.")
    add_format(p, ["table", "csv", "json"], "table")
    p.add_argument("--all", action="store_true", dest="include_all",
                   help="every account with an open item, not only those that need an action")
    p.add_argument("--limit", type=_limit, metavar="N", help="only the first N rows")
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.worklist import priority_settings, queue, queue_json

    config = ctx.config
    weights, fx = priority_settings(config)
    common = dict(include_all=args.include_all, limit=args.limit, fx=fx, default_currency=config.default_currency)
    if args.format == "json":
        write_json_lines(queue_json(ctx.db, ctx.today, config.policy, weights, **common), sys.stdout)
    else:
        rows = queue(ctx.db, ctx.today, config.policy, weights, **common)
        if args.format == "csv":
            write_csv(([*(r.to_json()[c] for c in COLUMNS[:13]), ";".join(r.flags), r.reason, r.hold,
                        r.last_contact] for r in rows), COLUMNS)
        else:
            write_people(rows, sys.stdout)
    # A cold run leaves millions of small objects behind the rows (facts, assessments); the
    # collector's passes when the process ends would walk them all for nothing (2.7 s of 15 at
    # 100,000 accounts).  At exit, so that a long-lived caller (tests, the app) is not affected.
    atexit.register(gc.freeze)
    return 0


def write_json_lines(objects: list[str], out: TextIO) -> None:
    """A JSON list, one object per line (built from ready-made objects: no re-encoding)."""
    if not objects:
        out.write("[]\n")
        return
    out.write("[\n")
    out.write(",\n".join(objects))
    out.write("\n]\n")


def _short(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def write_people(rows, out: TextIO) -> None:
    if not rows:
        out.write("No account to show as of this date.\n")
        return
    write_table(
        [[i, r.account, _short(r.name, 32), r.stage_label, r.days_past_due, r.currency,
          display_minor(to_minor(r.overdue, r.currency), r.currency),
          display_minor(to_minor(r.balance, r.currency), r.currency),
          _short(r.next_action, 48), r.next_action_due or "", f"{r.priority:.2f}", " ".join(r.flags)]
         for i, r in enumerate(rows, 1)],
        ["#", "account", "name", "stage", "dpd", "cur", "overdue", "balance", "next action", "due", "priority",
         "flags"],
        out, right=(0, 4, 6, 7, 10))
