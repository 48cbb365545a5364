"""Portfolio reports: aging (CONTRACT, `report aging`), then DSO, CEI, promises, activity,
disputes, stages and cash over a period (the second half of this module).

Aging as of *today*: every invoice and credit note that exists and has something open falls in
one bucket by its own days past due (`current` = not yet due or due today, then 1-30, 31-60,
61-90, 91+); the amount is what is still open on it as of *today* (credit notes negative, in
their own bucket).  One entry per (account, currency); totals per currency; never a sum across
currencies.  `disputed` (an extra key) is the part of those amounts in open dispute, already
included in the buckets: aging shows what is owed, and the dispute figure says how much of it is
contested.

The sums are made in SQL on integer minor units in one query and turned into Decimal once.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any, Sequence

from dateutil.relativedelta import relativedelta
from peewee import SqliteDatabase

from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError
from arcollect_tui.money import from_minor
from arcollect_tui.services.accounts import BUCKETS, OPEN_ITEMS_CTE
from arcollect_tui.services.exports import Column, Table, read_snapshot, table_json


@dataclass(frozen=True)
class AgingLine:
    """One (account, currency) entry, or a currency's total (then `account` and `name` are None)."""

    account: str | None
    name: str | None
    currency: str
    buckets: tuple[Decimal, ...]  # in BUCKETS order
    total: Decimal
    disputed: Decimal
    open_items: int

    def bucket(self, name: str) -> Decimal:
        return self.buckets[BUCKETS.index(name)]

    def to_json(self) -> dict[str, Any]:
        head: dict[str, Any] = {}
        if self.account is not None:
            head = {"account": self.account, "name": self.name}
        return {**head, "currency": self.currency,
                **{name: str(value) for name, value in zip(BUCKETS, self.buckets)},
                "total": str(self.total), "disputed": str(self.disputed)}


@dataclass(frozen=True)
class AgingReport:
    as_of: dt.date
    totals: tuple[AgingLine, ...]  # by currency code
    accounts: tuple[AgingLine, ...]  # by account key, then currency

    def to_json(self) -> dict[str, Any]:
        """Exactly the CONTRACT's aging JSON, plus `disputed` in each entry."""
        return {"as_of": self.as_of.isoformat(),
                "totals": [t.to_json() for t in self.totals],
                "accounts": [a.to_json() for a in self.accounts]}


_AGING_SQL = (
    "WITH " + OPEN_ITEMS_CTE.format(extra="")
    + """
SELECT a.key, a.name, o.currency,
       sum(CASE WHEN o.dpd = 0 THEN o.open_minor ELSE 0 END),
       sum(CASE WHEN o.dpd BETWEEN 1 AND 30 THEN o.open_minor ELSE 0 END),
       sum(CASE WHEN o.dpd BETWEEN 31 AND 60 THEN o.open_minor ELSE 0 END),
       sum(CASE WHEN o.dpd BETWEEN 61 AND 90 THEN o.open_minor ELSE 0 END),
       sum(CASE WHEN o.dpd > 90 THEN o.open_minor ELSE 0 END),
       sum(o.open_minor),
       sum(o.disputed_minor),
       count(*)
FROM open_item o JOIN account a ON a.id = o.account_id
GROUP BY o.account_id, o.currency
ORDER BY a.key, o.currency
"""
)


def aging(db: SqliteDatabase, today: dt.date) -> AgingReport:
    """The aging report as of `today`, right to the minor unit."""
    rows = db.connection().execute(_AGING_SQL, {"d": today.isoformat()}).fetchall()
    accounts: list[AgingLine] = []
    totals: dict[str, list[int]] = {}
    for key, name, cur, *sums in rows:
        minors = [int(v) for v in sums]  # 5 buckets, total, disputed, count
        accounts.append(_line(key, name, cur, minors))
        acc = totals.setdefault(cur, [0] * len(minors))
        for i, v in enumerate(minors):
            acc[i] += v
    return AgingReport(
        as_of=today,
        totals=tuple(_line(None, None, cur, minors) for cur, minors in sorted(totals.items())),
        accounts=tuple(accounts),
    )


def _line(key: str | None, name: str | None, currency: str, minors: list[int]) -> AgingLine:
    buckets = tuple(from_minor(v, currency) for v in minors[:5])
    return AgingLine(key, name, currency, buckets, from_minor(minors[5], currency),
                     from_minor(minors[6], currency), minors[7])


# ============================================================================================
# Period reports: DSO, CEI, promises, activity, disputes, stages, cash.
#
# Each is a function of (db, today, period[, policy]) that reads in one snapshot and returns a
# frozen dataclass (no Peewee rows, nothing lazy: a screen can call it in a worker thread).  Every
# report has `title`, `formula` (the formula and its convention, in words: the table output's
# footer, JSON's "formula", the XLSX "About" sheet), `to_json()` and `tables()` (typed tables
# that the CLI renders as table, csv or xlsx: services/exports.py).  Money is Decimal with the
# currency's minor digits, summed in SQL on integer minor units; ratios (days, percent) are
# Decimal rounded half up to one decimal; None where a figure is undefined (no sales: no DSO).
# Everything is per currency: amounts in different currencies are never added up.
# ============================================================================================

_DAY = dt.timedelta(days=1)
_TENTH = Decimal("0.1")
# Outcomes of a call that count as a right-party contact: the customer's side was reached and
# someone able to pay answered (promise, refusal, dispute and "already paid" all need that person).
RIGHT_PARTY_OUTCOMES: tuple[str, ...] = ("reached", "promise", "refused", "dispute", "paid_claimed")
DEFAULT_PERIOD_MONTHS = 3
# Periods stay well inside what datetime.date can step through (a month back, a week ahead).
PERIOD_LIMITS = (dt.date(1900, 1, 1), dt.date(9998, 12, 31))


def _round(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal | int, denominator: Decimal | int, scale: Decimal | int = 1) -> Decimal | None:
    """numerator / denominator x scale, rounded to 0.1; None when the denominator is not above zero."""
    if denominator <= 0:
        return None
    return _round(Decimal(numerator) * Decimal(scale) / Decimal(denominator))


