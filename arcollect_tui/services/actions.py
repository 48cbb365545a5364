"""The collector's writes on the timeline: log an interaction, warn, suspend, reinstate, refer.

Each service is one `db.atomic()` (IMMEDIATE) transaction that loads the account's facts and
assesses them (`services.facts.load_facts` + `timeline.assess`) *inside* the transaction, checks
the policy against that assessment, writes, re-assesses to prove the step took effect, and
appends an audit row holding the state before and after.  A refusal raises before anything is
written, and the transaction rolls back: the database is unchanged.

Decisions (the CONTRACT is silent on them):

* **Holds block warn and suspend.**  An open promise to pay or an approved plan in good standing
  puts the account on hold, and the CONTRACT says the next action waits until the hold ends; so
  `warn` and `suspend` are refused (exit 3) while such a hold lasts, naming the hold and the day
  after it ends.  A broken promise or a missed instalment ends the hold at once.  (Disputes that
  cover every past-due invoice leave nothing undisputed past due, so dpd is 0 and the dpd rule
  refuses.)  The rules look at the account's own position (dpd, valid warning), not at the
  stage a hold keeps on display.
* **History stays consistent.**  A step dated before a recorded step (for example `--today`
  earlier than the last warning) is bad input (exit 2): it would rewrite what happened after it.
  So is a step on the same day as a step the timeline orders after it (it sorts a day's steps
  warning, reinstatement, suspension, referral): a reinstatement on the day of the suspension
  would be read as coming before it, and a warning on the day of a reinstatement as cancelled by
  it.  Such a step is possible from the next day.
* **The warning letter** goes to the primary contact's email, else the first contact (in the
  order they were added) with a usable email, else the account's own email.  An address that is
  not a single plain mailbox counts as none.  No address: the warning is still recorded and the
  result says why no letter was queued.
* **Promise currency**: the account's main currency (its own currency when it has something open
  in it, else the first currency with something open by code, else its own, else the default),
  as the account list shows it.  The promise is linked to the open invoices in that currency,
  oldest due first, that its amount reaches.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from arcollect_tui import audit, timeline
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Config, Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.money import MoneyError, display_minor, format_minor, parse_amount, to_minor
from arcollect_tui.services import outbox
from arcollect_tui.services.facts import account_id_of, load_facts
from arcollect_tui.text import clean

# The CONTRACT's eight, in its order (the app's call-log form puts them on keys 1-8), then extras.
OUTCOMES: tuple[str, ...] = (
    "no_answer", "voicemail", "reached", "promise", "refused", "dispute", "wrong_contact", "paid_claimed",
)
EXTRA_OUTCOMES: tuple[str, ...] = ("sent", "other")
CHANNELS: tuple[str, ...] = ("call", "email", "meeting", "note")
# How the timeline orders steps recorded on the same day (timeline._status).
_SAME_DAY_ORDER = {"warning": 0, "reinstatement": 1, "suspension": 2, "referral": 3}
_DAY = dt.timedelta(days=1)


# ------------------------------------------------------------------------------------ results

@dataclass(frozen=True)
class LogResult:
    activity_id: int
    account: str
    occurred_on: dt.date
    channel: str
    outcome: str
    contact: str | None
    follow_up_on: dt.date | None
    promise_id: int | None
    promise_amount: Decimal | None
    promise_currency: str | None
    promise_on: dt.date | None
    stage: str                     # after the write
    flags: tuple[str, ...]


@dataclass(frozen=True)
class StepResult:
    """A step recorded on the suspension timeline."""

    event_id: int
    account: str
    kind: str                      # warning, suspension, reinstatement, referral
    on_date: dt.date
    approved_by: str | None
    stage_before: str
    stage_after: str
    rule: str
    next_date: dt.date | None = None   # warning: suspension possible from; suspension: referral from


@dataclass(frozen=True)
class WarnResult(StepResult):
    activity_id: int | None = None
    outbox_id: int | None = None
    letter_to: str | None = None
    no_letter_reason: str | None = None


# ------------------------------------------------------------------------------------ helpers

@dataclass(frozen=True)
class _Account:
    id: int
    key: str
    name: str
    currency: str | None
    email: str | None
    facts: timeline.Facts
    a: timeline.Assessment


def _load(conn: sqlite3.Connection, key: str, today: dt.date, policy: Policy) -> _Account:
    account_id = account_id_of(conn, key)
    key, name, currency, email = conn.execute(
        "SELECT key, name, currency, email FROM account WHERE id = ?", (account_id,)).fetchone()
    facts = load_facts(conn, account_id, today)
    return _Account(account_id, key, name, currency, email, facts, timeline.assess(facts, policy, today))


def _reassess(conn: sqlite3.Connection, acct: _Account, today: dt.date, policy: Policy) -> timeline.Assessment:
    return timeline.assess(load_facts(conn, acct.id, today), policy, today)


def _state(a: timeline.Assessment) -> dict[str, Any]:
    """What the audit row keeps of an assessment, before and after a write."""
    return {
        "as_of": a.as_of.isoformat(), "stage": a.stage, "dpd": a.dpd, "anchor": a.anchor,
        "warning_on": a.warning_on.isoformat() if a.warning_on else None,
        "suspended_on": a.suspended_on.isoformat() if a.suspended_on else None,
        "hold": a.hold.kind if a.hold else None, "flags": list(a.flags),
    }


def _k(key: str) -> str:
    return clean(key)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _dpd_text(a: timeline.Assessment) -> str:
    if a.anchor is None:
        return "nothing undisputed is past due"
    return f"{clean(a.anchor)} is {_days(a.dpd)} past due"


def _anchor_item(acct: _Account) -> timeline.Item | None:
    return next((i for i in acct.facts.items if i.number == acct.a.anchor), None)


def _steps(acct: _Account, kind: str) -> list[dt.date]:
    return sorted(s.on_date for s in acct.facts.steps if s.kind == kind)


def _last(acct: _Account, kind: str) -> dt.date | None:
    dates = _steps(acct, kind)
    return dates[-1] if dates else None


def _referred_on(acct: _Account) -> dt.date | None:
    return _last(acct, "referral") if acct.a.stage == "referred" else None


def _check_history(conn: sqlite3.Connection, acct: _Account, kind: str, today: dt.date) -> None:
    """Exit 2 when a step dated `today` would land before a recorded step (see module doc)."""
    later = conn.execute(
        "SELECT kind, on_date FROM suspension_event WHERE account_id = ? AND on_date > ?"
        " ORDER BY on_date DESC, id DESC LIMIT 1", (acct.id, today.isoformat())).fetchone()
    if later:
        raise InputError(
            f"--today: {today}: the account's {later[0]} is recorded on {later[1]}, after this date: "
            f"a {kind} dated {today} would rewrite the history after it; use a date on or after {later[1]}")
    rank = _SAME_DAY_ORDER[kind]
    same = [k for (k,) in conn.execute(
        "SELECT kind FROM suspension_event WHERE account_id = ? AND on_date = ?", (acct.id, today.isoformat()))
        if _SAME_DAY_ORDER[k] > rank]
    if same:
        raise InputError(
            f"--today: {today}: a {same[0]} is recorded on this day, and the timeline reads a day's "
            f"{kind} as coming before its {same[0]}: record the {kind} from {today + _DAY}")


def _name(value: str | None, field: str, problems: list[str], *, required: bool = False) -> str | None:
    text = clean(value).strip() if value is not None else ""
    if not text:
        if required:
            problems.append(f"{field}: {value!r}: expected a name (who approved it)")
        return None
    if len(text) > 200:
        problems.append(f"{field}: {text[:40]!r}...: expected at most 200 characters")
    return text


def _note(value: str | None) -> str | None:
    text = clean(value, keep_newlines=True).strip() if value is not None else ""
    return text or None


def _insert_event(conn: sqlite3.Connection, acct: _Account, kind: str, today: dt.date, user: str, stamp: str, *,
                  rule: str, approved_by: str | None = None, approver_role: str | None = None,
                  reference: str | None = None, note: str | None = None) -> tuple[int, dict[str, Any]]:
    row = {"kind": kind, "on_date": today.isoformat(), "approved_by": approved_by, "approver_role": approver_role,
           "approval_ref": reference, "rule": rule, "note": note}
    cur = conn.execute(
        "INSERT INTO suspension_event (account_id, kind, on_date, approved_by, approver_role, approval_ref, rule,"
        " note, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (acct.id, kind, row["on_date"], approved_by, approver_role, reference, rule, note, user, stamp))
    return cur.lastrowid, row


def _refuse(action: str, text: str) -> PolicyRefusal:
    return PolicyRefusal(f"{action} refused: {text}")


def _hold_end(hold: timeline.Hold) -> dt.date | None:
    return hold.until + _DAY if hold.until else None


def _blocking_hold(a: timeline.Assessment) -> timeline.Hold | None:
    return a.hold if a.hold is not None and a.hold.kind in ("promise", "plan") else None


def _why_no_valid_warning(acct: _Account, policy: Policy, today: dt.date) -> str:
    """Why no recorded warning covers the account's debt today, in words."""
    warnings = _steps(acct, "warning")
    if not warnings:
        return "no warning has been sent"
    w = warnings[-1]
    reinstated = _last(acct, "reinstatement")
    if reinstated is not None and w <= reinstated:
        return f"the last warning ({w}) came before the reinstatement of {reinstated}"
    if (today - w).days > policy.warning_valid_days:
        return f"the warning of {w} lapsed after {w + dt.timedelta(days=policy.warning_valid_days)}"
    anchor = _anchor_item(acct)
    if anchor is not None:
        return (f"the warning of {w} does not cover {clean(anchor.number)}, which was not yet "
                f"{policy.warning_from_dpd} days past due then (the invoices it covered have been paid or "
                f"credited since)")
    return f"the warning of {w} is not valid"


