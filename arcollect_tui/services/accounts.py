"""Reading accounts: the list the app pages through, and one account in full, *as of* a date.

Callers get frozen dataclasses, never Peewee instances: a widget can hold them across threads
and nothing lazy runs on the UI thread.  Everything here follows the CONTRACT's *as of* rule:
invoices dated after *today* do not exist yet, and payments, credits, activities, promises,
disputes, escalations and suspension steps dated after it have not happened yet.

Open amounts come from one SQL expression (`OPEN_ITEMS_CTE`, shared with the aging report) that
uses `invoice.settled_on` to skip everything settled by *today* before touching allocations.

Disputed amount of an invoice = the disputes on it that are open as of *today*, capped at what is
still open on it.  Disputes not tied to an invoice are listed with the account but counted in no
amount (they name no item to set apart).

With a `policy`, `account_detail` also places the account on the collection timeline
(`timeline.assess` over `services.facts.load_facts`): stage, reason, next action, coming steps,
flags, hold, promise and plan standings, the stage history (`timeline.stage_history` over the last
`history_days` days: the stage on the first day, then each change), and the priority with its
breakdown, scored as the worklist scores it (same main currency, weights and FX rates).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from peewee import SqliteDatabase

from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError
from arcollect_tui.money import from_minor
from arcollect_tui.priority import Priority, PriorityWeights
from arcollect_tui.timeline import Assessment

BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "91+")


def bucket_of(days_past_due: int) -> str:
    """`current` = not yet due or due today; then 1-30, 31-60, 61-90, 91+ days past due."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "91+"


# Every invoice and credit note that exists and is not settled as of :d, with its open amount
# and its open disputed amount (capped) as of :d.  `{extra}` narrows the invoices (an account,
# a page of accounts); it must only use the alias `i`.  Rows with nothing open are kept here and
# dropped by the callers' `WHERE open_minor <> 0`.
#   MATERIALIZED: inlined, the CTE would repeat the correlated sums in every CASE of the callers'
#   aggregates, once per reference.  INDEXED BY: after ANALYZE, allocation.credit_note_id
#   (NULL on nearly every row) looks unselective and SQLite would scan allocation once per credit
#   note.  The index names are schema.sql's; renaming one there fails every test that reads.
OPEN_ITEMS_CTE = """
open_raw AS MATERIALIZED (
    SELECT i.id, i.account_id, i.number, i.kind, i.invoice_date, i.due_date, i.currency,
           i.amount_minor,
           CASE WHEN i.kind = 'invoice'
                THEN i.amount_minor - coalesce((SELECT sum(a.amount_minor) FROM allocation a INDEXED BY allocation_invoice
                                                WHERE a.invoice_id = i.id AND a.applied_on <= :d), 0)
                ELSE i.amount_minor + coalesce((SELECT sum(a.amount_minor) FROM allocation a INDEXED BY allocation_credit_note
                                                WHERE a.credit_note_id = i.id AND a.applied_on <= :d), 0)
           END AS open_minor,
           CASE WHEN i.kind = 'invoice'
                THEN coalesce((SELECT sum(s.amount_minor) FROM dispute s INDEXED BY dispute_invoice
                               WHERE s.invoice_id = i.id AND s.opened_on <= :d
                                 AND (s.resolved_on IS NULL OR s.resolved_on > :d)), 0)
                ELSE 0
           END AS disputed_raw,
           CAST(julianday(:d) - julianday(i.due_date) AS INTEGER) AS days
    FROM invoice i
    WHERE i.invoice_date <= :d AND (i.settled_on IS NULL OR i.settled_on > :d) {extra}
),
open_item AS (
    SELECT id, account_id, number, kind, invoice_date, due_date, currency, amount_minor, open_minor,
           CASE WHEN open_minor <= 0 THEN 0
                WHEN disputed_raw > open_minor THEN open_minor
                ELSE disputed_raw END AS disputed_minor,
           CASE WHEN days < 0 THEN 0 ELSE days END AS dpd
    FROM open_raw
    WHERE open_minor <> 0
)
"""


