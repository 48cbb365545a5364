"""The worklist: every account's place on the timeline and its priority, as of *today*.

`queue(db, today, policy, weights)` gives the rows of `arcollect queue` in priority order
(`priority.rank_key`: score, then days past due, then key).  By default the accounts that need an
action (`Assessment.needs_action`: a next action due today or overdue); with `include_all`, every
account with an open item as of *today* (plus any that needs an action: a suspended account with
nothing left to pay needs reinstating).

Amounts of a row are in the account's *main currency*: the account's own `currency` when it has
open items in it, else the currency with the largest open balance (ties: the first code
alphabetically).  `balance`, `overdue` and `disputed` are those of the `account` view: open
invoices and open credit notes (a credit note past its due date counts as overdue), disputes
open on an invoice capped at what is open on it.  Other currencies stay in `assessment.positions`.

How it stays fast
-----------------
*Bulk facts.*  The timeline's `Facts` for all accounts come from about ten set-based queries, not
one per account (`bulk_facts`).  With a `policy` they are *pruned* to what the timeline can use
for *today* (the assessment is the same as from `services.facts.load_facts`; tests prove it):

* invoices open as of *today*, and, for accounts with something that may hold them (a promise
  still inside its deadline, an approved plan, open disputes), the invoices settled after the
  earliest day such a hold can have begun (the stage is taken as of the hold's start);
* promises: the latest (by made, then pay-by date) and those still inside their deadline, not
  cancelled; payments only for accounts with such promises or plans, and only those the
  standings count (from a promise's making to its deadline, from a plan's creation);
* activities: only those the timeline can tell apart from all of them (`_telling`: the latest of
  each channel, the latest that set a follow-up date, the latest two), picked from the last
  `ACTIVITY_WINDOW_DAYS` days when the window holds the latest contact and follow-up setter and
  every "called / written since DAY" the timeline may ask, else from the account's whole history;
* disputes, plans, suspension steps and escalations whole (they are small).

Without a `policy`, `bulk_facts` gives exactly what `load_facts` gives (the reference the tests use).

*A cache of computed rows*, keyed by the database file, *today*, the settings (policy, weights,
FX rates, default currency, and a fingerprint of the code) and the data version
(`max(audit_log.id)`: every write adds an audit row in its own transaction).  When only the data
version moved, the accounts named by the new audit rows are recomputed and the rest kept; an
audit row without an account (an import batch, a migration) recomputes everything, except
`backup`, which changes no facts.  The cache lives in the table `queue_cache` when the schema has
it (schema version 3: shared by every process, so the CLI gains too) and in this process otherwise.
Rows read back from the table carry no `assessment` (None); compute one with
`services.facts.load_facts` and `timeline.assess`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import json
import os
import sqlite3
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import peewee
from peewee import SqliteDatabase

from arcollect_tui.config import Policy
from arcollect_tui.money import from_minor
from arcollect_tui.priority import Priority, PriorityWeights, priority as score, rank_key
from arcollect_tui.timeline import (
    STAGE_COLORS, STAGE_LABELS, Assessment, ContactFact, DisputeFact, EscalationFact, Facts, Item,
    PaymentFact, PlanFact, PromiseFact, StepFact, assess,
)

_d = dt.date.fromisoformat
_DAY = dt.timedelta(days=1)

# The timeline's "last contact" channels (timeline.assess); pruning activities relies on them.
CONTACT_CHANNELS: tuple[str, ...] = ("call", "email", "meeting", "letter")
# Activities read for every account: this many days back from *today* (older ones only when needed).
ACTIVITY_WINDOW_DAYS = 90
# Audit actions that change no fact the worklist reads (an export writes one row per account).
_HARMLESS_ACTIONS = ("backup", "export")


def _od(value: str | None) -> dt.date | None:
    return _d(value) if value else None


# ------------------------------------------------------------------------------------------ rows

@dataclass(frozen=True)
class QueueRow:
    """One line of the worklist (the CONTRACT's queue fields, then what explains them)."""

    account_id: int
    account: str                      # the key, as imported
    name: str
    currency: str                     # the main currency (module docstring)
    balance: Decimal
    overdue: Decimal
    disputed: Decimal
    days_past_due: int
    stage: str
    stage_label: str
    color: str
    next_action: str | None
    next_action_due: dt.date | None
    priority: float
    flags: tuple[str, ...]
    needs_action: bool
    reason: str
    breakdown: Priority
    assessment: Assessment | None = None   # None when read back from the queue_cache table
    hold: str | None = None                # promise, plan or dispute: what holds the account
    last_contact: dt.date | None = None    # the last call, email, meeting or letter

    @property
    def rank(self) -> tuple[float, int, str]:
        return rank_key(self.priority, self.days_past_due, self.account)

    def to_json(self) -> dict[str, Any]:
        """The `queue --format json` object (CONTRACT): amounts as strings with the currency's
        minor digits, the date ISO or null, the priority a number; `reason` added."""
        return {
            "account": self.account, "name": self.name, "currency": self.currency,
            "balance": str(self.balance), "overdue": str(self.overdue), "disputed": str(self.disputed),
            "days_past_due": self.days_past_due, "stage": self.stage, "stage_label": self.stage_label,
            "color": self.color, "next_action": self.next_action,
            "next_action_due": self.next_action_due.isoformat() if self.next_action_due else None,
            "priority": self.priority, "flags": list(self.flags), "reason": self.reason, "hold": self.hold,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
        }


# ---------------------------------------------------------------------------------- bulk facts

class _Book:
    """One account's rows while the bulk queries run; `facts()` turns them into `Facts`."""

    __slots__ = ("key", "name", "currency", "distress", "items", "paid", "credit", "disputes", "payments",
                 "promises", "plans", "steps", "contacts", "escalations")

    def __init__(self, key: str, name: str, currency: str | None, distress: bool) -> None:
        self.key, self.name, self.currency, self.distress = key, name, currency, distress
        self.items: dict[int, tuple[str, str, str, str, int]] = {}   # id -> number, dated, due, cur, amount
        self.paid: dict[int, list[tuple[dt.date, int]]] = {}
        self.credit: list[tuple[str, str, int]] = []                 # open credit notes: cur, due, open
        self.disputes: list[DisputeFact] = []
        self.payments: list[PaymentFact] = []
        self.promises: list[PromiseFact] = []
        self.plans: list[PlanFact] = []
        self.steps: list[StepFact] = []
        self.contacts: list[tuple[str, int, ContactFact]] = []       # (occurred_on, id, fact)
        self.escalations: list[EscalationFact] = []

    def facts(self) -> Facts:
        items = tuple(
            Item(number, _d(dated), _d(due), cur, amount, tuple(sorted(self.paid.get(iid, ()))))
            for iid, (number, dated, due, cur, amount) in sorted(self.items.items(), key=lambda kv: (kv[1][2], kv[0]))
        )
        self.contacts.sort(key=lambda c: (c[0], c[1]))
        return Facts(self.key, items, tuple(self.disputes), tuple(self.payments), tuple(self.promises),
                     tuple(self.plans), tuple(self.steps), tuple(c for _, _, c in self.contacts),
                     tuple(self.escalations), self.distress)

    def past_due_from(self, today: str) -> str | None:
        """The due date of the oldest loaded invoice past due (the earliest any anchor can be)."""
        return min((due for _, _, due, _, _ in self.items.values() if due < today), default=None)


def _ids_filter(column: str, ids: list[int] | None) -> str:
    return "" if ids is None else f" AND {column} IN (SELECT value FROM json_each(:ids))"


class _Loader:
    """The bulk queries (module docstring).  `policy` None: no pruning (what load_facts loads)."""

    def __init__(self, conn: sqlite3.Connection, today: dt.date, policy: Policy | None,
                 account_ids: Iterable[int] | None) -> None:
        self.conn, self.today, self.policy = conn, today, policy
        self.ids = None if account_ids is None else sorted(set(account_ids))
        self.p: dict[str, Any] = {"d": today.isoformat(), "ids": json.dumps(self.ids)}
        self.books: dict[int, _Book] = {}

    def run(self) -> dict[int, _Book]:
        prune = self.policy is not None
        self._accounts()
        self._items()
        self._steps()
        if prune and self.ids is None:
            # Only accounts that can be on the worklist: an open item, or a suspension (to reinstate).
            self.books = {acct: book for acct, book in self.books.items()
                          if book.items or book.credit or any(s.kind == "suspension" for s in book.steps)}
        self._disputes()
        self._promises()
        self._plans()
        self._escalations()
        if prune:
            self._hold_items()
        self._payments()
        self._activities()
        return self.books

    def _q(self, sql: str, extra: Mapping[str, Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, {**self.p, **extra} if extra else self.p)

    def _accounts(self) -> None:
        for acct, key, name, currency, distress in self._q(
                "SELECT id, key, name, currency, distress FROM account WHERE 1" + _ids_filter("id", self.ids)):
            self.books[acct] = _Book(key, name, currency, bool(distress))

    # -- invoices
    _ITEM_COLUMNS = """i.id, i.account_id, i.number, i.kind, i.invoice_date, i.due_date, i.currency, i.amount_minor,
        a.applied_on, a.amount_minor,
        CASE WHEN i.kind = 'credit_note' THEN coalesce((
            SELECT sum(c.amount_minor) FROM allocation c INDEXED BY allocation_credit_note
            WHERE c.credit_note_id = i.id AND c.applied_on <= :d), 0) END"""

    def _items(self) -> None:
        if self.policy is None:
            where = "i.invoice_date <= :d"
            hint = ""
        else:
            where = "i.invoice_date <= :d AND (i.settled_on IS NULL OR i.settled_on > :d)"
            hint = "NOT INDEXED" if self.ids is None and self._open_share() > 0.05 else ""
        self._take_items(self._q(
            f"SELECT {self._ITEM_COLUMNS} FROM invoice i {hint}"
            " LEFT JOIN allocation a INDEXED BY allocation_invoice ON a.invoice_id = i.id AND a.applied_on <= :d"
            f" WHERE {where}" + _ids_filter("i.account_id", self.ids)), open_only=self.policy is not None)

    def _open_share(self) -> float:
        """Share of invoices open as of today: past a few percent, one scan beats index lookups."""
        total = self._q("SELECT max(id) FROM invoice").fetchone()[0] or 0
        if not total:
            return 0.0
        open_count = self._q("SELECT count(*) FROM invoice WHERE settled_on IS NULL OR settled_on > :d").fetchone()[0]
        return open_count / total

    def _take_items(self, rows: Iterable[tuple], *, open_only: bool) -> None:
        books = self.books
        for iid, acct, number, kind, dated, due, cur, amount, applied_on, applied, credited in rows:
            book = books.get(acct)
            if book is None:
                continue
            if kind == "invoice":
                if iid not in book.items:
                    book.items[iid] = (number, dated, due, cur, amount)
                if applied_on is not None:
                    book.paid.setdefault(iid, []).append((_d(applied_on), applied))
            elif open_only:
                open_minor = amount + credited
                if open_minor:
                    book.credit.append((cur, due, open_minor))

    def _hold_items(self) -> None:
        """Invoices settled after the earliest day a hold can have begun (the stage is frozen then)."""
        tolerance = dt.timedelta(days=self.policy.promise_tolerance_days)
        today = self.today
        since: dict[int, dt.date] = {}

        def earliest(acct: int, day: dt.date) -> None:
            if acct not in since or day < since[acct]:
                since[acct] = day

        for acct, book in self.books.items():
            for p in book.promises:
                if p.pay_by + tolerance >= today:
                    earliest(acct, p.made_on)
            for plan in book.plans:
                if plan.approved_on is not None and plan.approved_on <= today and (
                        plan.cancelled_on is None or plan.cancelled_on > today):
                    earliest(acct, min(plan.approved_on, plan.created_on))
            for x in book.disputes:
                if x.invoice is not None and x.open_on(today):
                    earliest(acct, x.opened_on - _DAY)
        if not since:
            return
        pairs = json.dumps({str(acct): day.isoformat() for acct, day in since.items()})
        self._take_items(self._q(
            f"SELECT {self._ITEM_COLUMNS} FROM json_each(:pairs) j"
            " JOIN invoice i ON i.account_id = CAST(j.key AS INTEGER)"
            " LEFT JOIN allocation a INDEXED BY allocation_invoice ON a.invoice_id = i.id AND a.applied_on <= :d"
            " WHERE i.kind = 'invoice' AND i.invoice_date <= :d AND i.settled_on > j.value AND i.settled_on <= :d",
            {"pairs": pairs}), open_only=False)

    # -- the small tables
    def _disputes(self) -> None:
        books = self.books
        for acct, number, amount, opened, resolved in self._q(
                "SELECT x.account_id, i.number, x.amount_minor, x.opened_on, x.resolved_on FROM dispute x"
                " LEFT JOIN invoice i ON i.id = x.invoice_id WHERE x.opened_on <= :d"
                + _ids_filter("x.account_id", self.ids)):
            if acct in books:
                books[acct].disputes.append(DisputeFact(number, amount, _d(opened), _od(resolved)))

    def _promises(self) -> None:
        books = self.books
        live = "" if self.policy is None else " AND (cancelled_on IS NULL OR cancelled_on > :d)"
        rows = self._q("SELECT account_id, made_on, pay_by, currency, amount_minor, cancelled_on FROM promise"
                       " WHERE made_on <= :d" + live + _ids_filter("account_id", self.ids) + " ORDER BY id")
        if self.policy is None:
            kept = [r for r in rows if r[0] in books]
        else:
            # The latest promise (the broken_promise flag) and any still inside its deadline (a hold).
            open_from = (self.today - dt.timedelta(days=self.policy.promise_tolerance_days)).isoformat()
            newest: dict[int, tuple[str, str]] = {}
            candidates = []
            for r in rows:
                if r[0] in books:
                    candidates.append(r)
                    if r[0] not in newest or (r[1], r[2]) > newest[r[0]]:
                        newest[r[0]] = (r[1], r[2])
            kept = [r for r in candidates if r[2] >= open_from or (r[1], r[2]) == newest[r[0]]]
        for acct, made, by, cur, amount, cancelled in kept:
            books[acct].promises.append(PromiseFact(_d(made), _d(by), cur, amount, _od(cancelled)))

    def _plans(self) -> None:
        books = self.books
        instalments: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for plan_id, due, amount in self._q(
                "SELECT s.plan_id, s.due_on, s.amount_minor FROM plan_instalment s"
                " JOIN payment_plan p ON p.id = s.plan_id"
                " WHERE p.created_on <= :d" + _ids_filter("p.account_id", self.ids) + " ORDER BY s.plan_id, s.seq"):
            instalments[plan_id].append((_d(due), amount))
        for pid, acct, created, approved, cur, cancelled in self._q(
                "SELECT id, account_id, created_on, approved_on, currency, cancelled_on FROM payment_plan"
                " WHERE created_on <= :d AND status <> 'rejected'" + _ids_filter("account_id", self.ids)
                + " ORDER BY id"):
            if acct in books:
                books[acct].plans.append(PlanFact(_d(created), _od(approved), cur,
                                                  tuple(instalments.get(pid, ())), _od(cancelled)))

    def _steps(self) -> None:
        books = self.books
        for acct, kind, on in self._q(
                "SELECT account_id, kind, on_date FROM suspension_event WHERE on_date <= :d"
                + _ids_filter("account_id", self.ids) + " ORDER BY account_id, on_date, id"):
            if acct in books:
                books[acct].steps.append(StepFact(kind, _d(on)))

    def _escalations(self) -> None:
        books = self.books
        for acct, opened, closed in self._q(
                "SELECT account_id, opened_on, closed_on FROM escalation WHERE opened_on <= :d"
                + _ids_filter("account_id", self.ids)):
            if acct in books:
                books[acct].escalations.append(EscalationFact(_d(opened), _od(closed)))

    # -- the big tables
    def _payments(self) -> None:
        books = self.books
        if self.policy is None:
            rows = self._q("SELECT id, account_id, paid_on, currency, amount_minor FROM payment WHERE paid_on <= :d"
                           + _ids_filter("account_id", self.ids))
        else:
            # Standings count payments from a promise's making to its deadline, and from a plan's creation.
            tolerance = dt.timedelta(days=self.policy.promise_tolerance_days)
            spans = []
            for acct, book in books.items():
                spans.extend([acct, p.made_on.isoformat(), min(self.today, p.pay_by + tolerance).isoformat()]
                             for p in book.promises)
                spans.extend([acct, p.created_on.isoformat(), self.p["d"]] for p in book.plans)
            if not spans:
                return
            rows = self._q("SELECT DISTINCT p.id, p.account_id, p.paid_on, p.currency, p.amount_minor"
                           " FROM json_each(:spans) j JOIN payment p ON p.account_id = json_extract(j.value, '$[0]')"
                           " AND p.paid_on >= json_extract(j.value, '$[1]') AND p.paid_on <= json_extract(j.value, '$[2]')",
                           {"spans": json.dumps(spans)})
        for _, acct, on, cur, amount in sorted(rows, key=lambda r: r[0]):
            if acct in books:
                books[acct].payments.append(PaymentFact(_d(on), cur, amount))

    _ACTIVITY = "SELECT id, account_id, occurred_on, channel, outcome, follow_up_on FROM activity"

    def _activities(self) -> None:
        """Pruned: for each account only the activities the timeline can tell apart (`_telling`),
        from the last ACTIVITY_WINDOW_DAYS days when those suffice, else from its whole history."""
        books = self.books
        if self.policy is None:
            self._take_activities(self._q(
                self._ACTIVITY + " WHERE occurred_on <= :d" + _ids_filter("account_id", self.ids)), reduce=False)
            return
        floor = (self.today - dt.timedelta(days=ACTIVITY_WINDOW_DAYS)).isoformat()
        hint = "NOT INDEXED" if self.ids is None else ""
        window = self._take_activities(self._q(
            f"SELECT id, account_id, occurred_on, channel, outcome, follow_up_on FROM activity {hint}"
            " WHERE occurred_on <= :d AND occurred_on >= :floor" + _ids_filter("account_id", self.ids),
            {"floor": floor}), reduce=True)
        # The window suffices when it holds the latest contact and the latest follow-up setter, and
        # when every "has anyone written / called since DAY" the timeline may ask has DAY in it or
        # is answered by an email or letter and a call or meeting inside it.
        p = self.policy
        offset = dt.timedelta(days=min(p.reminder_from_dpd, p.follow_up_from_dpd, p.warning_from_dpd + 1))
        d = self.p["d"]
        short: list[int] = []
        for acct, book in books.items():
            channels = window.get(acct, set())
            oldest_due = book.past_due_from(d)
            both_kinds = channels.intersection(("email", "letter")) and channels.intersection(("call", "meeting"))
            if (not channels.intersection(CONTACT_CHANNELS) or "+follow_up" not in channels
                    or (oldest_due is not None and (_d(oldest_due) + offset).isoformat() < floor and not both_kinds)):
                short.append(acct)
        if short:
            for acct in short:
                books[acct].contacts.clear()
            self._take_activities(self._q(
                self._ACTIVITY + " WHERE occurred_on <= :d AND account_id IN (SELECT value FROM json_each(:short))",
                {"short": json.dumps(short)}), reduce=True)

    def _take_activities(self, rows: Iterable[tuple], *, reduce: bool) -> dict[int, set[str]]:
        """Add the rows' activities; with `reduce`, only the telling ones.  Returns, per account,
        the channels seen (and "+follow_up" when one set a follow-up date)."""
        books = self.books
        per_account: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            if row[1] in books:
                per_account[row[1]].append(row)
        seen: dict[int, set[str]] = {}
        for acct, found in per_account.items():
            found.sort(key=lambda r: (r[2], r[0]))
            channels = {r[3] for r in found}
            if any(r[5] is not None for r in found):
                channels.add("+follow_up")
            seen[acct] = channels
            contacts = books[acct].contacts
            for aid, _, on, channel, outcome, follow in (_telling(found) if reduce else found):
                contacts.append((on, aid, ContactFact(_d(on), channel, outcome, _od(follow))))
        return seen


def _telling(rows: list[tuple]) -> list[tuple]:
    """The activities (sorted by date, id) the timeline can tell apart from all of them: the
    latest of each channel (the last contact; "has anyone called / written since DAY"), the latest
    that set a follow-up date (the setter) and the latest two (is the follow-up done: is there
    another activity on or after its date).  `timeline.assess` gives the same answer from these."""
    keep: set[int] = {len(rows) - 1, len(rows) - 2}
    last_channel: dict[str, int] = {}
    setter = -1
    for i, row in enumerate(rows):
        last_channel[row[3]] = i
        if row[5] is not None:
            setter = i
    keep.update(last_channel.values())
    keep.add(setter)
    return [rows[i] for i in sorted(keep) if i >= 0]


def bulk_facts(conn: sqlite3.Connection, today: dt.date, policy: Policy | None = None, *,
               account_ids: Iterable[int] | None = None) -> dict[int, Facts]:
    """Facts of many accounts at once, by account id.

    Without `policy`: exactly what `load_facts` gives, for `account_ids` (default: every account).
    With `policy`: pruned to what the timeline uses as of `today` (module docstring), for
    `account_ids` (default: the accounts that can be on the worklist).
    """
    books = _Loader(conn, today, policy, account_ids).run()
    return {acct: book.facts() for acct, book in books.items()}


def priority_settings(config: Any) -> tuple[PriorityWeights, dict[str, Decimal] | None]:
    """The config's `[priority]` weights and `[fx]` rates (defaults and none until it has them)."""
    weights = getattr(config, "priority", None)
    if not isinstance(weights, PriorityWeights):
        weights = PriorityWeights()
    fx = getattr(config, "fx", None)
    return weights, ({str(k): v if isinstance(v, Decimal) else Decimal(str(v)) for k, v in fx.items()} if fx else None)


# -------------------------------------------------------------------------------- computing rows

def main_currency(own: str | None, balances: Mapping[str, Decimal]) -> str | None:
    """The account's own currency when it has open items in it, else the currency with the
    largest open balance (ties: the first code alphabetically); None when nothing is open."""
    if not balances:
        return None
    if own in balances:
        return own
    return min(balances, key=lambda c: (-balances[c], c))


def _main_position(book: _Book, a: Assessment, today: str) -> tuple[str | None, list[int]]:
    """The main currency and its [balance, overdue, disputed] in minor units (None: nothing open)."""
    sums: dict[str, list[int]] = {p.currency: [p.balance_minor, p.overdue_minor, p.disputed_minor]
                                  for p in a.positions}
    for cur, due, open_minor in book.credit:
        row = sums.setdefault(cur, [0, 0, 0])
        row[0] += open_minor
        if due < today:
            row[1] += open_minor
    if not sums:
        return None, [0, 0, 0]
    if book.currency in sums or len(sums) == 1:             # the common cases, without Decimals
        main = book.currency if book.currency in sums else next(iter(sums))
    else:
        main = main_currency(book.currency, {c: from_minor(v[0], c) for c, v in sums.items()})
    return main, sums[main]


def _rows(books: Mapping[int, _Book], facts: Mapping[int, Facts], today: dt.date, policy: Policy,
          weights: PriorityWeights, fx: Mapping[str, Decimal] | None, default_currency: str) -> dict[int, QueueRow]:
    out: dict[int, QueueRow] = {}
    d = today.isoformat()
    scales: dict[str, tuple[Decimal, int]] = {}

    def money(minor: int, currency: str) -> Decimal:
        """`money.from_minor`, with each currency's digits looked up once (85,000 rows x 3 amounts)."""
        scale = scales.get(currency)
        if scale is None:
            zero = from_minor(0, currency)
            scale = scales[currency] = (zero, zero.as_tuple().exponent)
        return Decimal(minor).scaleb(scale[1]) if minor else scale[0]

    for acct, book in books.items():
        a = assess(facts[acct], policy, today)
        main, (balance, overdue, disputed) = _main_position(book, a, d)
        needs = a.needs_action
        if main is None and not needs:
            continue
        currency = main or book.currency or default_currency
        p = score(a, weights, fx, main_currency=currency)
        out[acct] = QueueRow(
            acct, book.key, book.name, currency, money(balance, currency), money(overdue, currency),
            money(disputed, currency), a.dpd, a.stage, STAGE_LABELS[a.stage], STAGE_COLORS[a.stage],
            a.next_action, a.next_action_due, p.score, a.flags, needs, a.reason, p, a,
            a.hold.kind if a.hold else None, a.last_contact)
    return out


def compute_rows(conn: sqlite3.Connection, today: dt.date, policy: Policy, weights: PriorityWeights, *,
                 fx: Mapping[str, Decimal] | None = None, default_currency: str = "USD",
                 account_ids: Iterable[int] | None = None) -> dict[int, QueueRow]:
    """The worklist rows (every account with an open item or an action due), without any cache."""
    with _gc_paused():
        books = _Loader(conn, today, policy, account_ids).run()
        facts = {acct: book.facts() for acct, book in books.items()}
        return _rows(books, facts, today, policy, weights, fx, default_currency)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of small objects that all live on: the cyclic collector would rescan them again
    and again (it doubled the time at 100,000 accounts) and can free none of them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ------------------------------------------------------------------------------------------ cache

# Proposed for schema.sql: derived rows, rebuilt at will (so no audit rows; see the module docstring).

_CODE_FILES = ("timeline.py", "priority.py", "services/worklist.py")
_fingerprint: str | None = None


def _code_fingerprint() -> str:
    """Rows computed by other code are not reused (a changed rule would otherwise linger)."""
    global _fingerprint
    if _fingerprint is None:
        from arcollect_tui import __version__

        h = hashlib.sha256(__version__.encode())
        root = Path(__file__).resolve().parents[1]
        for name in _CODE_FILES:
            try:
                h.update((root / name).read_bytes())
            except OSError:
                h.update(name.encode())
        _fingerprint = h.hexdigest()
    return _fingerprint


def settings_key(policy: Policy, weights: PriorityWeights, fx: Mapping[str, Decimal] | None,
                 default_currency: str) -> str:
    blob = json.dumps([dataclasses.asdict(policy), dataclasses.asdict(weights),
                       sorted((k, str(v)) for k, v in (fx or {}).items()), default_currency, _code_fingerprint()],
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class _State:
    as_of: str
    key: str
    version: int

    def base_for(self, target: _State) -> bool:
        """Rows of this state can be brought up to `target` by recomputing the touched accounts."""
        return self.as_of == target.as_of and self.key == target.key and self.version < target.version


class _Memory:
    """One database's rows in this process (with their assessments, when computed here)."""

    def __init__(self) -> None:
        self.state: _State | None = None
        self.rows: dict[int, QueueRow] = {}
        self.ordered: list[QueueRow] = []
        self.acting: list[QueueRow] = []

    def set(self, state: _State, rows: Mapping[int, QueueRow], touched: set[int] | None = None) -> None:
        if touched is None:
            self.rows = dict(rows)
        else:
            for acct in touched:
                self.rows.pop(acct, None)
            self.rows.update(rows)
        self.ordered = sorted(self.rows.values(), key=lambda r: r.rank)
        self.acting = [r for r in self.ordered if r.needs_action]
        self.state = state

    def select(self, include_all: bool, limit: int | None) -> list[QueueRow]:
        rows = self.ordered if include_all else self.acting
        return rows[:] if limit is None else rows[:limit]


_memories: dict[str, _Memory] = {}
_lock = threading.RLock()


def _memory_of(db: SqliteDatabase) -> _Memory | None:
    path = getattr(db, "database", "") or ""
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    with _lock:
        return _memories.setdefault(os.path.realpath(path), _Memory())


def clear_memory_cache() -> None:
    """Forget what this process keeps (tests; a long-lived process that wants a clean slate)."""
    with _lock:
        _memories.clear()


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_cache_state'").fetchone() \
        is not None


def _table_state(conn: sqlite3.Connection) -> _State | None:
    row = conn.execute("SELECT as_of, settings_key, data_version FROM queue_cache_state WHERE id = 1").fetchone()
    return _State(*row) if row else None


def _table_write(db: SqliteDatabase, state: _State, rows: Mapping[int, QueueRow], touched: set[int] | None) -> bool:
    """Store the rows (all of them, or those of the touched accounts).  False when the data moved on
    meanwhile, or when the database is busy or read-only: the rows are then only not kept."""
    conn = db.connection()
    waited = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 250")          # a cache is not worth waiting for a writer
    try:
        with db.atomic():
            if _data_version(conn) != state.version:
                return False
            if touched is None:
                conn.execute("DELETE FROM queue_cache")
            else:
                conn.executemany("DELETE FROM queue_cache WHERE account_id = ?", ((a,) for a in touched))
            conn.executemany(
                "INSERT INTO queue_cache (account_id, needs_action, priority_centi, days_past_due, key, row, parts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((r.account_id, int(r.needs_action), round(r.priority * 100), r.days_past_due, r.account,
                  json.dumps(r.to_json(), ensure_ascii=False), json.dumps(r.breakdown.parts, ensure_ascii=False))
                 for r in rows.values()))
            conn.execute("INSERT OR REPLACE INTO queue_cache_state (id, as_of, settings_key, data_version)"
                         " VALUES (1, ?, ?, ?)", (state.as_of, state.key, state.version))
        return True
    except (sqlite3.OperationalError, peewee.OperationalError):
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")


def _table_select(conn: sqlite3.Connection, columns: str, include_all: bool, limit: int | None) -> sqlite3.Cursor:
    where, index = ("", "queue_cache_rank") if include_all else (" WHERE needs_action = 1", "queue_cache_acting")
    return conn.execute(
        f"SELECT {columns} FROM queue_cache INDEXED BY {index}{where}"
        " ORDER BY priority_centi DESC, days_past_due DESC, key LIMIT ?", (-1 if limit is None else limit,))


class _StoredPriority(Priority):
    """A cached row's breakdown: its parts decoded from the stored JSON when first asked for (only
    the account view asks), so 100,000 rows do not hold 100,000 decoded breakdowns."""

    def __init__(self, score: float, parts_json: str) -> None:
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "_json", parts_json)

    def __getattr__(self, name: str) -> Any:
        if name != "parts":
            raise AttributeError(name)
        parts = tuple((n, p, w) for n, p, w in json.loads(self._json))
        object.__setattr__(self, "parts", parts)
        return parts

    def __repr__(self) -> str:
        return f"Priority(score={self.score!r}, parts={self.parts!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Priority) and (self.score, self.parts) == (other.score, other.parts)

    __hash__ = None  # type: ignore[assignment]