def month_back(end: dt.date, months: int) -> dt.date:
    """`end` moved back by whole months: the same day of the month (clamped), or the month's last
    day when `end` is the last day of its month (so month ends walk calendar months)."""
    moved = end - relativedelta(months=months)
    if (end + _DAY).month != end.month:
        moved += relativedelta(day=31)
    return moved


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def opening(self) -> dt.date:
        """The day whose end is the period's opening position."""
        return self.start - _DAY

    @property
    def months(self) -> Decimal:
        """How many months the period spans, walking back from its end (month_back); the last,
        partial month pro rata; two decimals."""
        count = Decimal(0)
        k = 0
        while True:
            hi, lo = month_back(self.end, k), month_back(self.end, k + 1)
            if lo >= self.opening:
                count += 1
                k += 1
                if lo == self.opening:
                    break
                continue
            count += Decimal((hi - self.opening).days) / Decimal((hi - lo).days)
            break
        return count.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def to_json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days}


def period(today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The report period: `--to` defaults to *today*, `--from` to the day after `--to` went back
    DEFAULT_PERIOD_MONTHS months (a calendar quarter when `--to` is a quarter's last day).
    A period that ends after *today* or begins after its end is bad input (exit 2)."""
    problems = []
    for option, value in (("--from", start), ("--to", end), ("--today", None if end else today)):
        if value is not None and not PERIOD_LIMITS[0] <= value <= PERIOD_LIMITS[1]:
            problems.append(f"{option}: {value}: expected a date from {PERIOD_LIMITS[0]} to {PERIOD_LIMITS[1]}")
    end = end or today
    if problems:
        raise InputError(problems)
    if end > today:
        problems.append(f"--to: {end}: after --today ({today}): expected a date on or before it "
                        "(what happens after --today is not known yet)")
    start = start or max(PERIOD_LIMITS[0], month_back(end, DEFAULT_PERIOD_MONTHS) + _DAY)
    if start > end:
        problems.append(f"--from: {start}: after --to ({end}): expected a date on or before it")
    if problems:
        raise InputError(problems)
    return Period(start, end)


@dataclass(frozen=True)
class _Report:
    """What every period report shares."""

    as_of: dt.date
    period: Period

    name = ""
    title = ""
    formula = ""

    def heading(self) -> str:
        return (f"{self.title} as of {self.as_of}, period {self.period.start} to {self.period.end} "
                f"({self.period.days} days)")

    def _json_head(self) -> dict[str, Any]:
        return {"report": self.name, "as_of": self.as_of.isoformat(), "period": self.period.to_json(),
                "formula": self.formula}

    def tables(self) -> tuple[Table, ...]:  # pragma: no cover - each report has its own
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {**self._json_head(), **{t.key: table_json(t) for t in self.tables()}}


def _money(minor: int | None, currency: str) -> Decimal:
    return from_minor(minor or 0, currency)


def _ar_by_currency(conn: sqlite3.Connection, day: dt.date) -> dict[str, tuple[int, int, int]]:
    """Per currency as of the end of `day`: (total open, current = not yet due or due that day,
    overdue), minor units; invoices and credit notes, disputed amounts included (aging's rules)."""
    sql = ("WITH " + OPEN_ITEMS_CTE.format(extra="")
           + " SELECT currency, sum(open_minor), sum(CASE WHEN dpd = 0 THEN open_minor ELSE 0 END),"
             " sum(CASE WHEN dpd > 0 THEN open_minor ELSE 0 END) FROM open_item GROUP BY currency")
    return {cur: (total, current, overdue)
            for cur, total, current, overdue in conn.execute(sql, {"d": day.isoformat()})}


def _sales(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> dict[str, int]:
    """Net credit sales per currency: invoices less credit notes dated from `start` to `end`."""
    return dict(conn.execute(
        "SELECT currency, sum(amount_minor) FROM invoice WHERE invoice_date BETWEEN ? AND ? GROUP BY currency",
        (start.isoformat(), end.isoformat())).fetchall())


# -------------------------------------------------------------------------------------- DSO

@dataclass(frozen=True)
class CountbackMonth:
    """One month of the countback walk: (start, end] as days included start..end."""

    start: dt.date
    end: dt.date
    days: int
    sales: Decimal
    ar_before: Decimal          # the AR still to explain when this month is reached
    days_counted: Decimal       # all its days, or its share pro rata


@dataclass(frozen=True)
class DsoLine:
    currency: str
    credit_sales: Decimal
    ar_end: Decimal
    current_ar_end: Decimal
    dso: Decimal | None
    countback: Decimal | None
    best_possible: Decimal | None
    average_days_delinquent: Decimal | None
    months: tuple[CountbackMonth, ...]


DSO_FORMULA = (
    "DSO (standard) = AR at the period's end / net credit sales in the period x days in the period. "
    "DSO (countback) = from the period's end, walk back one month at a time (to the same day of the month, or "
    "month end to month end), taking each month's net credit sales off the AR at the end and adding its days, "
    "until the AR is used up; the last month counts pro rata (a month without sales adds its days and takes "
    "nothing off). Best possible DSO = current AR (not yet due, or due on the last day) at the period's end / "
    "net credit sales x days. Average days delinquent = DSO - best possible DSO. AR = what is open on invoices "
    "and credit notes at the end of the day (disputed amounts included); net credit sales = invoices less credit "
    "notes dated in the period. Per currency; days rounded half up to 0.1; n/a without sales."
)


@dataclass(frozen=True)
class DsoReport(_Report):
    lines: tuple[DsoLine, ...] = ()

    name = "dso"
    title = "DSO"
    formula = DSO_FORMULA

    def tables(self) -> tuple[Table, ...]:
        p = self.period
        main = Table("dso", "DSO", (
            Column("currency"), Column("from", "date"), Column("to", "date"), Column("days", "int"),
            Column("credit_sales", "money", currency_from="currency"), Column("ar_end", "money", currency_from="currency"),
            Column("current_ar_end", "money", currency_from="currency"), Column("dso_standard", "days"),
            Column("dso_countback", "days"), Column("best_possible_dso", "days"),
            Column("average_days_delinquent", "days")), tuple(
            (x.currency, p.start, p.end, p.days, x.credit_sales, x.ar_end, x.current_ar_end, x.dso, x.countback,
             x.best_possible, x.average_days_delinquent) for x in self.lines))
        walk = Table("countback", "Countback", (
            Column("currency"), Column("month_from", "date"), Column("month_to", "date"), Column("days", "int"),
            Column("sales", "money", currency_from="currency"), Column("ar_before", "money", currency_from="currency"),
            Column("days_counted", "days")), tuple(
            (x.currency, m.start, m.end, m.days, m.sales, m.ar_before, _round(m.days_counted))
            for x in self.lines for m in x.months))
        return main, walk


def _countback(ar_end: int, end: dt.date, sales_by_day: list[tuple[str, int]], first_day: dt.date | None,
               currency: str) -> tuple[Decimal | None, tuple[CountbackMonth, ...]]:
    """The countback walk (DSO_FORMULA) over (ISO date, net sales) pairs of one currency."""
    if ar_end <= 0:
        return Decimal(0), ()
    remaining = Decimal(ar_end)
    total = Decimal(0)
    months = []
    k = 0
    while remaining > 0 and first_day is not None and k < 1200:
        hi, lo = month_back(end, k), month_back(end, k + 1)
        if hi < first_day:
            return None, tuple(months)  # cannot happen when the ledger is whole: AR never exceeds sales
        a, b = lo.isoformat(), hi.isoformat()
        sales = sum(v for day, v in sales_by_day if a < day <= b)
        days = (hi - lo).days
        before = remaining
        if sales > 0 and sales >= remaining:
            counted = remaining / Decimal(sales) * days
            remaining = Decimal(0)
        else:
            counted = Decimal(days)
            remaining -= max(sales, 0)
        total += counted
        months.append(CountbackMonth(lo + _DAY, hi, days, _money(sales, currency),
                                     _money(int(before), currency), counted))
        k += 1
    return (_round(total) if remaining <= 0 else None), tuple(months)


def dso(db: SqliteDatabase, today: dt.date, span: Period) -> DsoReport:
    """DSO standard and countback, best possible DSO and average days delinquent (DSO_FORMULA)."""
    conn = db.connection()
    with read_snapshot(conn):
        ar = _ar_by_currency(conn, span.end)
        sales = _sales(conn, span.start, span.end)
        by_day: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for day, cur, amount in conn.execute(
                "SELECT invoice_date, currency, sum(amount_minor) FROM invoice WHERE invoice_date <= ?"
                " GROUP BY invoice_date, currency", (span.end.isoformat(),)):
            by_day[cur].append((day, amount))
    lines = []
    for cur in sorted(set(ar) | set(sales)):
        total, current, _ = ar.get(cur, (0, 0, 0))
        s = sales.get(cur, 0) or 0
        standard = _ratio(total, s, span.days)
        best = _ratio(current, s, span.days)
        first = min((dt.date.fromisoformat(d) for d, _ in by_day[cur]), default=None)
        countback, months = _countback(total, span.end, by_day[cur], first, cur)
        lines.append(DsoLine(cur, _money(s, cur), _money(total, cur), _money(current, cur), standard, countback, best,
                             None if standard is None or best is None else standard - best, months))
    return DsoReport(today, span, tuple(lines))


# -------------------------------------------------------------------------------------- CEI

CEI_FORMULA = (
    "CEI = (opening AR + credit sales - closing total AR) / (opening AR + credit sales - closing current AR) x 100. "
    "Opening AR = AR at the end of the day before the period; closing = at its last day; current = not yet due "
    "(or due that day); credit sales = net credit sales of the whole period (invoices less credit notes). "
    "Convention: credit sales are NOT divided by the number of months. So the numerator is exactly what was "
    "collected in the period (payments applied) and the denominator what could have been collected, and CEI "
    "reads as the share collected. Sources that divide credit sales by the months get 55.9% where this gives "
    "79.6% on the same data (creditguru's Jan-Mar example); that variant is shown apart as cei_sales_per_month."
)


@dataclass(frozen=True)
class CeiLine:
    currency: str
    opening_ar: Decimal
    credit_sales: Decimal
    closing_ar: Decimal
    closing_current_ar: Decimal
    collected: Decimal           # opening + sales - closing
    collectible: Decimal         # opening + sales - closing current
    cei: Decimal | None
    months: Decimal
    cei_sales_per_month: Decimal | None   # the other convention, for comparison


@dataclass(frozen=True)
class CeiReport(_Report):
    lines: tuple[CeiLine, ...] = ()

    name = "cei"
    title = "Collection effectiveness index"
    formula = CEI_FORMULA

    def tables(self) -> tuple[Table, ...]:
        p = self.period
        return (Table("cei", "CEI", (
            Column("currency"), Column("from", "date"), Column("to", "date"), Column("months", "days"),
            Column("opening_ar", "money", currency_from="currency"),
            Column("credit_sales", "money", currency_from="currency"),
            Column("closing_ar", "money", currency_from="currency"),
            Column("closing_current_ar", "money", currency_from="currency"),
            Column("collected", "money", currency_from="currency"),
            Column("collectible", "money", currency_from="currency"), Column("cei", "percent"),
            Column("cei_sales_per_month", "percent")), tuple(
            (x.currency, p.start, p.end, x.months, x.opening_ar, x.credit_sales, x.closing_ar, x.closing_current_ar,
             x.collected, x.collectible, x.cei, x.cei_sales_per_month) for x in self.lines)),)


def cei(db: SqliteDatabase, today: dt.date, span: Period) -> CeiReport:
    """The collection effectiveness index per currency (CEI_FORMULA)."""
    conn = db.connection()
    with read_snapshot(conn):
        opening = _ar_by_currency(conn, span.opening)
        closing = _ar_by_currency(conn, span.end)
        sales = _sales(conn, span.start, span.end)
    months = span.months
    lines = []
    for cur in sorted(set(opening) | set(closing) | set(sales)):
        o = opening.get(cur, (0, 0, 0))[0]
        c_total, c_current, _ = closing.get(cur, (0, 0, 0))
        s = sales.get(cur, 0) or 0
        collected, collectible = o + s - c_total, o + s - c_current
        per_month = Decimal(s) / months if months > 0 else Decimal(0)
        alt_num, alt_den = Decimal(o) + per_month - c_total, Decimal(o) + per_month - c_current
        lines.append(CeiLine(cur, _money(o, cur), _money(s, cur), _money(c_total, cur), _money(c_current, cur),
                             _money(collected, cur), _money(collectible, cur), _ratio(collected, collectible, 100),
                             months, _ratio(alt_num, alt_den, 100)))
    return CeiReport(today, span, tuple(lines))


# --------------------------------------------------------------------------------- promises

PROMISES_FORMULA = (
    "Promises to pay whose date falls in the period (not cancelled), graded as of --today by the timeline's rule: "
    "kept when payments in the promise's currency from the day it was made to its date plus the tolerance "
    "(policy promise_tolerance_days) cover its amount; open until that deadline; then partly kept (something "
    "was paid) or broken. Kept rate = kept / (kept + partly kept + broken) x 100; open promises are not yet "
    "graded and are left out of the rates; partly kept and broken rates likewise. Promised and paid: the graded "
    "promises' amounts and what was paid towards them (at most each promise's amount). Cancelled promises are "
    "counted apart."
)


@dataclass(frozen=True)
class PromiseItem:
    account: str
    name: str
    made_on: dt.date
    pay_by: dt.date
    deadline: dt.date
    currency: str
    amount: Decimal
    paid: Decimal
    status: str                  # kept, partly_kept, broken, open, cancelled
    user: str


@dataclass(frozen=True)
class PromiseLine:
    currency: str
    promises: int                # not cancelled
    kept: int
    partly_kept: int
    broken: int
    open: int
    cancelled: int
    kept_rate: Decimal | None
    partly_kept_rate: Decimal | None
    broken_rate: Decimal | None
    promised: Decimal            # graded promises
    paid: Decimal                # towards them, capped per promise


@dataclass(frozen=True)
class PromiseReport(_Report):
    lines: tuple[PromiseLine, ...] = ()
    items: tuple[PromiseItem, ...] = ()

    name = "promises"
    title = "Promises to pay"
    formula = PROMISES_FORMULA

    def tables(self) -> tuple[Table, ...]:
        summary = Table("promises", "Promises", (
            Column("currency"), Column("promises", "int"), Column("kept", "int"), Column("partly_kept", "int"),
            Column("broken", "int"), Column("open", "int"), Column("cancelled", "int"), Column("kept_rate", "percent"),
            Column("partly_kept_rate", "percent"), Column("broken_rate", "percent"),
            Column("promised", "money", currency_from="currency"), Column("paid", "money", currency_from="currency")),
            tuple((x.currency, x.promises, x.kept, x.partly_kept, x.broken, x.open, x.cancelled, x.kept_rate,
                   x.partly_kept_rate, x.broken_rate, x.promised, x.paid) for x in self.lines))
        items = Table("items", "Promise list", (
            Column("account"), Column("name"), Column("made_on", "date"), Column("pay_by", "date"),
            Column("deadline", "date"), Column("currency"), Column("amount", "money", currency_from="currency"),
            Column("paid", "money", currency_from="currency"), Column("status"), Column("user")), tuple(
            (i.account, i.name, i.made_on, i.pay_by, i.deadline, i.currency, i.amount, i.paid, i.status, i.user)
            for i in self.items))
        return summary, items


def promises(db: SqliteDatabase, today: dt.date, span: Period, policy: Policy) -> PromiseReport:
    """Promise-to-pay kept rate per currency, partly kept shown apart (PROMISES_FORMULA)."""
    from arcollect_tui.timeline import Facts, PaymentFact, PromiseFact, promise_standings

    conn = db.connection()
    d = today.isoformat()
    with read_snapshot(conn):
        rows = conn.execute(
            "SELECT p.account_id, a.key, a.name, p.made_on, p.pay_by, p.currency, p.amount_minor, p.cancelled_on,"
            " p.user FROM promise p JOIN account a ON a.id = p.account_id"
            " WHERE p.pay_by BETWEEN ? AND ? AND p.made_on <= ? ORDER BY a.key, p.pay_by, p.id",
            (span.start.isoformat(), span.end.isoformat(), d)).fetchall()
        accounts = sorted({r[0] for r in rows})
        payments: dict[int, list[PaymentFact]] = defaultdict(list)
        for acct, on, cur, amount in conn.execute(
                "SELECT account_id, paid_on, currency, amount_minor FROM payment"
                " WHERE account_id IN (SELECT value FROM json_each(?)) AND paid_on <= ?",
                (json.dumps(accounts), d)):
            payments[acct].append(PaymentFact(dt.date.fromisoformat(on), cur, amount))
    tolerance = dt.timedelta(days=policy.promise_tolerance_days)
    items: list[PromiseItem] = []
    for acct, key, name, made, by, cur, amount, cancelled, user in rows:
        fact = PromiseFact(dt.date.fromisoformat(made), dt.date.fromisoformat(by), cur, amount)
        if cancelled and cancelled[:10] <= d:
            items.append(PromiseItem(key, name, fact.made_on, fact.pay_by, fact.pay_by + tolerance, cur,
                                     _money(amount, cur), _money(0, cur), "cancelled", user))
            continue
        (standing,) = promise_standings(Facts(key, payments=tuple(payments[acct]), promises=(fact,)), policy, today)
        items.append(PromiseItem(key, name, fact.made_on, fact.pay_by, standing.deadline, cur, _money(amount, cur),
                                 _money(min(standing.paid_minor, amount), cur), standing.status, user))
    lines = []
    for cur in sorted({i.currency for i in items}):
        mine = [i for i in items if i.currency == cur]
        n = {s: sum(1 for i in mine if i.status == s) for s in ("kept", "partly_kept", "broken", "open", "cancelled")}
        graded = [i for i in mine if i.status in ("kept", "partly_kept", "broken")]
        g = len(graded)
        zero = _money(0, cur)
        lines.append(PromiseLine(cur, len(mine) - n["cancelled"], n["kept"], n["partly_kept"], n["broken"], n["open"],
                                 n["cancelled"], _ratio(n["kept"], g, 100), _ratio(n["partly_kept"], g, 100),
                                 _ratio(n["broken"], g, 100), sum((i.amount for i in graded), zero),
                                 sum((i.paid for i in graded), zero)))
    return PromiseReport(today, span, tuple(lines), tuple(items))


# --------------------------------------------------------------------------------- activity

ACTIVITY_FORMULA = (
    "Per day and per ISO week (Monday to Sunday, cut to the period) from the activities, promises and payments "
    "dated in it: calls = activities on the call channel; right-party contacts = calls whose outcome is "
    + ", ".join(RIGHT_PARTY_OUTCOMES) + " (someone able to pay was reached; no answer, voicemail and wrong "
    "contact are not); right-party rate = right-party contacts / calls x 100; promises = promises to pay made "
    "that day (cancelled later or not) and their amount; cash = payments received, by the day they were paid. "
    "Amounts per currency (a column each)."
)


@dataclass(frozen=True)
class ActivityLine:
    period: str                  # day or week
    start: dt.date
    end: dt.date
    iso_week: str                # 2026-W09
    calls: int
    right_party_contacts: int
    right_party_rate: Decimal | None
    promises: int
    promised: tuple[Decimal, ...]    # in ActivityReport.currencies order
    cash: tuple[Decimal, ...]


@dataclass(frozen=True)
class ActivityReport(_Report):
    currencies: tuple[str, ...] = ()
    days: tuple[ActivityLine, ...] = ()
    weeks: tuple[ActivityLine, ...] = ()

    name = "activity"
    title = "Collector activity"
    formula = ACTIVITY_FORMULA

    def _table(self, key: str, title: str, lines: Sequence[ActivityLine]) -> Table:
        columns = [Column("period"), Column("start", "date"), Column("end", "date"), Column("iso_week"),
                   Column("calls", "int"), Column("right_party_contacts", "int"), Column("right_party_rate", "percent"),
                   Column("promises", "int")]
        columns += [Column(f"promised_{c}", "money", currency=c) for c in self.currencies]
        columns += [Column(f"cash_{c}", "money", currency=c) for c in self.currencies]
        return Table(key, title, tuple(columns), tuple(
            (x.period, x.start, x.end, x.iso_week, x.calls, x.right_party_contacts, x.right_party_rate, x.promises,
             *x.promised, *x.cash) for x in lines))

    def tables(self) -> tuple[Table, ...]:
        """`activity` (days then weeks, one table with a `period` column: the CSV), `days`, `weeks`."""
        return (self._table("activity", "Activity", (*self.days, *self.weeks)),
                self._table("days", "Days", self.days), self._table("weeks", "Weeks", self.weeks))

    def to_json(self) -> dict[str, Any]:
        tables = self.tables()
        return {**self._json_head(), "currencies": list(self.currencies), "days": table_json(tables[1]),
                "weeks": table_json(tables[2])}


def activity(db: SqliteDatabase, today: dt.date, span: Period) -> ActivityReport:
    """Calls, right-party contacts, promises and cash per day and per ISO week (ACTIVITY_FORMULA)."""
    conn = db.connection()
    a, b = span.start.isoformat(), span.end.isoformat()
    marks = ", ".join("?" for _ in RIGHT_PARTY_OUTCOMES)
    with read_snapshot(conn):
        calls = {day: (n, rpc) for day, n, rpc in conn.execute(
            "SELECT occurred_on, count(*), sum(outcome IN (" + marks + ")) FROM activity"
            " WHERE channel = 'call' AND occurred_on BETWEEN ? AND ? GROUP BY occurred_on",
            (*RIGHT_PARTY_OUTCOMES, a, b))}
        made = conn.execute("SELECT made_on, currency, count(*), sum(amount_minor) FROM promise"
                            " WHERE made_on BETWEEN ? AND ? GROUP BY made_on, currency", (a, b)).fetchall()
        paid = conn.execute("SELECT paid_on, currency, sum(amount_minor) FROM payment"
                            " WHERE paid_on BETWEEN ? AND ? GROUP BY paid_on, currency", (a, b)).fetchall()
    currencies = tuple(sorted({r[1] for r in made} | {r[1] for r in paid}))
    promised: dict[tuple[str, str], int] = {(day, cur): amount for day, cur, _, amount in made}
    promise_count: dict[str, int] = defaultdict(int)
    for day, _, n, _ in made:
        promise_count[day] += n
    cash: dict[tuple[str, str], int] = {(day, cur): amount for day, cur, amount in paid}

    def line(kind: str, first: dt.date, last: dt.date) -> ActivityLine:
        days = [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
        n = sum(calls.get(day, (0, 0))[0] for day in days)
        rpc = sum(calls.get(day, (0, 0))[1] or 0 for day in days)
        year, week, _ = first.isocalendar()
        return ActivityLine(kind, first, last, f"{year}-W{week:02d}", n, rpc, _ratio(rpc, n, 100),
                            sum(promise_count.get(day, 0) for day in days),
                            tuple(_money(sum(promised.get((day, c), 0) for day in days), c) for c in currencies),
                            tuple(_money(sum(cash.get((day, c), 0) for day in days), c) for c in currencies))

    day_lines = tuple(line("day", span.start + dt.timedelta(days=i), span.start + dt.timedelta(days=i))
                      for i in range(span.days))
    weeks = []
    monday = span.start - dt.timedelta(days=span.start.weekday())
    while monday <= span.end:
        weeks.append(line("week", max(monday, span.start), min(monday + dt.timedelta(days=6), span.end)))
        monday += dt.timedelta(days=7)
    return ActivityReport(today, span, currencies, day_lines, tuple(weeks))


# --------------------------------------------------------------------------------- disputes

DISPUTE_AGES: tuple[tuple[str, int, int | None], ...] = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90),
                                                         ("91+", 91, None))
DISPUTES_FORMULA = (
    "Open = opened on or before --today and not resolved by then (a later resolution has not happened yet). "
    "Open disputes are grouped by reason, by owner (none: '(none)'), by team routed to, and by age = --today - "
    "the day opened, in days (0-30, 31-60, 61-90, 91+); each group: number, amount (per currency) and mean age. "
    "Cycle time = resolution day - opening day, in days, of the disputes resolved in the period (credit, found "
    "valid, or withdrawn): mean and median, per reason and in all. Amounts are the disputed amounts as opened."
)


@dataclass(frozen=True)
class DisputeItem:
    account: str
    name: str
    invoice: str | None
    currency: str
    amount: Decimal
    reason: str
    routed_to: str
    owner: str | None
    status: str                  # as of --today
    opened_on: dt.date
    resolved_on: dt.date | None
    days: int                    # open: age; resolved: cycle time


@dataclass(frozen=True)
class DisputeGroup:
    section: str                 # reason, owner, team, age, resolved
    group: str
    currency: str
    disputes: int
    amount: Decimal
    mean_days: Decimal


@dataclass(frozen=True)
class CycleTime:
    reason: str                  # a reason, or "all"
    resolved: int
    mean_days: Decimal | None
    median_days: Decimal | None


@dataclass(frozen=True)
class DisputeReport(_Report):
    groups: tuple[DisputeGroup, ...] = ()
    cycle: tuple[CycleTime, ...] = ()
    open_items: tuple[DisputeItem, ...] = ()
    resolved_items: tuple[DisputeItem, ...] = ()

    name = "disputes"
    title = "Disputes"
    formula = DISPUTES_FORMULA

    def tables(self) -> tuple[Table, ...]:
        groups = Table("groups", "Summary", (
            Column("section"), Column("group"), Column("currency"), Column("disputes", "int"),
            Column("amount", "money", currency_from="currency"), Column("mean_days", "days")), tuple(
            (g.section, g.group, g.currency, g.disputes, g.amount, g.mean_days) for g in self.groups))
        cycle = Table("cycle_time", "Cycle time", (
            Column("reason"), Column("resolved", "int"), Column("mean_days", "days"), Column("median_days", "days")),
            tuple((c.reason, c.resolved, c.mean_days, c.median_days) for c in self.cycle))
        columns = (Column("account"), Column("name"), Column("invoice"), Column("currency"),
                   Column("amount", "money", currency_from="currency"), Column("reason"), Column("routed_to"),
                   Column("owner"), Column("status"), Column("opened_on", "date"), Column("resolved_on", "date"))

        def rows(items: Sequence[DisputeItem]) -> tuple[tuple[Any, ...], ...]:
            return tuple((i.account, i.name, i.invoice, i.currency, i.amount, i.reason, i.routed_to, i.owner, i.status,
                          i.opened_on, i.resolved_on, i.days) for i in items)

        return (groups, cycle, Table("open", "Open disputes", (*columns, Column("age_days", "int")),
                                     rows(self.open_items)),
                Table("resolved", "Resolved in period", (*columns, Column("cycle_days", "int")),
                      rows(self.resolved_items)))


def disputes(db: SqliteDatabase, today: dt.date, span: Period) -> DisputeReport:
    """Open disputes by reason, owner, team and age; cycle time of those resolved (DISPUTES_FORMULA)."""
    conn = db.connection()
    d = today.isoformat()
    with read_snapshot(conn):
        rows = conn.execute(
            "SELECT a.key, a.name, i.number, s.currency, s.amount_minor, s.reason, s.routed_to, s.owner, s.status,"
            " s.opened_on, s.resolved_on FROM dispute s JOIN account a ON a.id = s.account_id"
            " LEFT JOIN invoice i ON i.id = s.invoice_id WHERE s.opened_on <= ?"
            " ORDER BY s.opened_on, a.key, s.id", (d,)).fetchall()
    open_items, resolved_items = [], []
    for key, name, number, cur, amount, reason, routed, owner, status, opened, resolved in rows:
        opened_on = dt.date.fromisoformat(opened)
        if resolved is None or resolved > d:
            open_items.append(DisputeItem(key, name, number, cur, _money(amount, cur), reason, routed, owner,
                                          status if status in ("open", "in_review") and resolved is None else "open",
                                          opened_on, None, (today - opened_on).days))
        elif span.start.isoformat() <= resolved <= span.end.isoformat():
            resolved_on = dt.date.fromisoformat(resolved)
            resolved_items.append(DisputeItem(key, name, number, cur, _money(amount, cur), reason, routed, owner,
                                              status, opened_on, resolved_on, (resolved_on - opened_on).days))

    def age(days: int) -> str:
        return next(label for label, lo, hi in DISPUTE_AGES if days >= lo and (hi is None or days <= hi))

    groups: list[DisputeGroup] = []
    for section, key_of, order in (
            ("reason", lambda i: i.reason, None), ("owner", lambda i: i.owner or "(none)", None),
            ("team", lambda i: i.routed_to, None), ("age", lambda i: age(i.days), [x[0] for x in DISPUTE_AGES]),
    ):
        groups.extend(_group(section, open_items, key_of, order))
    groups.extend(_group("resolved", resolved_items, lambda i: i.reason, None))
    cycle = []
    for reason in sorted({i.reason for i in resolved_items}) + ["all"]:
        days = [i.days for i in resolved_items if reason in ("all", i.reason)]
        cycle.append(CycleTime(reason, len(days), _ratio(sum(days), len(days)) if days else None,
                               _round(Decimal(median(days))) if days else None))
    return DisputeReport(today, span, tuple(groups), tuple(cycle), tuple(open_items), tuple(resolved_items))


def _group(section: str, items: Sequence[DisputeItem], key_of, order: list[str] | None) -> list[DisputeGroup]:
    buckets: dict[tuple[str, str], list[DisputeItem]] = defaultdict(list)
    for i in items:
        buckets[(key_of(i), i.currency)].append(i)
    rank = (lambda g: (order.index(g[0]), g[1])) if order else (lambda g: g)
    return [DisputeGroup(section, group, cur, len(found), sum((i.amount for i in found), _money(0, cur)),
                         _ratio(sum(i.days for i in found), len(found)) or Decimal("0.0"))
            for (group, cur), found in sorted(buckets.items(), key=lambda kv: rank(kv[0]))]


# ----------------------------------------------------------------------------------- stages

STAGES_FORMULA = (
    "Stage = the account's place on the collection timeline (timeline.assess, as the worklist and the account "
    "view show it; timeline.stage_history is the same function day by day). Accounts and amounts per stage as of "
    "--today: balance = what is open on invoices and credit notes, overdue = the part past due, per currency. "
    "Roll rates: for the accounts in stage A at the end of --from, how many are in stage B at the end of --to; "
    "share = those / the accounts in A at --from x 100. Rolled forward = to a later stage (current, reminder, "
    "follow_up, warning_due, warned, suspension_due, suspended, referred), back = to an earlier one. Accounts with "
    "nothing open and no suspension at both dates are left out of the roll rates (they are current to current)."
)


@dataclass(frozen=True)
class StageLine:
    stage: str
    label: str
    currency: str | None         # None: the stage's accounts in all (and those with nothing open)
    accounts: int
    balance: Decimal | None
    overdue: Decimal | None


@dataclass(frozen=True)
class RollLine:
    from_stage: str
    to_stage: str
    accounts: int
    share: Decimal | None


@dataclass(frozen=True)
class RollSummary:
    stage: str
    accounts: int                # in the stage at --from
    stayed: int
    forward: int
    back: int
    forward_rate: Decimal | None
    back_rate: Decimal | None


@dataclass(frozen=True)
class StageAccount:
    account: str
    name: str
    stage_from: str
    stage_to: str
    stage_today: str


@dataclass(frozen=True)
class StageReport(_Report):
    lines: tuple[StageLine, ...] = ()
    rolls: tuple[RollLine, ...] = ()
    summary: tuple[RollSummary, ...] = ()
    accounts: tuple[StageAccount, ...] = ()   # the roll rates' accounts, for drill-down

    name = "stages"
    title = "Stages and roll rates"
    formula = STAGES_FORMULA

    def tables(self) -> tuple[Table, ...]:
        return (
            Table("stages", "Stages", (
                Column("stage"), Column("label"), Column("currency"), Column("accounts", "int"),
                Column("balance", "money", currency_from="currency"),
                Column("overdue", "money", currency_from="currency")),
                tuple((x.stage, x.label, x.currency, x.accounts, x.balance, x.overdue) for x in self.lines)),
            Table("roll_rates", "Roll rates", (
                Column("from_stage"), Column("to_stage"), Column("accounts", "int"), Column("share", "percent")),
                tuple((x.from_stage, x.to_stage, x.accounts, x.share) for x in self.rolls)),
            Table("roll_summary", "Roll summary", (
                Column("stage"), Column("accounts", "int"), Column("stayed", "int"), Column("rolled_forward", "int"),
                Column("rolled_back", "int"), Column("forward_rate", "percent"), Column("back_rate", "percent")),
                tuple((x.stage, x.accounts, x.stayed, x.forward, x.back, x.forward_rate, x.back_rate)
                      for x in self.summary)),
            Table("accounts", "Accounts", (
                Column("account"), Column("name"), Column("stage_from"), Column("stage_to"), Column("stage_today")),
                tuple((x.account, x.name, x.stage_from, x.stage_to, x.stage_today) for x in self.accounts)),
        )


def stages_on(conn: sqlite3.Connection, day: dt.date, policy: Policy) -> dict[int, str]:
    """The stage of every account that has something open or a suspension step as of `day`
    (any other account is `current`), by `timeline.assess` over the worklist's bulk facts."""
    from arcollect_tui.services.worklist import bulk_facts
    from arcollect_tui.timeline import assess

    return {acct: assess(facts, policy, day).stage for acct, facts in bulk_facts(conn, day, policy).items()}


def stages_today_from_worklist(db: SqliteDatabase, today: dt.date, policy: Policy, config: Any) -> dict[int, str]:
    """`stages_on(today)` read from the worklist (`worklist.queue`, cached per day and settings;
    computed and cached when cold), with the config's priority settings so that it shares the
    queue's cache.  The queue leaves out accounts with nothing open and nothing to do: those with a
    suspension step are assessed here (a referral with nothing left open stays `referred`); any
    other is `current`, as in stages_on."""
    from arcollect_tui.services.worklist import bulk_facts, priority_settings, queue
    from arcollect_tui.timeline import assess

    weights, fx = priority_settings(config)
    found = {r.account_id: r.stage for r in queue(db, today, policy, weights, include_all=True, fx=fx,
                                                     default_currency=config.default_currency)}
    conn = db.connection()
    stepped = [r[0] for r in conn.execute("SELECT DISTINCT account_id FROM suspension_event WHERE on_date <= ?",
                                          (today.isoformat(),)) if r[0] not in found]
    if stepped:
        for acct, facts in bulk_facts(conn, today, policy, account_ids=stepped).items():
            stage = assess(facts, policy, today).stage
            if stage != "current":
                found[acct] = stage
    return found


def stages(db: SqliteDatabase, today: dt.date, span: Period, policy: Policy, *,
           config: Any = None) -> StageReport:
    """Accounts and amounts per stage as of `today`; roll rates from `span.start` to `span.end`.

    With `config`, the stages as of `today` come from the worklist's cache
    (stages_today_from_worklist): the same `assess`, without loading everything again."""
    from arcollect_tui.timeline import STAGE_LABELS, STAGES

    conn = db.connection()
    cached = stages_today_from_worklist(db, today, policy, config) if config is not None else None
    with read_snapshot(conn):
        at_today = cached if cached is not None else stages_on(conn, today, policy)
        at_end = at_today if span.end == today else stages_on(conn, span.end, policy)
        at_start = stages_on(conn, span.start, policy)
        amounts = conn.execute(
            "WITH " + OPEN_ITEMS_CTE.format(extra="")
            + " SELECT account_id, currency, sum(open_minor), sum(CASE WHEN dpd > 0 THEN open_minor ELSE 0 END)"
              " FROM open_item GROUP BY account_id, currency", {"d": today.isoformat()}).fetchall()
        names = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT id, key, name FROM account WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(at_start) | set(at_end) | set(at_today))),))}
        total_accounts = conn.execute("SELECT count(*) FROM account").fetchone()[0]
    counts: dict[str, int] = defaultdict(int)
    for stage in at_today.values():
        counts[stage] += 1
    counts["current"] += total_accounts - len(at_today)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for acct, cur, balance, overdue in amounts:
        row = sums[(at_today.get(acct, "current"), cur)]
        row[0] += 1
        row[1] += balance
        row[2] += overdue
    lines = []
    for stage in STAGES:
        lines.append(StageLine(stage, STAGE_LABELS[stage], None, counts.get(stage, 0), None, None))
        for (s, cur), (n, balance, overdue) in sorted(sums.items()):
            if s == stage:
                lines.append(StageLine(stage, STAGE_LABELS[stage], cur, n, _money(balance, cur), _money(overdue, cur)))
    rank = {s: i for i, s in enumerate(STAGES)}
    population = sorted(set(at_start) | set(at_end), key=lambda acct: names[acct][0])
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    accounts = []
    for acct in population:
        a, b = at_start.get(acct, "current"), at_end.get(acct, "current")
        pairs[(a, b)] += 1
        accounts.append(StageAccount(names[acct][0], names[acct][1], a, b, at_today.get(acct, "current")))
    in_start: dict[str, int] = defaultdict(int)
    for (a, _), n in pairs.items():
        in_start[a] += n
    rolls = tuple(RollLine(a, b, n, _ratio(n, in_start[a], 100))
                  for (a, b), n in sorted(pairs.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]])))
    summary = []
    for stage in STAGES:
        n = in_start.get(stage, 0)
        if not n:
            continue
        forward = sum(v for (a, b), v in pairs.items() if a == stage and rank[b] > rank[a])
        back = sum(v for (a, b), v in pairs.items() if a == stage and rank[b] < rank[a])
        summary.append(RollSummary(stage, n, n - forward - back, forward, back, _ratio(forward, n, 100),
                                   _ratio(back, n, 100)))
    return StageReport(today, span, tuple(lines), rolls, tuple(summary), tuple(accounts))