def _iso(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _money(minor: int | None, currency: str) -> Decimal:
    return from_minor(minor or 0, currency)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------------
# The list of accounts


@dataclass(frozen=True)
class CurrencyBalance:
    """What an account owes in one currency as of *today*."""

    currency: str
    balance: Decimal
    overdue: Decimal
    disputed: Decimal
    days_past_due: int


@dataclass(frozen=True)
class AccountRow:
    """One line of the account list.

    `currency`, `balance`, `overdue` and `disputed` are those of the account's main currency (its
    own `currency` when it has items open in it, else the first by code); `balances` holds every
    currency with something open.  `days_past_due` is the CONTRACT's account dpd: days since
    the due date of the oldest open invoice not wholly in dispute (0 when none is past due).
    """

    account_id: int
    key: str
    name: str
    currency: str
    balance: Decimal
    overdue: Decimal
    disputed: Decimal
    days_past_due: int
    balances: tuple[CurrencyBalance, ...] = ()

    @property
    def other_currencies(self) -> tuple[str, ...]:
        return tuple(b.currency for b in self.balances if b.currency != self.currency)


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_SEARCH_WHERE = "(:pat IS NULL OR key LIKE :pat ESCAPE '\\' OR name LIKE :pat ESCAPE '\\')"

_LIST_SQL = (
    "WITH page AS (SELECT id, key, name, currency FROM account WHERE " + _SEARCH_WHERE
    + " ORDER BY key LIMIT :limit OFFSET :offset),"
    + OPEN_ITEMS_CTE.format(extra="AND i.account_id IN (SELECT id FROM page)")
    + """
SELECT p.id, p.key, p.name, p.currency, o.currency,
       sum(o.open_minor),
       sum(CASE WHEN o.dpd > 0 THEN o.open_minor ELSE 0 END),
       sum(o.disputed_minor),
       min(CASE WHEN o.kind = 'invoice' AND o.dpd > 0 AND o.open_minor > o.disputed_minor
                THEN o.due_date END)
FROM page p LEFT JOIN open_item o ON o.account_id = p.id
GROUP BY p.id, o.currency
ORDER BY p.key, o.currency
"""
)


def list_accounts(db: SqliteDatabase, today: dt.date, *, search: str = "", limit: int | None = None,
                  offset: int = 0, default_currency: str = "USD") -> list[AccountRow]:
    """Accounts ordered by key, whose key or name contains `search` (any case), one page.

    One query: the page of accounts is chosen first (through the key index), then only its
    invoices are aggregated, so a page costs the same at 100 or 100,000 accounts.
    """
    search = search.strip()
    params = {
        "d": today.isoformat(),
        "pat": _like_pattern(search) if search else None,
        "limit": -1 if limit is None else max(0, limit),
        "offset": max(0, offset),
    }
    rows = db.connection().execute(_LIST_SQL, params).fetchall()
    out: list[AccountRow] = []
    group: list[tuple[Any, ...]] = []
    for row in rows:
        if group and group[0][0] != row[0]:
            out.append(_account_row(group, today, default_currency))
            group = []
        group.append(row)
    if group:
        out.append(_account_row(group, today, default_currency))
    return out


def _account_row(group: list[tuple[Any, ...]], today: dt.date, default_currency: str) -> AccountRow:
    account_id, key, name, own_currency = group[0][:4]
    balances: list[CurrencyBalance] = []
    for _, _, _, _, cur, bal, overdue, disputed, oldest in group:
        if cur is None:  # no open items at all (the LEFT JOIN's empty side)
            continue
        dpd = (today - dt.date.fromisoformat(oldest)).days if oldest else 0
        balances.append(CurrencyBalance(cur, _money(bal, cur), _money(overdue, cur), _money(disputed, cur), dpd))
    main = next((b for b in balances if b.currency == own_currency), balances[0] if balances else None)
    if main is None:
        cur = own_currency or default_currency
        zero = _money(0, cur)
        return AccountRow(account_id, key, name, cur, zero, zero, zero, 0, ())
    return AccountRow(account_id, key, name, main.currency, main.balance, main.overdue, main.disputed,
                      max(b.days_past_due for b in balances), tuple(balances))


def count_accounts(db: SqliteDatabase, *, search: str = "") -> int:
    """How many accounts `list_accounts` would page through for this search."""
    search = search.strip()
    params = {"pat": _like_pattern(search) if search else None}
    return db.connection().execute(f"SELECT count(*) FROM account WHERE {_SEARCH_WHERE}", params).fetchone()[0]


# --------------------------------------------------------------------------------------------
# One account in full


@dataclass(frozen=True)
class Contact:
    name: str
    role: str | None
    email: str | None
    phone: str | None
    primary: bool


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    kind: str  # 'invoice' or 'credit_note'
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    amount: Decimal
    open_amount: Decimal
    disputed: Decimal
    days_past_due: int

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_past_due)