def _position(acct: _Account, policy: Policy, today: dt.date) -> str:
    """The account's own ladder position, ignoring what a hold keeps on display."""
    a = acct.a
    if a.stage in ("suspended", "referred"):
        return a.stage
    if a.dpd < policy.warning_from_dpd:
        return "before_warning"
    if a.warning_on is None:
        return "warning_due"
    if (today - a.warning_on).days < policy.warning_notice_days:
        return "warned"
    return "suspension_due"


# --------------------------------------------------------------------------------------- log

def _main_currency(acct: _Account, default_currency: str) -> str:
    open_in = sorted(p.currency for p in acct.a.positions if p.balance_minor > 0)
    if acct.currency and acct.currency in open_in:
        return acct.currency
    if open_in:
        return open_in[0]
    return acct.currency or default_currency


def _contact(conn: sqlite3.Connection, acct: _Account, name: str | None,
             problems: list[str]) -> tuple[int | None, str | None]:
    if name is None:
        return None, None
    wanted = clean(name).strip()
    contacts = conn.execute("SELECT id, name FROM contact WHERE account_id = ? ORDER BY is_primary DESC, name",
                            (acct.id,)).fetchall()
    exact = [c for c in contacts if c[1] == wanted]
    folded = [c for c in contacts if c[1].casefold() == wanted.casefold()]
    match = exact or (folded if len(folded) == 1 else [])
    if match:
        return match[0]
    if contacts:
        names = ", ".join(repr(clean(c[1])) for c in contacts)
        problems.append(f"--contact: {wanted!r}: not a contact of {_k(acct.key)}: expected one of {names}")
    else:
        problems.append(f"--contact: {wanted!r}: {_k(acct.key)} has no contacts: leave out --contact "
                        "(or import its contacts first)")
    return None, None