# ------------------------------------------------------------------------------------- cash

CASH_FORMULA = (
    "Overdue at start = what was open and past due at the end of the day before --from (invoices and credit notes, "
    "disputed amounts included: aging's 1-30 to 91+). Cash collected = payments received from --from to --to. "
    "Collected on it = the part of those payments applied to the invoices that made up the overdue at start; "
    "still open = what is open on those invoices at the end of --to. Recovery rate = collected on it / overdue at "
    "start x 100; cash / overdue = cash collected / overdue at start x 100 (cash also pays newer invoices). "
    "Per currency."
)


@dataclass(frozen=True)
class CashLine:
    currency: str
    overdue_at_start: Decimal
    cash_collected: Decimal
    collected_on_overdue: Decimal
    still_open: Decimal
    recovery_rate: Decimal | None
    cash_to_overdue: Decimal | None


@dataclass(frozen=True)
class CashReport(_Report):
    lines: tuple[CashLine, ...] = ()

    name = "cash"
    title = "Cash against the overdue at the start"
    formula = CASH_FORMULA

    def tables(self) -> tuple[Table, ...]:
        p = self.period
        return (Table("cash", "Cash", (
            Column("currency"), Column("from", "date"), Column("to", "date"),
            Column("overdue_at_start", "money", currency_from="currency"),
            Column("cash_collected", "money", currency_from="currency"),
            Column("collected_on_overdue", "money", currency_from="currency"),
            Column("still_open", "money", currency_from="currency"), Column("recovery_rate", "percent"),
            Column("cash_to_overdue", "percent")), tuple(
            (x.currency, p.start, p.end, x.overdue_at_start, x.cash_collected, x.collected_on_overdue, x.still_open,
             x.recovery_rate, x.cash_to_overdue) for x in self.lines)),)