@dataclass(frozen=True)
class Balance:
    """One currency's position: totals and the aging buckets (in BUCKETS order)."""

    currency: str
    balance: Decimal
    overdue: Decimal
    disputed: Decimal
    buckets: tuple[Decimal, ...]


@dataclass(frozen=True)
class PaymentInfo:
    paid_on: dt.date
    currency: str
    amount: Decimal
    reference: str | None
    method: str | None


@dataclass(frozen=True)
class ActivityInfo:
    occurred_on: dt.date
    channel: str
    outcome: str | None
    contact: str | None
    note: str | None
    follow_up_on: dt.date | None
    user: str


@dataclass(frozen=True)
class PromiseInfo:
    made_on: dt.date
    pay_by: dt.date
    currency: str
    amount: Decimal
    invoices: tuple[str, ...]
    note: str | None
    cancelled_on: dt.date | None  # None also when cancelled only after *today*
    user: str
    id: int | None = None  # what `promise cancel ID` takes


@dataclass(frozen=True)
class InstalmentInfo:
    seq: int  # 0 is the down payment
    due_on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class PlanInfo:
    created_on: dt.date
    currency: str
    total: Decimal
    down_payment: Decimal
    instalment_count: int
    frequency: str
    status: str  # as of *today*: an approval or cancellation dated later has not happened
    required_role: str
    approved_by: str | None
    approved_on: dt.date | None
    note: str | None
    instalments: tuple[InstalmentInfo, ...]
    id: int | None = None  # what `plan approve|reject|cancel ID` takes


@dataclass(frozen=True)
class DisputeInfo:
    invoice: str | None
    currency: str
    amount: Decimal
    reason: str
    routed_to: str
    owner: str | None
    status: str  # as of *today*: resolved later means still open
    opened_on: dt.date
    resolved_on: dt.date | None
    note: str | None
    id: int | None = None  # what `dispute status ID` takes


@dataclass(frozen=True)
class EscalationInfo:
    target: str
    reason: str
    owner: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    outcome: str | None
    id: int | None = None  # what `escalate close ID` takes


@dataclass(frozen=True)
class SuspensionEventInfo:
    kind: str  # warning, suspension, reinstatement, referral
    on_date: dt.date
    approved_by: str | None
    approver_role: str | None
    rule: str | None
    note: str | None
    user: str


@dataclass(frozen=True)
class AccountDetail:
    account_id: int
    key: str
    name: str
    currency: str | None
    country: str | None
    segment: str | None
    sales_owner: str | None
    credit_limit: Decimal | None
    credit_limit_currency: str  # the account's currency, else the configured default
    phone: str | None
    email: str | None
    address: str | None
    risk: str | None
    external_id: str | None
    distress: bool
    distress_note: str | None
    as_of: dt.date
    days_past_due: int
    balances: tuple[Balance, ...]
    contacts: tuple[Contact, ...]
    open_invoices: tuple[OpenInvoice, ...]  # oldest due first
    payments: tuple[PaymentInfo, ...]  # newest first
    activities: tuple[ActivityInfo, ...]  # newest first
    promises: tuple[PromiseInfo, ...]  # newest first
    plans: tuple[PlanInfo, ...]
    disputes: tuple[DisputeInfo, ...]
    escalations: tuple[EscalationInfo, ...]
    suspension_events: tuple[SuspensionEventInfo, ...]  # in date order
    # On the timeline (only when account_detail was given a policy):
    assessment: Assessment | None = None
    priority: Priority | None = None
    main_currency: str | None = None                     # the worklist's: whose amounts it shows
    stage_history: tuple[tuple[dt.date, str], ...] = ()  # (first day, stage): the start, then each change