def _promise_invoices(conn: sqlite3.Connection, acct: _Account, currency: str, amount_minor: int,
                      today: dt.date) -> list[int]:
    """The open invoices in `currency`, oldest due first, that the promised amount reaches."""
    from arcollect_tui.ledger import open_items

    ids, covered = [], 0
    for item in open_items(conn, today, acct.id):
        if item.kind != "invoice" or item.currency != currency or item.open_minor <= 0:
            continue
        if covered >= amount_minor:
            break
        ids.append(item.invoice_id)
        covered += item.open_minor
    return ids


def log_activity(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
                 outcome: str | None, channel: str = "call", contact: str | None = None,
                 note: str | None = None, follow_up: dt.date | None = None,
                 promise_amount: str | Decimal | None = None, promise_on: dt.date | None = None,
                 default_currency: str = "USD") -> LogResult:
    """Record an interaction dated `today`, and a promise to pay when one was made.

    A promise needs both its amount (in the account's main currency, at most its minor digits)
    and its date (today or later); its outcome is `promise` (the default when a promise is
    given).  Every problem is reported at once (InputError); nothing is written then.
    """
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        problems: list[str] = []
        has_promise = promise_amount is not None or promise_on is not None
        if outcome is None and has_promise:
            outcome = "promise"
        if outcome not in OUTCOMES + EXTRA_OUTCOMES:
            shown = "missing" if outcome is None else repr(outcome)
            problems.append(f"--outcome: {shown}: expected one of {', '.join(OUTCOMES + EXTRA_OUTCOMES)}")
        elif has_promise and outcome != "promise":
            problems.append(f"--outcome: {outcome!r}: a promise to pay is logged with --outcome promise")
        if channel not in CHANNELS:
            problems.append(f"--channel: {channel!r}: expected one of {', '.join(CHANNELS)}")
        contact_id, contact_name = _contact(conn, acct, contact, problems)
        if follow_up is not None and follow_up < today:
            problems.append(f"--follow-up: {follow_up}: expected a date on or after today ({today})")
        currency = _main_currency(acct, default_currency)
        amount_minor: int | None = None
        if has_promise:
            if promise_amount is None:
                problems.append(f"--on: {promise_on}: a promise also needs its amount (--promise AMOUNT)")
            else:
                try:
                    value = (promise_amount if isinstance(promise_amount, Decimal)
                             else parse_amount(str(promise_amount), currency))
                    amount_minor = to_minor(value, currency)
                    if amount_minor <= 0:
                        problems.append(f"--promise: {promise_amount}: expected an amount above zero")
                except MoneyError as exc:
                    problems.append(f"--promise: {promise_amount}: {exc}: expected an amount in {currency}")
            if promise_on is None:
                problems.append(f"--promise: {promise_amount}: a promise also needs the date it will be paid by "
                                "(--on DATE)")
            elif promise_on < today:
                problems.append(f"--on: {promise_on}: expected a date on or after today ({today})")
        if problems:
            raise InputError(problems)
        assert outcome is not None
        note_text = _note(note)
        stamp = now_stamp()
        before = _state(acct.a)
        cur = conn.execute(
            "INSERT INTO activity (account_id, contact_id, occurred_on, occurred_at, channel, outcome, note,"
            " follow_up_on, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (acct.id, contact_id, today.isoformat(), stamp, channel, outcome, note_text,
             follow_up.isoformat() if follow_up else None, user, stamp))
        activity_id = cur.lastrowid
        activity = {"occurred_on": today.isoformat(), "channel": channel, "outcome": outcome,
                    "contact": contact_name, "note": note_text,
                    "follow_up_on": follow_up.isoformat() if follow_up else None}
        promise_id = None
        promise: dict[str, Any] | None = None
        if amount_minor is not None and promise_on is not None:
            cur = conn.execute(
                "INSERT INTO promise (account_id, activity_id, made_on, pay_by, currency, amount_minor, note, user,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (acct.id, activity_id, today.isoformat(), promise_on.isoformat(), currency, amount_minor,
                 note_text, user, stamp))
            promise_id = cur.lastrowid
            invoice_ids = _promise_invoices(conn, acct, currency, amount_minor, today)
            conn.executemany("INSERT INTO promise_invoice (promise_id, invoice_id) VALUES (?, ?)",
                             [(promise_id, i) for i in invoice_ids])
            promise = {"id": promise_id, "made_on": today.isoformat(), "pay_by": promise_on.isoformat(),
                       "currency": currency, "amount": format_minor(amount_minor, currency),
                       "invoice_ids": invoice_ids}
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="log", entity="activity", entity_id=activity_id, account_id=acct.id,
                     at=stamp, before=before, after={**_state(after), "activity": activity, "promise": promise})
    return LogResult(
        activity_id=activity_id, account=acct.key, occurred_on=today, channel=channel, outcome=outcome,
        contact=contact_name, follow_up_on=follow_up, promise_id=promise_id,
        promise_amount=None if amount_minor is None else Decimal(format_minor(amount_minor, currency)),
        promise_currency=currency if promise_id else None, promise_on=promise_on if promise_id else None,
        stage=after.stage, flags=after.flags,
    )


