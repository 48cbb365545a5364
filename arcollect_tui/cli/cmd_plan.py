"""`arcollect plan`: propose a payment plan, approve, reject or cancel one (services/plans.py).

    plan KEY --instalments N [--total A] [--down A] [--every weekly|biweekly|monthly] [--first DATE]
             [--dates D1,D2,...] [--currency CUR] [--note TEXT]        (also: plan create KEY ...)
    plan approve ID --by NAME --role ROLE [--on DATE] [--ref R] [--reviewed-by NAME]
    plan reject ID --by NAME [--note TEXT]
    plan cancel ID [--note TEXT]

Each prints what it recorded (with the plan's id), or with `--format json` the plan as an object:
id, account, status, standing, created_on, currency, total, down_payment, instalment_count,
frequency, first_date, required_role, credit_review, approval_reason, instalments [{seq, due_on,
amount}], approved_by, approver_role, approved_on, approval_ref, reviewed_by, cancelled_on, note,
next_due, stage, flags, hold.  Bad input exit 2, refusals exit 3, nothing written then.
"""

from __future__ import annotations

import argparse
from typing import Any

from arcollect_tui.cli.cmd_actions import parse_when
from arcollect_tui.cli.common import add_format, write_json
from arcollect_tui.errors import InputError
from arcollect_tui.plans import FREQUENCIES, MAX_INSTALMENTS, ROLES, ApprovalMatrix
from arcollect_tui.text import clean

ACTIONS = frozenset({"create", "approve", "reject", "cancel"})
_DATES = "DATE is YYYY-MM-DD, or +Nd / +Nw counted from --today."


def register(sub) -> None:
    p = sub.add_parser(
        "plan", help="propose a payment plan (pending until approved); approve, reject or cancel one",
        description="Payment plans. 'plan KEY --instalments N ...' proposes one (the same as 'plan create KEY "
                    "...'); it stays pending until 'plan approve ID' records the approval the approval matrix "
                    "asks for.")
    p.default_action = ("create", ACTIONS)
    actions = p.add_subparsers(dest="plan_action", metavar="ACTION")

    c = actions.add_parser(
        "create", help="propose a plan for KEY (the word create may be left out)",
        description="Propose a payment plan made --today: the schedule from the first date (monthly dates keep "
                    "the day of month, month ends clamp), the rounding remainder on the last instalment, the down "
                    "payment due --today. It needs the approval the matrix names (collector up to 3 instalments, "
                    "90 days from today to the last instalment and 10,000; collections manager up to 6, 180 days "
                    f"and 50,000; else a director with a credit analyst's review). {_DATES}")
    c.add_argument("key", metavar="KEY", help="the account key, as imported")
    c.add_argument("--instalments", metavar="N", help="instalments after any down payment (required without --dates)")
    c.add_argument("--total", metavar="AMOUNT", help="the plan's total, down payment included (default: what is "
                                                     "overdue, else the open balance)")
    c.add_argument("--down", metavar="AMOUNT", help="a down payment, due --today (default: none)")
    c.add_argument("--every", metavar="FREQ", help="weekly, biweekly or monthly (default: monthly)")
    c.add_argument("--first", metavar="DATE", help="the first instalment's date (default: one period after --today)")
    c.add_argument("--dates", metavar="D1,D2,...", help="custom instalment dates instead of --every, comma-separated")
    c.add_argument("--currency", metavar="CUR", help="the plan's currency (default: the account's main currency)")
    c.add_argument("--note", metavar="TEXT", help="free text")
    add_format(c, ["text", "json"], "text")
    c.set_defaults(run=run_create)

    a = actions.add_parser(
        "approve", help="record the approval of a pending plan",
        description="Record who approved plan ID, in which role, when and under which reference. Refused (exit 3) "
                    "when the role is below the one the plan needs, or a needed credit analyst's review is missing.")
    a.add_argument("plan_id", metavar="ID", help="the plan's id (printed when it was proposed)")
    a.add_argument("--by", required=True, metavar="NAME", help="who approved it")
    a.add_argument("--role", required=True, metavar="ROLE", help=f"their role: {', '.join(ROLES)}")
    a.add_argument("--on", metavar="DATE", help="the approval's date (default: --today)")
    a.add_argument("--ref", metavar="REF", help="the approval's reference, such as a ticket")
    a.add_argument("--reviewed-by", metavar="NAME", help="the credit analyst who reviewed it, where required")
    add_format(a, ["text", "json"], "text")
    a.set_defaults(run=run_approve)

    r = actions.add_parser("reject", help="reject a pending plan", description="Reject pending plan ID as of --today.")
    r.add_argument("plan_id", metavar="ID", help="the plan's id")
    r.add_argument("--by", required=True, metavar="NAME", help="who rejected it")
    r.add_argument("--note", metavar="TEXT", help="why")
    add_format(r, ["text", "json"], "text")
    r.set_defaults(run=run_reject)

    x = actions.add_parser("cancel", help="cancel a pending or approved plan (its hold ends)",
                           description="Cancel plan ID as of --today. A completed plan cannot be cancelled.")
    x.add_argument("plan_id", metavar="ID", help="the plan's id")
    x.add_argument("--note", metavar="TEXT", help="why")
    add_format(x, ["text", "json"], "text")
    x.set_defaults(run=run_cancel)