def account_detail(db: SqliteDatabase, key: str, today: dt.date, *, default_currency: str = "USD",
                   policy: Policy | None = None, weights: PriorityWeights | None = None,
                   fx: dict[str, Decimal] | None = None, history_days: int = 365) -> AccountDetail:
    """Everything about one account as of `today`.  Unknown key: InputError naming near keys.

    With `policy`: its place on the timeline and its priority too (module docstring)."""
    conn = db.connection()
    d = today.isoformat()
    row = conn.execute(
        "SELECT id, key, name, currency, country, segment, sales_owner, credit_limit_minor, phone, email,"
        " address, risk, external_id, distress, distress_note FROM account WHERE key = ?", (key,)
    ).fetchone()
    if row is None:
        raise InputError(_unknown_key_message(conn, key))
    (acct, key, name, currency, country, segment, sales_owner, limit_minor, phone, email, address, risk,
     external_id, distress, distress_note) = row

    items = _open_invoices(conn, acct, today)
    balances = _balances(items)
    dpd = max((i.days_past_due for i in items
               if i.kind == "invoice" and i.days_past_due > 0 and i.open_amount > i.disputed), default=0)

    contacts = tuple(
        Contact(n, r, e, p, bool(pr)) for n, r, e, p, pr in conn.execute(
            "SELECT name, role, email, phone, is_primary FROM contact WHERE account_id = ?"
            " ORDER BY is_primary DESC, name", (acct,))
    )
    payments = tuple(
        PaymentInfo(dt.date.fromisoformat(on), cur, _money(amt, cur), ref, method)
        for on, cur, amt, ref, method in conn.execute(
            "SELECT paid_on, currency, amount_minor, reference, method FROM payment"
            " WHERE account_id = ? AND paid_on <= ? ORDER BY paid_on DESC, id DESC", (acct, d))
    )
    activities = tuple(
        ActivityInfo(dt.date.fromisoformat(on), ch, outcome, contact, note, _iso(fu), user)
        for on, ch, outcome, contact, note, fu, user in conn.execute(
            "SELECT a.occurred_on, a.channel, a.outcome, c.name, a.note, a.follow_up_on, a.user"
            " FROM activity a LEFT JOIN contact c ON c.id = a.contact_id"
            " WHERE a.account_id = ? AND a.occurred_on <= ?"
            " ORDER BY a.occurred_on DESC, a.occurred_at DESC, a.id DESC", (acct, d))
    )
    promises = _promises(conn, acct, d)
    plans = _plans(conn, acct, d)
    disputes = tuple(
        DisputeInfo(inv, cur, _money(amt, cur), reason, routed, owner,
                    status if (resolved is None or resolved <= d) else "open",
                    dt.date.fromisoformat(opened), _iso(resolved) if resolved and resolved <= d else None, note,
                    sid)
        for inv, cur, amt, reason, routed, owner, status, opened, resolved, note, sid in conn.execute(
            "SELECT i.number, s.currency, s.amount_minor, s.reason, s.routed_to, s.owner, s.status,"
            " s.opened_on, s.resolved_on, s.note, s.id FROM dispute s LEFT JOIN invoice i ON i.id = s.invoice_id"
            " WHERE s.account_id = ? AND s.opened_on <= ? ORDER BY s.opened_on, s.id", (acct, d))
    )
    escalations = tuple(
        EscalationInfo(target, reason, owner, dt.date.fromisoformat(opened),
                       _iso(closed) if closed and closed <= d else None,
                       outcome if closed and closed <= d else None, eid)
        for target, reason, owner, opened, closed, outcome, eid in conn.execute(
            "SELECT target, reason, owner, opened_on, closed_on, outcome, id FROM escalation"
            " WHERE account_id = ? AND opened_on <= ? ORDER BY opened_on, id", (acct, d))
    )
    events = tuple(
        SuspensionEventInfo(kind, dt.date.fromisoformat(on), by, role, rule, note, user)
        for kind, on, by, role, rule, note, user in conn.execute(
            "SELECT kind, on_date, approved_by, approver_role, rule, note, user FROM suspension_event"
            " WHERE account_id = ? AND on_date <= ? ORDER BY on_date, id", (acct, d))
    )
    limit_currency = currency or default_currency
    timeline: dict[str, Any] = {}
    if policy is not None:
        timeline = _on_timeline(conn, acct, currency, balances, today, policy, weights, fx, history_days,
                                default_currency)
    return AccountDetail(
        account_id=acct, key=key, name=name, currency=currency, country=country, segment=segment,
        sales_owner=sales_owner,
        credit_limit=None if limit_minor is None else _money(limit_minor, limit_currency),
        credit_limit_currency=limit_currency,
        phone=phone, email=email, address=address, risk=risk, external_id=external_id,
        distress=bool(distress), distress_note=distress_note, as_of=today, days_past_due=dpd,
        balances=balances, contacts=contacts, open_invoices=items, payments=payments,
        activities=activities, promises=promises, plans=plans, disputes=disputes,
        escalations=escalations, suspension_events=events, **timeline,
    )


