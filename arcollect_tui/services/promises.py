"""Promises to pay, on their own (not from a call log): make one, cancel one.

Like services/actions.py, each write is one `db.atomic()` transaction that loads and assesses the
account inside it, validates everything (every problem at once: InputError, exit 2), refuses what
the rules forbid (PolicyRefusal, exit 3), writes, re-assesses, and appends one audit row with the
state before and after.  Nothing is written on any error.

Decisions:

* **Currency**: the account's main currency, as the `account` and `queue` views choose it (its own
  currency when it has something open in it, else the currency with the largest open balance), or
  the chosen invoices' currency, or the one given.
* **Amount**: defaults to what is *overdue* in that currency and not in an open dispute (open items
  past due, credit notes included, as the `account` view shows them, less their disputed amounts:
  disputed amounts are not chased, and the call-log form proposes the same), or, with chosen
  invoices, to what is open on them.  It
  may not exceed what is open (on the chosen invoices, else in the currency): a promise to pay more
  than is owed is a typing slip.
* **Invoices covered**: the chosen ones, else the open invoices in the currency, oldest due first,
  that the amount reaches (the last one may be covered in part).
* **Cancel**: only an *open* promise (its date plus the tolerance not yet passed, not yet kept) can
  be cancelled; a kept or broken promise stays on the record as evidence (exit 3).  The timeline
  ignores a promise from the day it is cancelled, so cancelling ends its hold.

The helpers in the second section (`Position`, `account_position`, text cleaning) are shared by
the other collector services (plans, disputes, escalations).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence

from peewee import SqliteDatabase

from arcollect_tui import audit, timeline
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.ledger import OpenItem, open_items
from arcollect_tui.money import MoneyError, from_minor, normalise_currency, parse_amount, to_minor
from arcollect_tui.services.actions import _Account, _load, _reassess, _state
from arcollect_tui.text import clean

# ------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PromiseResult:
    """A promise as stored, and where it and the account stand after the write."""

    promise_id: int
    account: str
    made_on: dt.date
    pay_by: dt.date
    currency: str
    amount: Decimal
    invoices: tuple[str, ...]          # the invoices it covers, oldest due first
    note: str | None
    cancelled_on: dt.date | None
    standing: str                      # open, kept, partly_kept, broken, cancelled
    paid: Decimal                      # what counts towards it so far
    deadline: dt.date                  # pay_by + the policy's tolerance
    stage: str                         # the account's, after the write
    flags: tuple[str, ...]
    hold: str | None                   # promise, plan, dispute or None

    def to_json(self) -> dict[str, Any]:
        return _json(self)


def _json(result: Any) -> dict[str, Any]:
    """A result as the CLI's JSON: amounts as text with the currency's digits, dates ISO."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = [v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v
                     for v in value]
        out["id" if f.name in _IDS else f.name] = value
    return out


_IDS = ("promise_id", "plan_id", "dispute_id", "escalation_id")   # each result's own id is "id" in JSON


# -------------------------------------------------------------- shared by the collector services


@dataclass(frozen=True)
class Position:
    """What an account owes in one currency as of *today*, as the `account` view counts it."""

    currency: str
    balance_minor: int                 # open invoices and credit notes
    overdue_minor: int                 # of which past due
    items: tuple[OpenItem, ...]        # the open invoices (not credit notes), oldest due first
    disputed_minor: int = 0            # of the balance, in open disputes (capped per invoice)
    disputed_overdue_minor: int = 0    # of the overdue amount, in open disputes

    @property
    def chase_overdue_minor(self) -> int:
        """Past due and not in dispute: what a promise or a plan is for by default (disputed
        amounts are not chased, as the call-log form proposes too)."""
        return self.overdue_minor - self.disputed_overdue_minor

    @property
    def chase_balance_minor(self) -> int:
        return self.balance_minor - self.disputed_minor