# -------------------------------------------------------------------------------------- warn

def _check_warn(acct: _Account, policy: Policy, today: dt.date) -> None:
    a = acct.a
    position = _position(acct, policy, today)
    if position == "referred":
        raise _refuse("warn", f"a suspension warning is for accounts not yet suspended: {_k(acct.key)} was "
                              f"referred to the write-off team on {_referred_on(acct)}")
    if position == "suspended":
        raise _refuse("warn", f"a suspension warning is for accounts not yet suspended: {_k(acct.key)} is "
                              f"suspended since {a.suspended_on}")
    if position == "before_warning":
        anchor = _anchor_item(acct)
        if anchor is None:
            raise _refuse("warn", f"a suspension warning needs dpd >= {policy.warning_from_dpd}: "
                                  f"{_dpd_text(a)}")
        possible = anchor.due_date + dt.timedelta(days=policy.warning_from_dpd)
        raise _refuse("warn", f"a suspension warning needs dpd >= {policy.warning_from_dpd}: {_dpd_text(a)}: "
                              f"possible from {possible}")
    if a.warning_on is not None:
        lapses = a.warning_on + dt.timedelta(days=policy.warning_valid_days)
        raise _refuse("warn", f"a new warning needs no valid warning: the warning of {a.warning_on} covers this "
                              f"debt until {lapses} (suspension possible from "
                              f"{a.warning_on + dt.timedelta(days=policy.warning_notice_days)}): "
                              f"a new warning possible from {lapses + _DAY}")
    hold = _blocking_hold(a)
    if hold is not None:
        raise _refuse("warn", f"the account is on hold ({hold.text}) and the next step waits until the hold "
                              f"ends: possible from {_hold_end(hold)} if it is still "
                              f"{policy.warning_from_dpd} or more days past due then")