def _on_timeline(conn: sqlite3.Connection, acct: int, currency: str | None, balances: tuple[Balance, ...],
                 today: dt.date, policy: Policy, weights: PriorityWeights | None, fx: dict[str, Decimal] | None,
                 history_days: int, default_currency: str) -> dict[str, Any]:
    from arcollect_tui.priority import priority
    from arcollect_tui.services.facts import load_facts
    from arcollect_tui.services.worklist import main_currency
    from arcollect_tui.timeline import assess, stage_history

    facts = load_facts(conn, acct, today)
    assessment = assess(facts, policy, today)
    main = main_currency(currency, {b.currency: b.balance for b in balances}) or currency or default_currency
    start = today - dt.timedelta(days=max(0, history_days))
    return {
        "assessment": assessment,
        "priority": priority(assessment, weights, fx, main_currency=main),
        "main_currency": main,
        "stage_history": tuple(stage_history(facts, policy, start, today)),
    }


def _unknown_key_message(conn: sqlite3.Connection, key: str) -> str:
    """Say the key is unknown, and name up to five keys that contain it or match in any case."""
    probe = key.strip()
    near: list[str] = []
    if probe:
        near = [r[0] for r in conn.execute(
            "SELECT key FROM account WHERE key LIKE :pat ESCAPE '\\' ORDER BY length(key), key LIMIT 5",
            {"pat": _like_pattern(probe)})]
    hint = (f"; did you mean {', '.join(repr(k) for k in near)}?" if near
            else "; list the accounts in the app, or check the key in your import file")
    return f"account: {key!r}: no account has this key{hint}"


def _open_invoices(conn: sqlite3.Connection, account_id: int, today: dt.date) -> tuple[OpenInvoice, ...]:
    sql = ("WITH " + OPEN_ITEMS_CTE.format(extra="AND i.account_id = :acct")
           + " SELECT number, kind, invoice_date, due_date, currency, amount_minor, open_minor,"
             " disputed_minor, dpd FROM open_item ORDER BY due_date, invoice_date, number")
    return tuple(
        OpenInvoice(number, kind, dt.date.fromisoformat(inv_date), dt.date.fromisoformat(due), cur,
                    _money(amount, cur), _money(open_minor, cur), _money(disputed, cur), dpd)
        for number, kind, inv_date, due, cur, amount, open_minor, disputed, dpd
        in conn.execute(sql, {"d": today.isoformat(), "acct": account_id})
    )


def _balances(items: Iterable[OpenInvoice]) -> tuple[Balance, ...]:
    sums: dict[str, dict[str, Decimal]] = {}
    for item in items:
        cur = sums.setdefault(item.currency, {k: _money(0, item.currency) for k in
                                              ("balance", "overdue", "disputed", *BUCKETS)})
        cur["balance"] += item.open_amount
        cur["disputed"] += item.disputed
        cur[item.bucket] += item.open_amount
        if item.days_past_due > 0:
            cur["overdue"] += item.open_amount
    return tuple(
        Balance(c, s["balance"], s["overdue"], s["disputed"], tuple(s[b] for b in BUCKETS))
        for c, s in sorted(sums.items())
    )