def account_position(conn: sqlite3.Connection, acct: _Account, today: dt.date, default_currency: str,
                     currency: str | None = None) -> Position:
    """The position in `currency`, else in the account's main currency (module docstring)."""
    from arcollect_tui.services.worklist import main_currency

    items = open_items(conn, today, acct.id)
    if currency is None:
        balances: dict[str, Decimal] = {}
        for i in items:
            balances[i.currency] = balances.get(i.currency, Decimal(0)) + from_minor(i.open_minor, i.currency)
        currency = main_currency(acct.currency, balances) or acct.currency or default_currency
    mine = [i for i in items if i.currency == currency]
    disputed: dict[int, int] = {}
    for invoice_id, amount in conn.execute(
            "SELECT invoice_id, amount_minor FROM dispute WHERE account_id = ? AND invoice_id IS NOT NULL"
            " AND opened_on <= ? AND (resolved_on IS NULL OR resolved_on > ?)",
            (acct.id, today.isoformat(), today.isoformat())):
        disputed[invoice_id] = disputed.get(invoice_id, 0) + amount
    held = {i.invoice_id: min(max(i.open_minor, 0), disputed.get(i.invoice_id, 0)) for i in mine}
    return Position(
        currency,
        sum(i.open_minor for i in mine),
        sum(i.open_minor for i in mine if i.due_date < today),
        tuple(i for i in mine if i.kind == "invoice" and i.open_minor > 0),
        sum(held.values()),
        sum(held[i.invoice_id] for i in mine if i.due_date < today),
    )


def money_text(minor: int, currency: str) -> str:
    return f"{from_minor(minor, currency):,} {currency}"


def clean_text(value: str | None, option: str, problems: list[str], *, required: bool = False,
               what: str = "a name", limit: int = 200) -> str | None:
    """One line of untrusted text (a name, a reference): control characters stripped, trimmed."""
    text = clean(value).strip() if value is not None else ""
    if not text:
        if required:
            problems.append(f"{option}: {'missing' if value is None else repr(value)}: expected {what}")
        return None
    if len(text) > limit:
        problems.append(f"{option}: {text[:40]!r}...: expected at most {limit} characters")
    return text


def clean_note(value: str | None) -> str | None:
    text = clean(value, keep_newlines=True).strip() if value is not None else ""
    return text or None


def add_note(old: str | None, line: str) -> str:
    """A dated line appended to a row's note (resolutions, cancellations, rejections)."""
    return f"{old}\n{line}" if old else line


def parse_money(value: str | Decimal | None, currency: str, option: str, problems: list[str], *,
                allow_zero: bool = False) -> int | None:
    """An amount above zero (or zero, with `allow_zero`) in `currency`'s minor units, or a problem
    naming the option."""
    if value is None:
        return None
    try:
        amount = value if isinstance(value, Decimal) else parse_amount(str(value), currency)
        minor = to_minor(amount, currency)
    except MoneyError as exc:
        problems.append(f"{option}: {value}: {exc}: expected an amount in {currency}")
        return None
    if minor < 0 or (minor == 0 and not allow_zero):
        problems.append(f"{option}: {value}: expected an amount {'of zero or more' if allow_zero else 'above zero'}")
        return None
    return minor


def currency_option(value: str | None, option: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    try:
        return normalise_currency(value)
    except MoneyError as exc:
        problems.append(f"{option}: {value!r}: {exc}")
        return None


def row_date(conn: sqlite3.Connection, table: str, entity: str, entity_id: int, date_column: str,
             today: dt.date) -> tuple[Any, ...]:
    """`SELECT *` of one row by id; InputError when there is none, or when it is dated after *today*."""
    cur = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (entity_id,))
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        raise InputError(f"{entity}: {entity_id}: no {entity} has this id: expected the id printed when it was recorded")
    data = dict(zip(names, row))
    when = data[date_column]
    if when and when[:10] > today.isoformat():
        raise InputError(f"--today: {today}: {entity} {entity_id} was made on {when[:10]}, after this date: "
                         f"use a date on or after {when[:10]}")
    return tuple(data.items())


def key_of(conn: sqlite3.Connection, account_id: int) -> str:
    return conn.execute("SELECT key FROM account WHERE id = ?", (account_id,)).fetchone()[0]


def hold_kind(a: timeline.Assessment) -> str | None:
    return a.hold.kind if a.hold else None


# --------------------------------------------------------------------------------------- make


def chosen_invoices(acct: _Account, all_items: Iterable[OpenItem], numbers: Sequence[str],
                    problems: list[str]) -> list[OpenItem]:
    """The open invoices named by `numbers` (as imported), oldest due first; problems for the rest."""
    by_number = {i.number: i for i in all_items if i.kind == "invoice" and i.open_minor > 0}
    chosen: list[OpenItem] = []
    for raw in numbers:
        number = clean(raw).strip()
        item = by_number.get(number)
        if item is None:
            shown = ", ".join(sorted(by_number)[:10]) + (", ..." if len(by_number) > 10 else "")
            problems.append(f"--invoice: {number!r}: not an open invoice of {clean(acct.key)}: expected one of "
                            f"{shown}" if by_number else
                            f"--invoice: {number!r}: {clean(acct.key)} has no open invoice")
        elif item not in chosen:
            chosen.append(item)
    currencies = sorted({i.currency for i in chosen})
    if len(currencies) > 1:
        problems.append(f"--invoice: {', '.join(i.number for i in chosen)}: the invoices are in "
                        f"{' and '.join(currencies)}: expected invoices in one currency (one promise each)")
    return sorted(chosen, key=lambda i: (i.due_date, i.invoice_date, i.number))