def parse_id(text: str) -> int:
    """A plan, promise, dispute or escalation id: a whole number (exit 2 otherwise)."""
    value = (text or "").strip().lstrip("#")
    if not value.isdigit() or not value.isascii():
        raise InputError(f"ID: {text!r}: expected a whole number, such as the id printed when it was recorded")
    return int(value)


def matrix_of(config: Any) -> ApprovalMatrix:
    """The config's approval matrix (`[approval]`), else the default one."""
    matrix = getattr(config, "approval", None)
    return matrix if isinstance(matrix, ApprovalMatrix) else ApprovalMatrix()


def _count(text: str | None, problems: list[str]) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if not value.isdigit() or not value.isascii() or not 1 <= int(value) <= MAX_INSTALMENTS:
        problems.append(f"--instalments: {text!r}: expected a whole number from 1 to {MAX_INSTALMENTS}")
        return None
    return int(value)


def run_create(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.plans import create_plan

    today = ctx.today
    problems: list[str] = []
    count = _count(args.instalments, problems)
    every = None
    if args.every is not None:
        every = args.every.strip().lower()
        if every not in FREQUENCIES[:3]:
            problems.append(f"--every: {args.every!r}: expected weekly, biweekly or monthly (or --dates for custom "
                            "dates)")
        elif args.dates is not None:
            problems.append(f"--every: {args.every!r}: custom --dates take no frequency: leave out one of them")
    first = None
    if args.first is not None:
        try:
            first = parse_when(args.first, today, "--first")
        except InputError as exc:
            problems += exc.problems
    dates = None
    if args.dates is not None:
        dates = []
        for part in args.dates.split(","):
            try:
                dates.append(parse_when(part, today, "--dates"))
            except InputError as exc:
                problems += exc.problems
    if problems:
        raise InputError(problems)
    cfg = ctx.config
    r = create_plan(ctx.db, args.key, today=today, user=cfg.user_name, policy=cfg.policy, matrix=matrix_of(cfg),
                    default_currency=cfg.default_currency, instalments=count, total=args.total,
                    down_payment=args.down, frequency="custom" if dates is not None else every, first_date=first,
                    dates=dates, currency=args.currency, note=args.note)
    if args.format == "json":
        write_json(r.to_json())
        return 0
    every_text = "on custom dates" if r.frequency == "custom" else r.frequency
    down = f", down payment {r.down_payment:,} due {r.created_on}" if r.down_payment else ""
    print(f"plan {r.plan_id} for {clean(r.account)}: {r.total:,} {r.currency} in {r.instalment_count} {every_text} "
          f"instalments from {r.first_date}{down}; pending: needs {_needs(r.required_role, r.credit_review)} "
          f"({r.approval_reason})")
    for i in r.instalments:
        print(f"  {i.seq:>3}  {i.due_on}  {f'{i.amount:,}':>16} {r.currency}" + ("  down payment" if i.seq == 0 else ""))
    return 0


def _needs(role: str, review: bool) -> str:
    from arcollect_tui.plans import ROLE_LABELS

    return f"a {ROLE_LABELS[role]}'s approval" + (" and a credit analyst's review" if review else "")


def _standing(r) -> str:
    text = f"standing {r.standing}"
    if r.next_due:
        text += f", next instalment {r.next_due}"
    return f"{text}; stage now {r.stage}" + (f" (on hold: {r.hold})" if r.hold else "")


def run_approve(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.plans import approve_plan

    today = ctx.today
    on = parse_when(args.on, today, "--on") if args.on is not None else None
    cfg = ctx.config
    r = approve_plan(ctx.db, parse_id(args.plan_id), approver=args.by, role=(args.role or "").strip().lower(), on=on,
                     reference=args.ref, reviewed_by=args.reviewed_by, today=today, user=cfg.user_name,
                     policy=cfg.policy, matrix=matrix_of(cfg))
    if args.format == "json":
        write_json(r.to_json())
        return 0
    review = f", reviewed by {clean(r.reviewed_by)}" if r.reviewed_by else ""
    ref = f", ref {clean(r.approval_ref)}" if r.approval_ref else ""
    print(f"approved plan {r.plan_id} for {clean(r.account)} on {r.approved_on}: {clean(r.approved_by)} "
          f"({r.approver_role}){review}{ref}; {_standing(r)}")
    return 0


def run_reject(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.plans import reject_plan

    cfg = ctx.config
    r = reject_plan(ctx.db, parse_id(args.plan_id), by=args.by, today=ctx.today, user=cfg.user_name,
                    policy=cfg.policy, note=args.note, matrix=matrix_of(cfg))
    if args.format == "json":
        write_json(r.to_json())
        return 0
    print(f"rejected plan {r.plan_id} for {clean(r.account)} on {ctx.today}; stage now {r.stage}")
    return 0


def run_cancel(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.plans import cancel_plan

    cfg = ctx.config
    r = cancel_plan(ctx.db, parse_id(args.plan_id), today=ctx.today, user=cfg.user_name, policy=cfg.policy,
                    note=args.note, matrix=matrix_of(cfg))
    if args.format == "json":
        write_json(r.to_json())
        return 0
    print(f"cancelled plan {r.plan_id} for {clean(r.account)} on {r.cancelled_on}; stage now {r.stage}"
          + (f" (on hold: {r.hold})" if r.hold else ""))
    return 0
