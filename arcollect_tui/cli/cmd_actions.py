"""The collector's commands on the timeline: `log`, `warn`, `suspend`, `reinstate`, `refer`.

Each is one service call (services/actions.py: one transaction with an audit row) and prints one
line saying what was recorded.  Refusals by the policy are exit 3 (the rule and the date the
action becomes possible on stderr); bad input is exit 2; nothing is written in either case.
Dates on the command line are ISO (`2026-03-10`) or relative to --today (`+3d`, `+2w`, `fri`, `eom`;
`shortdates.parse_when`, the call form's own reader).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

from arcollect_tui.errors import InputError
from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.services.actions import CHANNELS, EXTRA_OUTCOMES, OUTCOMES, StepResult
from arcollect_tui.text import clean



def parse_when(text: str, today: dt.date, option: str) -> dt.date:
    """A date as the call form takes it (`shortdates.parse_when`): `2026-03-10`, `+3d`, `+2w`,
    `+1m`, `today`, `tomorrow`, `fri`, `eow`, `eom`, `27 nov`, counted from `today` (--today)."""
    from arcollect_tui.shortdates import parse_when as parse_short

    value = (text or "").strip()
    try:
        return parse_short(value, today)
    except ValueError as exc:
        why = str(exc).removeprefix(f"{value!r} ").removeprefix("is ").split(": expected")[0]
        raise InputError(f"{option}: {text!r}: {why}: expected a date such as 2026-11-27, or +3d, +2w, +1m, "
                         "today, tomorrow, a weekday (fri), eow, eom") from None


_DATES = ("DATE is YYYY-MM-DD, or counted from --today: +3d, +2w, +1m, today, tomorrow, a weekday (fri: the "
          "next one), eow, eom, 27 nov.")


def register(sub) -> None:
    p = sub.add_parser(
        "log", help="record an interaction (a call, an email, a meeting, a note), and a promise to pay",
        description="Record an interaction dated --today. With --promise AMOUNT --on DATE, also a promise to "
                    "pay (in the account's main currency) that holds the account until DATE plus the policy's "
                    f"tolerance. {_DATES}")
    p.add_argument("key", metavar="KEY", help="the account key, as imported")
    p.add_argument("--outcome", metavar="CODE",
                   help=f"what happened: {', '.join(OUTCOMES + EXTRA_OUTCOMES)} (required; "
                        "defaults to promise when --promise is given)")
    p.add_argument("--channel", default="call", metavar="CHANNEL",
                   help=f"{'|'.join(CHANNELS)} (default: call)")
    p.add_argument("--contact", metavar="NAME", help="one of the account's contacts, by name")
    p.add_argument("--note", metavar="TEXT", help="free text")
    p.add_argument("--follow-up", metavar="DATE", help="when to follow up (today or later)")
    p.add_argument("--promise", metavar="AMOUNT", help="a promised amount (needs --on)")
    p.add_argument("--on", metavar="DATE", help="the date the promise will be paid by (needs --promise)")
    p.set_defaults(run=run_log)

    w = sub.add_parser(
        "warn", help="record an approved suspension warning and queue the warning letter",
        description="Record an approved suspension warning dated --today (allowed from the policy's "
                    "warning dpd, when no valid warning exists and no promise or plan holds the account) and "
                    "put the warning letter in the outbox (to the primary contact's email, else the first "
                    "contact with one, else the account's). Refused with exit 3 where the policy does not "
                    "allow it yet.")
    _step_options(w, approval=True)
    w.set_defaults(run=run_warn)

    s = sub.add_parser(
        "suspend", help="suspend the account (after an approved warning's notice period)",
        description="Suspend the account as of --today: allowed only when a valid approved warning's notice "
                    "period has run. Refused with exit 3 otherwise, saying when it becomes possible.")
    _step_options(s, approval=True)
    s.set_defaults(run=run_suspend)

    r = sub.add_parser("reinstate", help="lift a suspension (or a referral)",
                       description="Lift the account's suspension as of --today. Warnings given before it no "
                                   "longer count.")
    _step_options(r, approval=False)
    r.set_defaults(run=run_reinstate)

    f = sub.add_parser("refer", help="refer a suspended account to the write-off / bad-debt team",
                       description="Refer a suspended account to the write-off / bad-debt team as of --today: "
                                   "allowed from the policy's referral dpd (90 by default).")
    _step_options(f, approval=False)
    f.set_defaults(run=run_refer)


def _step_options(p: argparse.ArgumentParser, *, approval: bool) -> None:
    p.add_argument("key", metavar="KEY", help="the account key, as imported")
    if approval:
        p.add_argument("--approved-by", required=True, metavar="NAME", help="who approved it (required)")
        p.add_argument("--role", metavar="ROLE", help="the approver's role (optional)")
        p.add_argument("--reference", metavar="REF", help="the approval's reference, such as a ticket (optional)")
    else:
        p.add_argument("--approved-by", metavar="NAME", help="who approved it (optional)")
    p.add_argument("--note", metavar="TEXT", help="free text kept with the step (optional)")


def run_log(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.actions import log_activity

    today = ctx.today
    problems: list[str] = []
    follow_up = on = None
    for option, value in (("--follow-up", args.follow_up), ("--on", args.on)):
        if value is None:
            continue
        try:
            parsed = parse_when(value, today, option)
        except InputError as exc:
            problems += exc.problems
            continue
        if option == "--on":
            on = parsed
        else:
            follow_up = parsed
    if problems:
        raise InputError(problems)
    if args.outcome is None and args.promise is None and args.on is None:
        raise InputError(f"--outcome: missing: expected one of {', '.join(OUTCOMES + EXTRA_OUTCOMES)}")
    cfg = ctx.config
    r = log_activity(ctx.db, args.key, today=today, user=cfg.user_name, policy=cfg.policy, outcome=args.outcome,
                     channel=args.channel, contact=args.contact, note=args.note, follow_up=follow_up,
                     promise_amount=args.promise, promise_on=on, default_currency=cfg.default_currency)
    line = f"logged {r.channel} on {clean(r.account)} ({r.occurred_on}): {r.outcome}"
    if r.contact:
        line += f", with {clean(r.contact)}"
    if r.promise_id is not None and r.promise_amount is not None and r.promise_currency:
        amount = display_minor(to_minor(r.promise_amount, r.promise_currency), r.promise_currency)
        line += f"; promise of {amount} {r.promise_currency} by {r.promise_on}"
    if r.follow_up_on:
        line += f"; follow up on {r.follow_up_on}"
    print(f"{line}; stage now {r.stage}")
    return 0


def _print_step(r: StepResult, verb: str) -> None:
    line = f"{verb} {clean(r.account)} on {r.on_date}"
    if r.approved_by:
        line += f" (approved by {clean(r.approved_by)})"
    print(line, end="")


def run_warn(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.actions import warn

    cfg = ctx.config
    r = warn(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy, approved_by=args.approved_by,
             approver_role=args.role, reference=args.reference, note=args.note, config=cfg)
    _print_step(r, "warned")
    letter = (f"letter queued to {clean(r.letter_to)} (outbox #{r.outbox_id})" if r.outbox_id is not None
              else f"no letter queued: {r.no_letter_reason}")
    print(f"; suspension possible from {r.next_date}; {letter}")
    return 0


def run_suspend(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.actions import suspend

    cfg = ctx.config
    r = suspend(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy,
                approved_by=args.approved_by, approver_role=args.role, reference=args.reference, note=args.note)
    _print_step(r, "suspended")
    print(f"; referral to write-off possible from {r.next_date}" if r.next_date else "")
    return 0


def run_reinstate(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.actions import reinstate

    cfg = ctx.config
    r = reinstate(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy, note=args.note,
                  approved_by=args.approved_by)
    _print_step(r, "reinstated")
    print(f"; stage now {r.stage_after}")
    return 0


def run_refer(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.actions import refer

    cfg = ctx.config
    r = refer(ctx.db, args.key, today=ctx.today, user=cfg.user_name, policy=cfg.policy, note=args.note,
              approved_by=args.approved_by)
    _print_step(r, "referred")
    print(" to the write-off team")
    return 0