class _Interned(dict):
    """One object per distinct value: stage names, labels, colours, currencies, actions and flag
    sets repeat across 100,000 rows, and so do dates (`day`)."""

    def __missing__(self, key: Any) -> Any:
        self[key] = key
        return key

    def dec(self, text: str) -> Decimal:
        key = ("dec", text)
        found = self.get(key)
        if found is None:
            found = self[key] = Decimal(text)
        return found

    def day(self, text: str | None) -> dt.date | None:
        if not text:
            return None
        key = ("day", text)
        found = self.get(key)
        if found is None:
            found = self[key] = _d(text)
        return found


def _row_from_table(account_id: int, needs: int, row: str, parts: str, same: _Interned | None = None) -> QueueRow:
    j = json.loads(row)
    i = same if same is not None else _Interned()
    return QueueRow(
        account_id, j["account"], j["name"], i[j["currency"]], i.dec(j["balance"]), i.dec(j["overdue"]),
        i.dec(j["disputed"]), j["days_past_due"], i[j["stage"]], i[j["stage_label"]], i[j["color"]],
        i[j["next_action"]], i.day(j["next_action_due"]), j["priority"], i[tuple(j["flags"])], bool(needs),
        j["reason"], _StoredPriority(j["priority"], parts), None, i[j["hold"]], i.day(j["last_contact"]))


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