def _recipient(conn: sqlite3.Connection, acct: _Account) -> tuple[str, str | None] | None:
    """(address, contact name) of the warning letter, or None (see the module doc)."""
    for name, email in conn.execute(
            "SELECT name, email FROM contact WHERE account_id = ? AND coalesce(email, '') <> ''"
            " ORDER BY is_primary DESC, id", (acct.id,)):
        if outbox.parse_address(email, name) is not None:
            return email.strip(), name
    if outbox.parse_address(acct.email) is not None:
        return acct.email.strip(), None
    return None


def _wrap(paragraph: str) -> list[str]:
    return textwrap.wrap(paragraph, width=72, break_long_words=False, break_on_hyphens=False)


def warning_letter(acct_key: str, acct_name: str, contact_name: str | None, items: list[timeline.Item],
                   today: dt.date, possible: dt.date, notice_days: int,
                   disputed: dict[str, int]) -> tuple[str, str]:
    """(subject, body) of the suspension warning: plain and firm, every figure in it."""
    key, name = clean(acct_key), clean(acct_name)
    lines = [f"Dear {clean(contact_name) or 'Accounts Payable'},", "",
             f"Account: {name} (account {key})", "",
             *_wrap(f"As of {today}, the following invoices on this account are past due and unpaid:"), ""]
    rows = [("Invoice", "Due date", "Days past due", "Open amount")]
    totals: dict[str, int] = {}
    for item in sorted(items, key=lambda i: (i.due_date, i.number)):
        open_minor = item.open_on(today)
        flag = " (in dispute)" if disputed.get(item.number, 0) >= open_minor else ""
        rows.append((clean(item.number), item.due_date.isoformat(), str((today - item.due_date).days),
                     f"{display_minor(open_minor, item.currency)} {item.currency}{flag}"))
        if not flag:
            totals[item.currency] = totals.get(item.currency, 0) + open_minor
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    lines.append("")
    for currency, total in sorted(totals.items()):
        lines.append(f"Total past due: {display_minor(total, currency)} {currency}")
    lines += [
        "",
        *_wrap(f"This letter, dated {today}, is formal notice that unless the past-due balance is paid, "
               f"the service on this account may be suspended on or after {possible}, {notice_days} days "
               "from the date of this notice."),
        "",
        *_wrap("If you have already paid, reply with the payment date, amount and reference so that we can "
               "apply it. If you dispute an invoice, reply with its number and the reason so that we can "
               "review it."),
        "",
        "Accounts Receivable",
    ]
    subject = f"Suspension warning: {name} (account {key}): past-due balance"
    return subject, "\n".join(lines) + "\n"


