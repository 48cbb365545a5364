"""What the app's forms need to know about an account before anything is written (reads only).

`call_form` gives the call-log form its contacts (primary first), the currency a promise is made
in and the amount it proposes.  The currency is the one `services.actions.log_activity` records a
promise in (the account's own currency when something is open in it, else the first currency
with something open, by code, else its own, else the default), so that the form checks an
amount against the minor digits the write will use.  The proposed amount is what is past due in
that currency and not in dispute (disputed amounts are not chased); when nothing is past due, the
open balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from peewee import SqliteDatabase

from arcollect_tui import timeline
from arcollect_tui.config import Policy
from arcollect_tui.money import from_minor
from arcollect_tui.services.facts import account_id_of, load_facts


@dataclass(frozen=True)
class FormContact:
    name: str
    role: str | None
    primary: bool


@dataclass(frozen=True)
class CallForm:
    key: str
    name: str
    currency: str                      # a promise's currency (see the module doc)
    overdue: Decimal                   # past due in `currency`, not in dispute
    balance: Decimal                   # open in `currency`
    suggested_promise: Decimal         # overdue, else the balance (zero when nothing is open)
    contacts: tuple[FormContact, ...]  # primary first, then by name
    stage_label: str


def call_form(db: SqliteDatabase, key: str, today: dt.date, *, policy: Policy,
              default_currency: str = "USD") -> CallForm:
    """The call-log form's data for account `key` as of `today`; InputError for an unknown key."""
    conn = db.connection()
    account_id = account_id_of(conn, key)
    key, name, own = conn.execute("SELECT key, name, currency FROM account WHERE id = ?", (account_id,)).fetchone()
    facts = load_facts(conn, account_id, today)
    assessment = timeline.assess(facts, policy, today)
    open_in = sorted(p.currency for p in assessment.positions if p.balance_minor > 0)
    if own and own in open_in:
        currency = own
    elif open_in:
        currency = open_in[0]
    else:
        currency = own or default_currency

    disputed: dict[str, int] = {}
    for d in facts.disputes:
        if d.invoice is not None and d.open_on(today):
            disputed[d.invoice] = disputed.get(d.invoice, 0) + d.amount_minor
    overdue = balance = 0
    for item in facts.items:
        if item.currency != currency:
            continue
        open_minor = item.open_on(today)
        if open_minor <= 0:
            continue
        balance += open_minor
        if item.due_date < today:
            overdue += max(0, open_minor - disputed.get(item.number, 0))
    contacts = tuple(
        FormContact(n, r, bool(p)) for n, r, p in conn.execute(
            "SELECT name, role, is_primary FROM contact WHERE account_id = ? ORDER BY is_primary DESC, name",
            (account_id,)))
    return CallForm(key, name, currency, from_minor(overdue, currency), from_minor(balance, currency),
                    from_minor(overdue or balance, currency), contacts, assessment.label)