def _touched(conn: sqlite3.Connection, since: int) -> set[int] | None:
    """Accounts named by the audit rows after `since`; None when one names none (recompute all)."""
    touched: set[int] = set()
    for acct, action in conn.execute("SELECT account_id, action FROM audit_log WHERE id > ?", (since,)):
        if action in _HARMLESS_ACTIONS:
            continue
        if acct is None:
            return None
        touched.add(acct)
    return touched if len(touched) <= _MAX_TOUCHED else None


# Beyond this many changed accounts (an import), one pass over everything is the faster way.
_MAX_TOUCHED = 2000


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so that the data version and the data read agree."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


@dataclass
class _Fresh:
    """Where the current rows are: this process's memory, the table, or only `rows` (no cache)."""

    memory: _Memory | None = None
    table: bool = False
    rows: dict[int, QueueRow] | None = None


def _refresh(db: SqliteDatabase, today: dt.date, policy: Policy, weights: PriorityWeights,
             fx: Mapping[str, Decimal] | None, default_currency: str, use_cache: bool) -> _Fresh:
    """Bring the caches up to the data: nothing to do, the touched accounts, or everything."""
    conn = db.connection()
    memory = _memory_of(db) if use_cache else None
    with _lock, _gc_paused():
        with _snapshot(conn):
            target = _State(today.isoformat(), settings_key(policy, weights, fx, default_currency),
                            _data_version(conn))
            table = use_cache and _has_table(conn)
            table_state = _table_state(conn) if table else None
            if memory is not None and memory.state == target:
                return _Fresh(memory=memory)
            if table and table_state == target:
                return _Fresh(table=True)
            base = next((s for s in (table_state, memory.state if memory else None) if s and s.base_for(target)),
                        None)
            touched = _touched(conn, base.version) if base else None
            rows = compute_rows(conn, today, policy, weights, fx=fx, default_currency=default_currency,
                                account_ids=touched)
        if not use_cache:
            return _Fresh(rows=rows)
        memory_ok = False
        if memory is not None:
            if touched is None or memory.state == base:
                memory.set(target, rows, touched)
                memory_ok = True
            else:
                memory.state = None
        table_ok = False
        if table:
            # Written only if nothing was written since the snapshot (else the next call catches up).
            if touched is None or table_state == base:
                table_ok = _table_write(db, target, rows, touched)
            elif memory_ok:
                table_ok = _table_write(db, target, memory.rows, None)
        if memory_ok:
            return _Fresh(memory=memory, table=table_ok)
        if table_ok:
            return _Fresh(table=True)
    if touched is None:
        return _Fresh(rows=rows)
    return _refresh(db, today, policy, weights, fx, default_currency, use_cache=False)