def _data_dir(db: SqliteDatabase) -> Path:
    return Path(db.database).resolve().parent


def warn(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy, approved_by: str,
         approver_role: str | None = None, reference: str | None = None, note: str | None = None,
         config: Config | None = None, data_dir: Path | None = None) -> WarnResult:
    """Record an approved suspension warning, its letter activity, and the letter in the outbox.

    Allowed when the account's own position is `warning_due`: dpd >= warning_from_dpd, not
    suspended or referred, no valid warning, and no promise or plan hold (see the module doc).
    """
    problems: list[str] = []
    approver = _name(approved_by, "--approved-by", problems, required=True)
    role = _name(approver_role, "--role", problems)
    ref = _name(reference, "--reference", problems)
    if problems:
        raise InputError(problems)
    conn = db.connection()
    written: list[Path] = []
    folder = data_dir or _data_dir(db)
    try:
        with db.atomic():
            acct = _load(conn, key, today, policy)
            _check_history(conn, acct, "warning", today)
            _check_warn(acct, policy, today)
            a = acct.a
            possible = today + dt.timedelta(days=policy.warning_notice_days)
            rule = (f"warning: {_dpd_text(a)} (warnings from dpd {policy.warning_from_dpd}) and no valid warning; "
                    f"suspension possible from {possible} after {policy.warning_notice_days} days' notice")
            stamp = now_stamp()
            event_id, event = _insert_event(conn, acct, "warning", today, user, stamp, rule=rule,
                                            approved_by=approver, approver_role=role, reference=ref,
                                            note=_note(note))
            cur = conn.execute(
                "INSERT INTO activity (account_id, occurred_on, occurred_at, channel, outcome, note, user, created_at)"
                " VALUES (?, ?, ?, 'letter', 'sent', ?, ?, ?)",
                (acct.id, today.isoformat(), stamp,
                 f"suspension warning approved by {approver}; suspension possible from {possible}", user, stamp))
            activity_id = cur.lastrowid
            outbox_id = letter_to = no_letter = None
            recipient = _recipient(conn, acct)
            if recipient is None:
                no_letter = f"{_k(acct.key)} has no email address (neither a contact's nor its own)"
            else:
                disputed: dict[str, int] = {}
                for d in acct.facts.disputes:
                    if d.invoice is not None and d.open_on(today):
                        disputed[d.invoice] = disputed.get(d.invoice, 0) + d.amount_minor
                items = [i for i in acct.facts.items if i.due_date < today and i.open_on(today) > 0]
                subject, body = warning_letter(acct.key, acct.name, recipient[1], items, today, possible,
                                               policy.warning_notice_days, disputed)
                outbox_id = outbox.queue_message(
                    conn, account_id=acct.id, template="suspension_warning", to_addr=recipient[0],
                    to_name=recipient[1], subject=subject, body=body, data_dir=folder, created_at=stamp,
                    sender=config.mail.sender if config else None, user=user)
                if outbox_id is not None:
                    letter_to = recipient[0]
                    (rel,) = conn.execute("SELECT path FROM outbox_message WHERE id = ?", (outbox_id,)).fetchone()
                    written.append(outbox.message_file(folder, rel))
            after = _reassess(conn, acct, today, policy)
            if after.warning_on != today:
                raise InputError(f"--today: {today}: the timeline would not count a warning recorded on this day "
                                 f"({after.reason}); nothing was written")
            audit.record(conn, user=user, action="warn", entity="suspension_event", entity_id=event_id,
                         account_id=acct.id, at=stamp, before=_state(a),
                         after={**_state(after), "event": event, "activity_id": activity_id,
                                "outbox_id": outbox_id, "letter_to": letter_to, "no_letter": no_letter})
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return WarnResult(event_id=event_id, account=acct.key, kind="warning", on_date=today, approved_by=approver,
                      stage_before=a.stage, stage_after=after.stage, rule=rule, next_date=possible,
                      activity_id=activity_id, outbox_id=outbox_id, letter_to=letter_to, no_letter_reason=no_letter)


