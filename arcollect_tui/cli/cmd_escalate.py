"""`arcollect escalate` and `arcollect distress` (services/escalations.py).

    escalate KEY --to collections_management|sales_management|credit_analyst --reason TEXT [--owner NAME]
                                                              (also: escalate create KEY ...)
    escalate close ID [--outcome TEXT]
    distress KEY --note TEXT          mark financial distress, with a solvency note
    distress KEY --clear [--note TEXT]

`--format json` prints the escalation (id, account, target, reason, owner, opened_on, closed_on,
outcome, stage, flags, hold) or the distress change (account, distress, note, previous_note, on,
stage, flags, hold).
"""

from __future__ import annotations

import argparse

from arcollect_tui.cli.cmd_plan import parse_id
from arcollect_tui.cli.common import add_format, write_json
from arcollect_tui.services.escalations import TARGETS
from arcollect_tui.text import clean

ACTIONS = frozenset({"create", "close"})


def register(sub) -> None:
    p = sub.add_parser(
        "escalate", help="escalate an account to management or a credit analyst; close an escalation",
        description="'escalate KEY --to TARGET --reason TEXT' escalates as of --today (the same as 'escalate "
                    "create KEY ...'); 'escalate close ID' closes one.")
    p.default_action = ("create", ACTIONS)
    actions = p.add_subparsers(dest="escalate_action", metavar="ACTION")

    c = actions.add_parser("create", help="escalate KEY (the word create may be left out)",
                           description="Escalate the account as of --today. One open escalation per target.")
    c.add_argument("key", metavar="KEY", help="the account key, as imported")
    c.add_argument("--to", required=True, metavar="TARGET", help=", ".join(TARGETS))
    c.add_argument("--reason", required=True, metavar="TEXT", help="why")
    c.add_argument("--owner", metavar="NAME", help="who takes it")
    add_format(c, ["text", "json"], "text")
    c.set_defaults(run=run_create)

    x = actions.add_parser("close", help="close an open escalation", description="Close escalation ID as of --today.")
    x.add_argument("escalation_id", metavar="ID", help="the escalation's id (printed when it was opened)")
    x.add_argument("--outcome", metavar="TEXT", help="what came of it")
    add_format(x, ["text", "json"], "text")
    x.set_defaults(run=run_close)

    d = sub.add_parser(
        "distress", help="mark an account as in financial distress (with a solvency note), or clear it",
        description="Mark the account as in financial distress with a solvency note (its ability and willingness "
                    "to pay), or --clear the mark. The flag shows in the queue and the account; plans on a "
                    "distressed account need a credit analyst's review.")
    d.add_argument("key", metavar="KEY", help="the account key, as imported")
    d.add_argument("--note", metavar="TEXT", help="the solvency note (required to mark)")
    d.add_argument("--clear", action="store_true", help="clear the mark")
    add_format(d, ["text", "json"], "text")
    d.set_defaults(run=run_distress)


def _hold(r) -> str:
    return f"; stage now {r.stage}" + (f" (on hold: {r.hold})" if r.hold else "")


def run_create(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.escalations import escalate

    cfg = ctx.config
    r = escalate(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy, target=args.to,
                 reason=args.reason, owner=args.owner)
    if args.format == "json":
        write_json(r.to_json())
    else:
        owner = f" ({clean(r.owner)})" if r.owner else ""
        print(f"escalation {r.escalation_id} on {clean(r.account)}: to {r.target}{owner} on {r.opened_on}{_hold(r)}")
    return 0


def run_close(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.escalations import close_escalation

    cfg = ctx.config
    r = close_escalation(ctx.db, parse_id(args.escalation_id), today=ctx.today, user=cfg.user_name,
                         policy=cfg.policy, outcome=args.outcome)
    if args.format == "json":
        write_json(r.to_json())
    else:
        print(f"closed escalation {r.escalation_id} on {clean(r.account)} ({r.target}) on {r.closed_on}{_hold(r)}")
    return 0


def run_distress(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.errors import InputError
    from arcollect_tui.services.escalations import set_distress

    if not args.clear and args.note is None:
        raise InputError("--note: missing: expected a solvency note (ability and willingness to pay), or --clear")
    cfg = ctx.config
    r = set_distress(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy,
                     distress=not args.clear, note=args.note)
    if args.format == "json":
        write_json(r.to_json())
    elif r.distress:
        print(f"marked {clean(r.account)} as in financial distress on {r.on}{_hold(r)}")
    else:
        print(f"cleared the financial distress mark of {clean(r.account)} on {r.on}{_hold(r)}")
    return 0
