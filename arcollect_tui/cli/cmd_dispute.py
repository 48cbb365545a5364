"""`arcollect dispute`: open disputes and move them to a resolution (services/disputes.py).

    dispute KEY --reason R --route TEAM [--invoice N ...] [--amount A] [--owner NAME] [--note TEXT]
                                                              (also: dispute create KEY ...)
    dispute status ID STATUS [--credit A] [--owner NAME] [--note TEXT]

`--format json` prints the dispute (a list of them for `dispute KEY`): id, account, invoice,
currency, amount, reason, routed_to, owner, status, opened_on, resolved_on, note, credit_note_id,
credit_note, credit_amount, credit_applied [{invoice, amount}], credit_unapplied, balance (the
account's open balance in the dispute's currency, after), stage, flags, hold.
"""

from __future__ import annotations

import argparse

from arcollect_tui.cli.cmd_plan import parse_id
from arcollect_tui.cli.common import add_format, write_json
from arcollect_tui.services.disputes import REASONS, STATUSES, TEAMS
from arcollect_tui.text import clean

ACTIONS = frozenset({"create", "status"})


def register(sub) -> None:
    p = sub.add_parser(
        "dispute", help="open a dispute on invoices (or part of an amount); change its status",
        description="'dispute KEY --reason R --route TEAM ...' opens disputes dated --today (the same as "
                    "'dispute create KEY ...'); 'dispute status ID STATUS' moves one on.")
    p.default_action = ("create", ACTIONS)
    actions = p.add_subparsers(dest="dispute_action", metavar="ACTION")

    c = actions.add_parser(
        "create", help="open disputes on KEY (the word create may be left out)",
        description="Open one dispute per --invoice, each for what is open on it and not yet disputed (or, with "
                    "one --invoice, for --amount of it); or, with --amount alone, a dispute on part of the "
                    "account's balance that names no invoice (it stops no dunning clock). An invoice whose open "
                    "amount is wholly in dispute leaves the dunning clock while the dispute is open.")
    c.add_argument("key", metavar="KEY", help="the account key, as imported")
    c.add_argument("--reason", required=True, metavar="R", help=", ".join(REASONS))
    c.add_argument("--route", required=True, metavar="TEAM", help=", ".join(TEAMS))
    c.add_argument("--invoice", action="extend", nargs="+", default=[], metavar="N",
                   help="a disputed invoice (repeatable)")
    c.add_argument("--amount", metavar="AMOUNT", help="the disputed part (with one --invoice, or without any)")
    c.add_argument("--owner", metavar="NAME", help="who owns it in that team")
    c.add_argument("--note", metavar="TEXT", help="what the customer says")
    add_format(c, ["text", "json"], "text")
    c.set_defaults(run=run_create)

    s = actions.add_parser(
        "status", help="move a dispute on: in_review, resolved_credit, resolved_valid, withdrawn",
        description="Move dispute ID on as of --today: open -> in_review -> resolved_credit | resolved_valid | "
                    "withdrawn. resolved_credit issues a credit note for the disputed amount (or --credit) and "
                    "applies it to the disputed invoice; the balance falls by it.")
    s.add_argument("dispute_id", metavar="ID", help="the dispute's id (printed when it was opened)")
    s.add_argument("status", metavar="STATUS", help=", ".join(STATUSES[1:]))
    s.add_argument("--credit", metavar="AMOUNT", help="the credit note's amount (resolved_credit; default: the "
                                                      "disputed amount)")
    s.add_argument("--owner", metavar="NAME", help="hand it to another owner")
    s.add_argument("--note", metavar="TEXT", help="kept in the dispute's note, dated")
    add_format(s, ["text", "json"], "text")
    s.set_defaults(run=run_status)


def _hold(r) -> str:
    return f"; stage now {r.stage}" + (f" (on hold: {r.hold})" if r.hold else "")


def run_create(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.disputes import open_dispute

    cfg = ctx.config
    results = open_dispute(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy,
                           reason=args.reason, route=args.route, invoices=args.invoice, amount=args.amount,
                           owner=args.owner, note=args.note, default_currency=cfg.default_currency)
    if args.format == "json":
        write_json([r.to_json() for r in results])
        return 0
    for r in results:
        what = f"of {clean(r.invoice)}" if r.invoice else "of the account (no invoice)"
        owner = f" ({clean(r.owner)})" if r.owner else ""
        print(f"dispute {r.dispute_id} on {clean(r.account)}: {r.amount:,} {r.currency} {what}, {r.reason}, "
              f"routed to {r.routed_to}{owner}; open{_hold(r)}")
    return 0


def run_status(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.disputes import set_dispute_status

    cfg = ctx.config
    r = set_dispute_status(ctx.db, parse_id(args.dispute_id), args.status, today=ctx.today, user=cfg.user_name,
                           policy=cfg.policy, credit=args.credit, owner=args.owner, note=args.note)
    if args.format == "json":
        write_json(r.to_json())
        return 0
    line = f"dispute {r.dispute_id} on {clean(r.account)}: {r.status}"
    if r.resolved_on:
        line += f" on {r.resolved_on}"
    if r.credit_note:
        applied = ", ".join(f"{clean(n)} {a:,}" for n, a in r.credit_applied) or "nothing"
        line += f"; credit note {clean(r.credit_note)} of {r.credit_amount:,} {r.currency} applied to {applied}"
        if r.credit_unapplied:
            line += f" ({r.credit_unapplied:,} left open on it)"
        line += f"; balance now {r.balance:,} {r.currency}"
    print(line + _hold(r))
    return 0