# ----------------------------------------------------------------------------------- suspend

def _check_suspend(acct: _Account, policy: Policy, today: dt.date) -> dt.date:
    """Refuse unless suspension is due; returns the warning that allows it."""
    a = acct.a
    notice = policy.warning_notice_days
    position = _position(acct, policy, today)
    rule = f"suspension needs an approved warning whose {notice}-day notice has run"
    if position == "referred":
        raise _refuse("suspend", f"{_k(acct.key)} was referred to the write-off team on {_referred_on(acct)}")
    if position == "suspended":
        raise _refuse("suspend", f"{_k(acct.key)} is already suspended since {a.suspended_on}")
    if position == "before_warning":
        anchor = _anchor_item(acct)
        if anchor is None:
            raise _refuse("suspend", f"{rule}, and dpd >= {policy.warning_from_dpd}: {_dpd_text(a)}")
        w = anchor.due_date + dt.timedelta(days=policy.warning_from_dpd)
        raise _refuse("suspend", f"{rule}, and a warning needs dpd >= {policy.warning_from_dpd}: {_dpd_text(a)}: "
                                 f"a warning possible from {w}, suspension from {w + dt.timedelta(days=notice)} "
                                 "at the earliest")
    if position == "warning_due":
        raise _refuse("suspend", f"{rule}: no valid warning ({_why_no_valid_warning(acct, policy, today)}): "
                                 f"warn first; suspension possible from {today + dt.timedelta(days=notice)} at the "
                                 "earliest if warned today")
    assert a.warning_on is not None
    w = a.warning_on
    earliest = w + dt.timedelta(days=notice)
    lapses = w + dt.timedelta(days=policy.warning_valid_days)
    hold = _blocking_hold(a)
    if hold is not None:
        end = _hold_end(hold)
        if end is not None:
            earliest = max(earliest, end)
        when = (f"possible from {earliest}" if earliest <= lapses else
                f"the warning of {w} lapses after {lapses}, before the hold ends: a new warning will be needed")
        raise _refuse("suspend", f"the account is on hold ({hold.text}) and the next step waits until the hold "
                                 f"ends: {when}")
    if position == "warned":
        raise _refuse("suspend", f"{rule}: warned on {w}: possible from {earliest}")
    return w


def suspend(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy, approved_by: str,
            approver_role: str | None = None, reference: str | None = None, note: str | None = None) -> StepResult:
    """Suspend the account: allowed only at `suspension_due` (a valid approved warning whose notice
    period has run, the debt still past the warning threshold), with an approver."""
    problems: list[str] = []
    approver = _name(approved_by, "--approved-by", problems, required=True)
    role = _name(approver_role, "--role", problems)
    ref = _name(reference, "--reference", problems)
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        _check_history(conn, acct, "suspension", today)
        w = _check_suspend(acct, policy, today)
        warned_by = conn.execute(
            "SELECT approved_by FROM suspension_event WHERE account_id = ? AND kind = 'warning' AND on_date = ?"
            " ORDER BY id DESC LIMIT 1", (acct.id, w.isoformat())).fetchone()
        refer_on = None
        anchor = _anchor_item(acct)
        if anchor is not None:
            refer_on = max(today, anchor.due_date + dt.timedelta(days=policy.referral_from_dpd))
        rule = (f"suspension: the warning of {w} (approved by {warned_by[0] if warned_by else 'unknown'}) gave "
                f"{policy.warning_notice_days} days' notice; {_dpd_text(acct.a)}")
        stamp = now_stamp()
        event_id, event = _insert_event(conn, acct, "suspension", today, user, stamp, rule=rule,
                                        approved_by=approver, approver_role=role, reference=ref, note=_note(note))
        after = _reassess(conn, acct, today, policy)
        if after.stage != "suspended":
            raise InputError(f"--today: {today}: the timeline would not count a suspension recorded on this day "
                             f"({after.reason}); nothing was written")
        audit.record(conn, user=user, action="suspend", entity="suspension_event", entity_id=event_id,
                     account_id=acct.id, at=stamp, before=_state(acct.a), after={**_state(after), "event": event})
    return StepResult(event_id, acct.key, "suspension", today, approver, acct.a.stage, after.stage, rule, refer_on)


