"""`arcollect account KEY [--format text|json]`: one account as of --today.

JSON document (amounts are strings with the currency's minor digits, dates ISO, absent = null):
  as_of, account (the key), name, currency, country, segment, sales_owner, credit_limit,
  credit_limit_currency, phone, email, address, risk, external_id, distress (true/false),
  distress_note,
  days_past_due (the account's dpd: oldest open invoice not wholly in dispute),
  balances:        [{currency, balance, overdue, disputed, current, 1-30, 31-60, 61-90, 91+}]
  contacts:        [{name, role, email, phone, primary}]
  open_invoices:   [{invoice, kind, invoice_date, due_date, currency, amount, open_amount,
                     disputed, days_past_due, bucket}]                      (oldest due first)
  payments:        [{date, currency, amount, reference, method}]           (newest first)
  activities:      [{date, channel, outcome, contact, note, follow_up, user}] (newest first)
  promises:        [{id, made_on, pay_by, currency, amount, invoices, note, cancelled_on, user}]
  plans:           [{id, created_on, currency, total, down_payment, instalment_count, frequency,
                     status, required_role, approved_by, approved_on, note,
                     instalments: [{seq, due_on, amount}]}]
  disputes:        [{id, invoice, currency, amount, reason, routed_to, owner, status, opened_on,
                     resolved_on, note}]
  escalations:     [{id, target, reason, owner, opened_on, closed_on, outcome}]
  (each id is what `promise cancel`, `plan approve|reject|cancel`, `dispute status`, `escalate close` take)
  suspension_events: [{kind, date, approved_by, approver_role, rule, note, user}]
  On the collection timeline (policy from the config):
  stage, stage_label, color, reason, next_action, next_action_due (ISO or null), needs_action,
  anchor (the invoice days past due count from), flags (list), warning_on, suspended_on,
  last_contact, follow_up_on,
  coming:            [{date, text}]                     (the dated steps ahead)
  hold:              {kind, since, until, text} or null  (promise, plan or dispute)
  promise_standings: [{made_on, pay_by, currency, amount, status, paid, deadline}]
  plan_standings:    [{created_on, currency, status, paid, next_due, defaulted_on}]
  stage_history:     [{date, stage, stage_label}]        (the stage 365 days ago, then each change)
  priority (the worklist's number), priority_currency (whose overdue amount counts without FX
  rates), priority_parts: [{part, points, why}]          (the points add up to priority)
Everything is as of --today: later invoices, payments, activities and steps are left out, and a
dispute, escalation or plan decided after --today shows as it stood on --today.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import Any, Sequence, TextIO

from arcollect_tui.cli.common import add_format, write_json, write_table
from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.services.accounts import BUCKETS, AccountDetail
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS


def register(sub) -> None:
    p = sub.add_parser("account", help="show one account: fields, contacts, open invoices, history",
                       description="Show one account as of --today.")
    p.add_argument("key", metavar="KEY", help="the account key, as imported")
    add_format(p, ["text", "json"], "text")
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.accounts import account_detail, detail_to_json
    from arcollect_tui.services.worklist import priority_settings

    weights, fx = priority_settings(ctx.config)
    detail = account_detail(ctx.db, args.key, ctx.today, default_currency=ctx.config.default_currency,
                            policy=ctx.config.policy, weights=weights, fx=fx)
    if args.format == "json":
        write_json(detail_to_json(detail))
    else:
        write_text(detail, sys.stdout)
    return 0


def _money(value: Decimal | None, currency: str | None) -> str:
    if value is None or currency is None:
        return ""
    return display_minor(to_minor(value, currency), currency)


def _section(out: TextIO, title: str, rows: Sequence[Sequence[Any]], header: Sequence[str],
             right: Sequence[int] = ()) -> None:
    out.write(f"\n{title}\n")
    if rows:
        write_table(rows, header, out, right=right)
    else:
        out.write("(none)\n")


def write_text(d: AccountDetail, out: TextIO) -> None:
    """For people: every untrusted value goes through `clean` (here or in write_table)."""
    c = clean
    out.write(f"{c(d.key)}  {c(d.name)}\n")
    fields = [
        ("As of", d.as_of.isoformat()),
        ("Days past due", str(d.days_past_due)),
        ("Currency", c(d.currency)),
        ("Country", c(d.country)),
        ("Segment", c(d.segment)),
        ("Sales owner", c(d.sales_owner)),
        ("Credit limit", f"{_money(d.credit_limit, d.credit_limit_currency)} {d.credit_limit_currency}"
         if d.credit_limit is not None else ""),
        ("Phone", c(d.phone)),
        ("Email", c(d.email)),
        ("Address", c(d.address)),
        ("Risk", c(d.risk)),
        ("External id", c(d.external_id)),
        ("Distress", ("yes" + (f": {c(d.distress_note)}" if d.distress_note else "")) if d.distress else ""),
    ]
    width = max(len(label) for label, _ in fields)
    for label, value in fields:
        if value:
            out.write(f"{label.ljust(width)}  {value}\n")

    amount_cols = range(1, 5 + len(BUCKETS))
    _section(out, "Balances", [
        [b.currency, _money(b.balance, b.currency), _money(b.overdue, b.currency), _money(b.disputed, b.currency),
         *(_money(v, b.currency) for v in b.buckets)]
        for b in d.balances], ["currency", "balance", "overdue", "disputed", *BUCKETS], right=amount_cols)
    _section(out, "Contacts", [
        [x.name, x.role, x.email, x.phone, "yes" if x.primary else ""] for x in d.contacts],
        ["name", "role", "email", "phone", "primary"])
    _section(out, "Open invoices", [
        [i.number, "credit note" if i.kind == "credit_note" else "", i.invoice_date, i.due_date, i.days_past_due,
         i.currency, _money(i.amount, i.currency), _money(i.open_amount, i.currency),
         _money(i.disputed, i.currency) if i.disputed else ""]
        for i in d.open_invoices],
        ["invoice", "kind", "dated", "due", "dpd", "cur", "amount", "open", "disputed"], right=(4, 6, 7, 8))
    _section(out, "Payments", [
        [p.paid_on, p.currency, _money(p.amount, p.currency), p.reference, p.method] for p in d.payments],
        ["date", "cur", "amount", "reference", "method"], right=(2,))
    _section(out, "Activities", [
        [a.occurred_on, a.channel, a.outcome, a.contact, a.follow_up_on, a.user, a.note] for a in d.activities],
        ["date", "channel", "outcome", "contact", "follow-up", "user", "note"])
    _section(out, "Promises", [
        [p.made_on, p.pay_by, p.currency, _money(p.amount, p.currency), ", ".join(p.invoices),
         f"cancelled {p.cancelled_on}" if p.cancelled_on else "", p.note]
        for p in d.promises], ["made", "pay by", "cur", "amount", "invoices", "status", "note"], right=(3,))
    _section(out, "Payment plans", [
        [p.created_on, p.status, p.currency, _money(p.total, p.currency), p.instalment_count, p.frequency,
         p.approved_by, "; ".join(f"{s.due_on} {_money(s.amount, p.currency)}" for s in p.instalments)]
        for p in d.plans], ["created", "status", "cur", "total", "n", "frequency", "approved by", "instalments"],
        right=(3, 4))
    _section(out, "Disputes", [
        [s.opened_on, s.invoice, s.currency, _money(s.amount, s.currency), s.reason, s.routed_to, s.status,
         s.resolved_on, s.note]
        for s in d.disputes],
        ["opened", "invoice", "cur", "amount", "reason", "routed to", "status", "resolved", "note"], right=(3,))
    _section(out, "Escalations", [
        [e.opened_on, e.target, e.owner, e.closed_on, e.outcome, e.reason] for e in d.escalations],
        ["opened", "to", "owner", "closed", "outcome", "reason"])
    _section(out, "Suspension timeline", [
        [e.on_date, e.kind, e.approved_by, e.approver_role, e.rule, e.note] for e in d.suspension_events],
        ["date", "step", "approved by", "role", "rule", "note"])
    write_timeline(d, out)


def write_timeline(d: AccountDetail, out: TextIO) -> None:
    """Stage, reason, next steps, standings, stage history and the priority breakdown."""
    a, p = d.assessment, d.priority
    if a is None or p is None:
        return
    c = clean
    out.write("\nCollection timeline\n")
    due = f" (by {a.next_action_due})" if a.next_action and a.next_action_due else ""
    fields = [
        ("Stage", f"{a.label} ({a.color})"),
        ("Why", c(a.reason)),
        ("Next action", f"{c(a.next_action)}{due}" if a.next_action else "none"),
        ("Hold", c(a.hold.text) + (f", until {a.hold.until}" if a.hold.until else "") if a.hold else ""),
        ("Flags", ", ".join(a.flags)),
        ("Warning", str(a.warning_on or "")),
        ("Last contact", str(a.last_contact or "")),
        ("Follow-up", str(a.follow_up_on or "")),
    ]
    width = max(len(label) for label, _ in fields)
    for label, value in fields:
        if value:
            out.write(f"{label.ljust(width)}  {value}\n")
    _section(out, "Coming steps", [[s.on, s.text] for s in a.coming], ["date", "step"])
    if a.promises:
        _section(out, "Promise standings", [
            [s.promise.made_on, s.promise.pay_by, s.promise.currency,
             display_minor(s.promise.amount_minor, s.promise.currency),
             display_minor(s.paid_minor, s.promise.currency), s.deadline, s.status.replace("_", " ")]
            for s in a.promises], ["made", "pay by", "cur", "amount", "paid", "deadline", "standing"], right=(3, 4))
    if a.plans:
        _section(out, "Plan standings", [
            [s.plan.created_on, s.plan.currency, display_minor(s.paid_minor, s.plan.currency), s.next_due or "",
             s.defaulted_on or "", s.status]
            for s in a.plans], ["created", "cur", "paid", "next due", "defaulted", "standing"], right=(2,))
    _section(out, "Stage history", [[day, STAGE_LABELS[stage]] for day, stage in d.stage_history],
             ["from", "stage"])
    _section(out, f"Priority {p.score:.2f}", [[name, f"{points:.2f}", why] for name, points, why in p.parts],
             ["part", "points", "why"], right=(1,))