def _promises(conn: sqlite3.Connection, account_id: int, d: str) -> tuple[PromiseInfo, ...]:
    rows = conn.execute(
        "SELECT p.id, p.made_on, p.pay_by, p.currency, p.amount_minor, p.note, p.cancelled_on, p.user,"
        " (SELECT group_concat(number, char(31)) FROM (SELECT i.number FROM promise_invoice pi"
        "  JOIN invoice i ON i.id = pi.invoice_id WHERE pi.promise_id = p.id ORDER BY i.number))"
        " FROM promise p WHERE p.account_id = ? AND p.made_on <= ? ORDER BY p.made_on DESC, p.id DESC",
        (account_id, d)).fetchall()
    return tuple(
        PromiseInfo(dt.date.fromisoformat(made), dt.date.fromisoformat(pay_by), cur, _money(amt, cur),
                    tuple(numbers.split("\x1f")) if numbers else (), note,
                    _iso(cancelled) if cancelled and cancelled[:10] <= d else None, user, pid)
        for pid, made, pay_by, cur, amt, note, cancelled, user, numbers in rows
    )


def _plans(conn: sqlite3.Connection, account_id: int, d: str) -> tuple[PlanInfo, ...]:
    plans = conn.execute(
        "SELECT id, created_on, currency, total_minor, down_payment_minor, instalment_count, frequency,"
        " status, required_role, approved_by, approved_on, cancelled_on, note FROM payment_plan"
        " WHERE account_id = ? AND created_on <= ? ORDER BY created_on, id", (account_id, d)).fetchall()
    out: list[PlanInfo] = []
    for (pid, created, cur, total, down, count, freq, status, role, approved_by, approved_on,
         cancelled_on, note) in plans:
        if status == "cancelled" and cancelled_on and cancelled_on[:10] > d:
            status = "approved" if approved_on and approved_on[:10] <= d else "pending"
        elif status in ("approved", "cancelled") and approved_on and approved_on[:10] > d:
            status = "pending"
        shown_approved = approved_on if approved_on and approved_on[:10] <= d else None
        instalments = tuple(
            InstalmentInfo(seq, dt.date.fromisoformat(due), _money(amt, cur))
            for seq, due, amt in conn.execute(
                "SELECT seq, due_on, amount_minor FROM plan_instalment WHERE plan_id = ? ORDER BY seq", (pid,))
        )
        out.append(PlanInfo(dt.date.fromisoformat(created[:10]), cur, _money(total, cur), _money(down, cur),
                            count, freq, status, role, approved_by if shown_approved else None,
                            _iso(shown_approved[:10]) if shown_approved else None, note, instalments, pid))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# JSON (the `account --format json` document; keys are listed in cli/cmd_account.py)


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def detail_to_json(detail: AccountDetail) -> dict[str, Any]:
    """The CONTRACT's conventions: amounts as strings with the currency's minor digits, ISO dates."""
    return {**_detail_fields(detail), **_timeline_to_json(detail)}


def _timeline_to_json(detail: AccountDetail) -> dict[str, Any]:
    """The timeline keys (cli/cmd_account.py lists them); none without an assessment."""
    a, p = detail.assessment, detail.priority
    if a is None or p is None:
        return {}
    from arcollect_tui.money import format_minor
    from arcollect_tui.timeline import STAGE_LABELS

    return {
        "stage": a.stage,
        "stage_label": a.label,
        "color": a.color,
        "reason": a.reason,
        "next_action": a.next_action,
        "next_action_due": _d(a.next_action_due),
        "needs_action": a.needs_action,
        "anchor": a.anchor,
        "coming": [{"date": _d(c.on), "text": c.text} for c in a.coming],
        "flags": list(a.flags),
        "hold": None if a.hold is None else {"kind": a.hold.kind, "since": _d(a.hold.since),
                                            "until": _d(a.hold.until), "text": a.hold.text},
        "warning_on": _d(a.warning_on),
        "suspended_on": _d(a.suspended_on),
        "last_contact": _d(a.last_contact),
        "follow_up_on": _d(a.follow_up_on),
        "promise_standings": [
            {"made_on": _d(s.promise.made_on), "pay_by": _d(s.promise.pay_by), "currency": s.promise.currency,
             "amount": format_minor(s.promise.amount_minor, s.promise.currency), "status": s.status,
             "paid": format_minor(s.paid_minor, s.promise.currency), "deadline": _d(s.deadline)}
            for s in a.promises
        ],
        "plan_standings": [
            {"created_on": _d(s.plan.created_on), "currency": s.plan.currency, "status": s.status,
             "paid": format_minor(s.paid_minor, s.plan.currency), "next_due": _d(s.next_due),
             "defaulted_on": _d(s.defaulted_on)}
            for s in a.plans
        ],
        "stage_history": [{"date": _d(day), "stage": stage, "stage_label": STAGE_LABELS[stage]}
                          for day, stage in detail.stage_history],
        "priority": p.score,
        "priority_currency": detail.main_currency,
        "priority_parts": [{"part": name, "points": points, "why": why} for name, points, why in p.parts],
    }