# ---------------------------------------------------------------------- reinstate and refer

def reinstate(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
              note: str | None = None, approved_by: str | None = None) -> StepResult:
    """Lift a suspension (or a referral): allowed only when the account is suspended or referred.
    Warnings given before it no longer count: a new suspension needs a new warning."""
    problems: list[str] = []
    approver = _name(approved_by, "--approved-by", problems)
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        _check_history(conn, acct, "reinstatement", today)
        if acct.a.stage not in ("suspended", "referred"):
            raise _refuse("reinstate", f"reinstatement lifts a suspension: {_k(acct.key)} is not suspended "
                                       f"(stage: {acct.a.label})")
        since = acct.a.suspended_on
        rule = (f"reinstatement: lifts the suspension of {since}"
                + (f" and the referral of {_referred_on(acct)}" if acct.a.stage == "referred" else "")
                + f"; {_dpd_text(acct.a)}")
        stamp = now_stamp()
        event_id, event = _insert_event(conn, acct, "reinstatement", today, user, stamp, rule=rule,
                                        approved_by=approver, note=_note(note))
        after = _reassess(conn, acct, today, policy)
        if after.stage in ("suspended", "referred"):
            raise InputError(f"--today: {today}: the timeline would not count a reinstatement recorded on this day; "
                             "nothing was written")
        audit.record(conn, user=user, action="reinstate", entity="suspension_event", entity_id=event_id,
                     account_id=acct.id, at=stamp, before=_state(acct.a), after={**_state(after), "event": event})
    return StepResult(event_id, acct.key, "reinstatement", today, approver, acct.a.stage, after.stage, rule)


def refer(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
          note: str | None = None, approved_by: str | None = None) -> StepResult:
    """Refer a suspended account to the write-off / bad-debt team: allowed only when it is
    suspended and its dpd is at least referral_from_dpd."""
    problems: list[str] = []
    approver = _name(approved_by, "--approved-by", problems)
    if problems:
        raise InputError(problems)
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        _check_history(conn, acct, "referral", today)
        a = acct.a
        need = policy.referral_from_dpd
        if a.stage == "referred":
            raise _refuse("refer", f"{_k(acct.key)} was already referred on {_referred_on(acct)}")
        if a.stage != "suspended":
            position = _position(acct, policy, today)
            if position == "suspension_due":
                hint = "suspend first"
            elif position == "warned" and a.warning_on is not None:
                hint = f"suspend first (possible from {a.warning_on + dt.timedelta(days=policy.warning_notice_days)})"
            else:
                hint = "warn first, then suspend"
            raise _refuse("refer", f"refer needs a suspended account with dpd >= {need}: {_k(acct.key)} is not "
                                   f"suspended (stage: {a.label}): {hint}")
        anchor = _anchor_item(acct)
        if anchor is None:
            raise _refuse("refer", f"refer needs dpd >= {need}: {_dpd_text(a)}"
                                   + ("; reinstate instead" if not any(p.overdue_minor for p in a.positions) else ""))
        if a.dpd < need:
            raise _refuse("refer", f"refer needs dpd >= {need}: {_dpd_text(a)}: possible from "
                                   f"{anchor.due_date + dt.timedelta(days=need)}")
        rule = f"referral: suspended since {a.suspended_on} and {_dpd_text(a)} (referral from dpd {need})"
        stamp = now_stamp()
        event_id, event = _insert_event(conn, acct, "referral", today, user, stamp, rule=rule,
                                        approved_by=approver, note=_note(note))
        after = _reassess(conn, acct, today, policy)
        if after.stage != "referred":
            raise InputError(f"--today: {today}: the timeline would not count a referral recorded on this day; "
                             "nothing was written")
        audit.record(conn, user=user, action="refer", entity="suspension_event", entity_id=event_id,
                     account_id=acct.id, at=stamp, before=_state(a), after={**_state(after), "event": event})
    return StepResult(event_id, acct.key, "referral", today, approver, a.stage, after.stage, rule)