def _cover(items: Sequence[OpenItem], amount_minor: int) -> list[OpenItem]:
    """The invoices, oldest due first, that `amount_minor` reaches."""
    out, covered = [], 0
    for item in items:
        if covered >= amount_minor:
            break
        out.append(item)
        covered += item.open_minor
    return out


def promise_standing(facts: timeline.Facts, fact: timeline.PromiseFact, policy: Policy,
                     today: dt.date) -> timeline.PromiseStanding | None:
    """The timeline's standing of this one promise (a standing depends only on it and payments)."""
    one = timeline.Facts(facts.key, payments=facts.payments, promises=(fact,))
    standings = timeline.promise_standings(one, policy, today)
    return standings[0] if standings else None


def make_promise(db: SqliteDatabase, key: str, *, today: dt.date, user: str, policy: Policy,
                 pay_by: dt.date | None, amount: str | Decimal | None = None,
                 invoices: Sequence[str] = (), currency: str | None = None, note: str | None = None,
                 default_currency: str = "USD", activity_id: int | None = None) -> PromiseResult:
    """Record a promise to pay `amount` by `pay_by` (module docstring for the defaults)."""
    conn = db.connection()
    with db.atomic():
        acct = _load(conn, key, today, policy)
        problems: list[str] = []
        wanted = currency_option(currency, "--currency", problems)
        everything = open_items(conn, today, acct.id)
        chosen = chosen_invoices(acct, everything, invoices, problems) if invoices else []
        if chosen and wanted and chosen[0].currency != wanted:
            problems.append(f"--currency: {wanted}: the invoices chosen are in {chosen[0].currency}: "
                            "expected their currency")
        if problems:
            raise InputError(problems)
        pos = account_position(conn, acct, today, default_currency, wanted or (chosen[0].currency if chosen else None))
        cur = pos.currency
        if pay_by is None:
            problems.append("--on: missing: expected the date it will be paid by")
        elif pay_by < today:
            problems.append(f"--on: {pay_by}: expected a date on or after today ({today})")
        cap = sum(i.open_minor for i in chosen) if chosen else pos.balance_minor
        amount_minor = parse_money(amount, cur, "--amount", problems)
        if amount is None:
            if chosen:
                amount_minor = cap
            elif pos.chase_overdue_minor > 0:
                amount_minor = pos.chase_overdue_minor
            else:
                problems.append(f"--amount: missing: nothing is past due in {cur} (and not in dispute): expected "
                                "the promised amount")
        if amount_minor is not None and cap <= 0:
            problems.append(f"--amount: {from_minor(amount_minor, cur)}: nothing is open in {cur} on "
                            f"{clean(acct.key)}: expected an account that owes something")
        elif amount_minor is not None and amount_minor > cap:
            where = f"on {', '.join(clean(i.number) for i in chosen)}" if chosen else f"in {cur}"
            problems.append(f"--amount: {from_minor(amount_minor, cur)}: expected at most what is open {where} "
                            f"({money_text(cap, cur)})")
        if activity_id is not None and conn.execute(
                "SELECT 1 FROM activity WHERE id = ? AND account_id = ?", (activity_id, acct.id)).fetchone() is None:
            problems.append(f"activity: {activity_id}: not an activity of {clean(acct.key)}")
        if problems:
            raise InputError(problems)
        assert amount_minor is not None and pay_by is not None
        covered = chosen or _cover(pos.items, amount_minor)
        note_text = clean_note(note)
        stamp = now_stamp()
        promise_id = conn.execute(
            "INSERT INTO promise (account_id, activity_id, made_on, pay_by, currency, amount_minor, note, user,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (acct.id, activity_id, today.isoformat(), pay_by.isoformat(), cur, amount_minor, note_text, user,
             stamp)).lastrowid
        conn.executemany("INSERT INTO promise_invoice (promise_id, invoice_id) VALUES (?, ?)",
                         [(promise_id, i.invoice_id) for i in covered])
        row = {"id": promise_id, "made_on": today.isoformat(), "pay_by": pay_by.isoformat(), "currency": cur,
               "amount": str(from_minor(amount_minor, cur)), "invoices": [i.number for i in covered],
               "chosen": bool(chosen), "note": note_text, "activity_id": activity_id}
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="promise", entity="promise", entity_id=promise_id, account_id=acct.id,
                     at=stamp, before=_state(acct.a), after={**_state(after), "promise": row})
        return _result(conn, promise_id, today, policy, after)