def _detail_fields(detail: AccountDetail) -> dict[str, Any]:
    return {
        "as_of": detail.as_of.isoformat(),
        "account": detail.key,
        "name": detail.name,
        "currency": detail.currency,
        "country": detail.country,
        "segment": detail.segment,
        "sales_owner": detail.sales_owner,
        "credit_limit": _text(detail.credit_limit),
        "credit_limit_currency": detail.credit_limit_currency if detail.credit_limit is not None else None,
        "phone": detail.phone,
        "email": detail.email,
        "address": detail.address,
        "risk": detail.risk,
        "external_id": detail.external_id,
        "distress": detail.distress,
        "distress_note": detail.distress_note,
        "days_past_due": detail.days_past_due,
        "balances": [
            {"currency": b.currency, "balance": str(b.balance), "overdue": str(b.overdue),
             "disputed": str(b.disputed), **{name: str(v) for name, v in zip(BUCKETS, b.buckets)}}
            for b in detail.balances
        ],
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone, "primary": c.primary}
            for c in detail.contacts
        ],
        "open_invoices": [
            {"invoice": i.number, "kind": i.kind, "invoice_date": _d(i.invoice_date), "due_date": _d(i.due_date),
             "currency": i.currency, "amount": str(i.amount), "open_amount": str(i.open_amount),
             "disputed": str(i.disputed), "days_past_due": i.days_past_due, "bucket": i.bucket}
            for i in detail.open_invoices
        ],
        "payments": [
            {"date": _d(p.paid_on), "currency": p.currency, "amount": str(p.amount), "reference": p.reference,
             "method": p.method}
            for p in detail.payments
        ],
        "activities": [
            {"date": _d(a.occurred_on), "channel": a.channel, "outcome": a.outcome, "contact": a.contact,
             "note": a.note, "follow_up": _d(a.follow_up_on), "user": a.user}
            for a in detail.activities
        ],
        "promises": [
            {"id": p.id, "made_on": _d(p.made_on), "pay_by": _d(p.pay_by), "currency": p.currency, "amount": str(p.amount),
             "invoices": list(p.invoices), "note": p.note, "cancelled_on": _d(p.cancelled_on), "user": p.user}
            for p in detail.promises
        ],
        "plans": [
            {"id": p.id, "created_on": _d(p.created_on), "currency": p.currency, "total": str(p.total),
             "down_payment": str(p.down_payment), "instalment_count": p.instalment_count,
             "frequency": p.frequency, "status": p.status, "required_role": p.required_role,
             "approved_by": p.approved_by, "approved_on": _d(p.approved_on), "note": p.note,
             "instalments": [{"seq": s.seq, "due_on": _d(s.due_on), "amount": str(s.amount)}
                             for s in p.instalments]}
            for p in detail.plans
        ],
        "disputes": [
            {"id": s.id, "invoice": s.invoice, "currency": s.currency, "amount": str(s.amount), "reason": s.reason,
             "routed_to": s.routed_to, "owner": s.owner, "status": s.status, "opened_on": _d(s.opened_on),
             "resolved_on": _d(s.resolved_on), "note": s.note}
            for s in detail.disputes
        ],
        "escalations": [
            {"id": e.id, "target": e.target, "reason": e.reason, "owner": e.owner, "opened_on": _d(e.opened_on),
             "closed_on": _d(e.closed_on), "outcome": e.outcome}
            for e in detail.escalations
        ],
        "suspension_events": [
            {"kind": e.kind, "date": _d(e.on_date), "approved_by": e.approved_by,
             "approver_role": e.approver_role, "rule": e.rule, "note": e.note, "user": e.user}
            for e in detail.suspension_events
        ],
    }