def cash(db: SqliteDatabase, today: dt.date, span: Period) -> CashReport:
    """Cash collected in the period against the overdue at its start (CASH_FORMULA)."""
    conn = db.connection()
    o, a, b = span.opening.isoformat(), span.start.isoformat(), span.end.isoformat()
    with read_snapshot(conn):
        overdue = {cur: v[2] for cur, v in _ar_by_currency(conn, span.opening).items()}
        received = dict(conn.execute("SELECT currency, sum(amount_minor) FROM payment WHERE paid_on BETWEEN ? AND ?"
                                     " GROUP BY currency", (a, b)).fetchall())
        # The invoices overdue at the start, and what payments in the period applied to them.
        on_overdue = {cur: (applied or 0, still or 0) for cur, applied, still in conn.execute(
            "WITH " + OPEN_ITEMS_CTE.format(extra="AND i.kind = 'invoice'")
            + """, overdue_start AS (SELECT id, currency FROM open_item WHERE dpd > 0 AND open_minor > 0)
            SELECT s.currency,
                   sum((SELECT coalesce(sum(x.amount_minor), 0) FROM allocation x INDEXED BY allocation_invoice
                        WHERE x.invoice_id = s.id AND x.payment_id IS NOT NULL
                          AND x.applied_on BETWEEN :a AND :b)),
                   sum((SELECT i.amount_minor - coalesce(sum(x.amount_minor), 0) FROM invoice i
                        LEFT JOIN allocation x INDEXED BY allocation_invoice ON x.invoice_id = i.id
                          AND x.applied_on <= :b WHERE i.id = s.id))
            FROM overdue_start s GROUP BY s.currency""", {"d": o, "a": a, "b": b})}
    lines = []
    for cur in sorted(set(overdue) | set(received)):
        start = overdue.get(cur, 0)
        got = received.get(cur, 0) or 0
        applied, still = on_overdue.get(cur, (0, 0))
        lines.append(CashLine(cur, _money(start, cur), _money(got, cur), _money(applied, cur), _money(still, cur),
                              _ratio(applied, start, 100), _ratio(got, start, 100)))
    return CashReport(today, span, tuple(lines))


REPORTS = ("aging", "dso", "cei", "promises", "activity", "disputes", "stages", "cash")