def _result(conn: sqlite3.Connection, promise_id: int, today: dt.date, policy: Policy,
            after: timeline.Assessment) -> PromiseResult:
    (account_id, made, by, cur, amount_minor, note, cancelled) = conn.execute(
        "SELECT account_id, made_on, pay_by, currency, amount_minor, note, cancelled_on FROM promise WHERE id = ?",
        (promise_id,)).fetchone()
    numbers = tuple(n for (n,) in conn.execute(
        "SELECT i.number FROM promise_invoice p JOIN invoice i ON i.id = p.invoice_id WHERE p.promise_id = ?"
        " ORDER BY i.due_date, i.invoice_date, i.number", (promise_id,)))
    from arcollect_tui.services.facts import load_facts

    fact = timeline.PromiseFact(dt.date.fromisoformat(made), dt.date.fromisoformat(by), cur, amount_minor,
                                dt.date.fromisoformat(cancelled[:10]) if cancelled else None)
    standing = promise_standing(load_facts(conn, account_id, today), fact, policy, today)
    deadline = fact.pay_by + dt.timedelta(days=policy.promise_tolerance_days)
    return PromiseResult(
        promise_id=promise_id, account=key_of(conn, account_id), made_on=fact.made_on, pay_by=fact.pay_by,
        currency=cur, amount=from_minor(amount_minor, cur), invoices=numbers, note=note,
        cancelled_on=fact.cancelled_on, standing=standing.status if standing else "cancelled",
        paid=from_minor(standing.paid_minor if standing else 0, cur), deadline=deadline,
        stage=after.stage, flags=after.flags, hold=hold_kind(after))


# ------------------------------------------------------------------------------------- cancel


def cancel_promise(db: SqliteDatabase, promise_id: int, *, today: dt.date, user: str, policy: Policy,
                   note: str | None = None) -> PromiseResult:
    """Cancel an open promise as of *today* (module docstring); its hold ends."""
    conn = db.connection()
    with db.atomic():
        row = dict(row_date(conn, "promise", "promise", promise_id, "made_on", today))
        key = key_of(conn, row["account_id"])
        acct = _load(conn, key, today, policy)
        if row["cancelled_on"]:
            raise PolicyRefusal(f"cancel refused: promise {promise_id} was already cancelled on "
                                f"{row['cancelled_on'][:10]}")
        fact = timeline.PromiseFact(dt.date.fromisoformat(row["made_on"]), dt.date.fromisoformat(row["pay_by"]),
                                    row["currency"], row["amount_minor"])
        standing = promise_standing(acct.facts, fact, policy, today)
        if standing is not None and standing.status != "open":
            raise PolicyRefusal(
                f"cancel refused: only an open promise can be cancelled: promise {promise_id} "
                f"({money_text(fact.amount_minor, fact.currency)} by {fact.pay_by}) is "
                f"{standing.status.replace('_', ' ')}"
                + (f" since {standing.deadline + dt.timedelta(days=1)}" if standing.status != "kept" else "")
                + "; it stays on the record")
        note_text = clean_note(note)
        new_note = add_note(row["note"], f"cancelled on {today}" + (f": {note_text}" if note_text else ""))
        stamp = now_stamp()
        conn.execute("UPDATE promise SET cancelled_on = ?, note = ? WHERE id = ?",
                     (today.isoformat(), new_note, promise_id))
        after = _reassess(conn, acct, today, policy)
        audit.record(conn, user=user, action="promise_cancel", entity="promise", entity_id=promise_id,
                     account_id=acct.id, at=stamp,
                     before={**_state(acct.a), "promise": {"cancelled_on": None, "note": row["note"],
                                                           "standing": standing.status if standing else None}},
                     after={**_state(after), "promise": {"cancelled_on": today.isoformat(), "note": new_note}})
        return _result(conn, promise_id, today, policy, after)