def queue(db: SqliteDatabase, today: dt.date, policy: Policy, weights: PriorityWeights | None = None, *,
          include_all: bool = False, limit: int | None = None, fx: Mapping[str, Decimal] | None = None,
          default_currency: str = "USD", use_cache: bool = True) -> list[QueueRow]:
    """The worklist as of `today`, highest priority first (module docstring).

    `limit` keeps the first rows; `fx` maps a currency to its rate in the base currency (1 unit of
    CUR = rate units of base) for the overdue part of the score; `use_cache=False` computes
    everything afresh and leaves the caches alone.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be zero or more")
    fresh = _refresh(db, today, policy, weights or PriorityWeights(), fx, default_currency, use_cache)
    if fresh.memory is not None:
        return fresh.memory.select(include_all, limit)
    if fresh.table:
        conn = db.connection()
        with _snapshot(conn), _gc_paused():
            same = _Interned()
            rows = [_row_from_table(*r, same) for r in
                    _table_select(conn, "account_id, needs_action, row, parts", include_all, limit)]
            state = _table_state(conn)
        memory = _memory_of(db)
        if memory is not None and include_all and limit is None and state is not None:
            with _lock:
                memory.set(state, {r.account_id: r for r in rows})
        return rows
    return _select((fresh.rows or {}).values(), include_all, limit)


def prepare(db: SqliteDatabase, today: dt.date, config: Any) -> None:
    """Bring the cached worklist up to date for `today` with the config's settings, so that the
    next `queue` (or the app's first paint) reads it instead of computing it.  `demo` calls it
    after building a portfolio: the work is done while the user already waits for the build."""
    weights, fx = priority_settings(config)
    _refresh(db, today, config.policy, weights, fx, config.default_currency, True)


def queue_json(db: SqliteDatabase, today: dt.date, policy: Policy, weights: PriorityWeights | None = None, *,
               include_all: bool = False, limit: int | None = None, fx: Mapping[str, Decimal] | None = None,
               default_currency: str = "USD") -> list[str]:
    """`queue` as the CLI's JSON objects (compact text, one per row): read straight from the
    cache table when it is current, so that 100,000 rows cost no Python object each."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be zero or more")
    fresh = _refresh(db, today, policy, weights or PriorityWeights(), fx, default_currency, True)
    if fresh.table and fresh.memory is None:
        conn = db.connection()
        with _snapshot(conn):
            return [r[0] for r in _table_select(conn, "row", include_all, limit)]
    rows = fresh.memory.select(include_all, limit) if fresh.memory else _select((fresh.rows or {}).values(),
                                                                                 include_all, limit)
    with _gc_paused():
        return [json.dumps(r.to_json(), ensure_ascii=False) for r in rows]


def _select(rows: Iterable[QueueRow], include_all: bool, limit: int | None) -> list[QueueRow]:
    ordered = sorted(rows, key=lambda r: r.rank)
    if not include_all:
        ordered = [r for r in ordered if r.needs_action]
    return ordered if limit is None else ordered[:limit]
