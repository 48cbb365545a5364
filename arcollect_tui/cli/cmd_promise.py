"""`arcollect promise`: record a promise to pay on its own, or cancel one (services/promises.py).

    promise KEY --on DATE [--amount A] [--invoice N ...] [--currency CUR] [--note TEXT]
                                                              (also: promise create KEY ...)
    promise cancel ID [--note TEXT]

`--format json` prints the promise: id, account, made_on, pay_by, currency, amount, invoices,
note, cancelled_on, standing (open, kept, partly_kept, broken, cancelled), paid, deadline, stage,
flags, hold.  Bad input exit 2, refusals exit 3, nothing written then.
"""

from __future__ import annotations

import argparse

from arcollect_tui.cli.cmd_actions import parse_when
from arcollect_tui.cli.cmd_plan import parse_id
from arcollect_tui.cli.common import add_format, write_json
from arcollect_tui.text import clean

ACTIONS = frozenset({"create", "cancel"})


def register(sub) -> None:
    p = sub.add_parser(
        "promise", help="record a promise to pay (amount, date, invoices), or cancel one",
        description="'promise KEY --on DATE ...' records a promise to pay made --today (the same as 'promise "
                    "create KEY ...'); 'promise cancel ID' cancels an open one.")
    p.default_action = ("create", ACTIONS)
    actions = p.add_subparsers(dest="promise_action", metavar="ACTION")

    c = actions.add_parser(
        "create", help="record a promise for KEY (the word create may be left out)",
        description="Record a promise to pay made --today. The amount defaults to what is overdue in the account's "
                    "main currency (with --invoice: to what is open on them); the invoices covered default to the "
                    "open ones, oldest due first, that the amount reaches. It holds the account until DATE plus the "
                    "policy's tolerance. DATE is YYYY-MM-DD, or +Nd / +Nw counted from --today.")
    c.add_argument("key", metavar="KEY", help="the account key, as imported")
    c.add_argument("--on", required=True, metavar="DATE", help="the date it will be paid by")
    c.add_argument("--amount", metavar="AMOUNT", help="the promised amount (default: what is overdue)")
    c.add_argument("--invoice", action="extend", nargs="+", default=[], metavar="N",
                   help="an invoice it covers (repeatable; default: oldest due first)")
    c.add_argument("--currency", metavar="CUR", help="its currency (default: the account's main currency)")
    c.add_argument("--note", metavar="TEXT", help="free text")
    add_format(c, ["text", "json"], "text")
    c.set_defaults(run=run_create)

    x = actions.add_parser("cancel", help="cancel an open promise (its hold ends)",
                           description="Cancel promise ID as of --today. Only an open promise can be cancelled: "
                                       "a kept or broken one stays on the record.")
    x.add_argument("promise_id", metavar="ID", help="the promise's id (printed when it was recorded)")
    x.add_argument("--note", metavar="TEXT", help="why")
    add_format(x, ["text", "json"], "text")
    x.set_defaults(run=run_cancel)


def _line(r) -> str:
    covers = f" covering {', '.join(clean(n) for n in r.invoices)}" if r.invoices else ""
    hold = f" (on hold: {r.hold})" if r.hold else ""
    return (f"promise {r.promise_id} on {clean(r.account)}: {r.amount:,} {r.currency} by {r.pay_by}{covers}; "
            f"{r.standing.replace('_', ' ')} (deadline {r.deadline}); stage now {r.stage}{hold}")


def run_create(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.promises import make_promise

    today = ctx.today
    on = parse_when(args.on, today, "--on")
    cfg = ctx.config
    r = make_promise(ctx.db, args.key, today=today, user=cfg.user_name, policy=cfg.policy, pay_by=on,
                     amount=args.amount, invoices=args.invoice, currency=args.currency, note=args.note,
                     default_currency=cfg.default_currency)
    if args.format == "json":
        write_json(r.to_json())
    else:
        print(_line(r))
    return 0


def run_cancel(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.promises import cancel_promise

    cfg = ctx.config
    r = cancel_promise(ctx.db, parse_id(args.promise_id), today=ctx.today, user=cfg.user_name, policy=cfg.policy,
                       note=args.note)
    if args.format == "json":
        write_json(r.to_json())
    else:
        print(f"cancelled promise {r.promise_id} on {clean(r.account)} ({r.amount:,} {r.currency} by {r.pay_by}); "
              f"stage now {r.stage}" + (f" (on hold: {r.hold})" if r.hold else ""))
    return 0
