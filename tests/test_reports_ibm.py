"""DSO, CEI, cash and dispute cycle time on the IBM sample at fixed dates, against an independent
computation from the CSV file with the csv module (no arcollect code on that side)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from arcollect_tui.config import Config
from arcollect_tui.importer import run_import
from arcollect_tui.services import reports
from arcollect_tui.services.reports import Period

PERIODS = [
    Period(dt.date(2012, 10, 1), dt.date(2012, 12, 31)),   # a calendar quarter
    Period(dt.date(2013, 4, 1), dt.date(2013, 6, 30)),
    Period(dt.date(2013, 7, 16), dt.date(2013, 9, 15)),    # mid-month to mid-month
]


def _us(text: str) -> dt.date:
    m, d, y = (int(p) for p in text.split("/"))
    return dt.date(y, m, d)


@pytest.fixture
def ibm(db, ibm_csv):
    """The sample imported with preset ibm (every invoice settled by 2014-02-01), and its rows."""
    run_import(db, [ibm_csv], preset="ibm", today=dt.date(2014, 2, 1), config=Config(user="t"), user="t")
    with open(ibm_csv, newline="", encoding="ascii") as fh:
        rows = [{"amount": Decimal(r["InvoiceAmount"]), "dated": _us(r["InvoiceDate"]), "due": _us(r["DueDate"]),
                 "settled": _us(r["SettledDate"]), "disputed": r["Disputed"] == "Yes"} for r in csv.DictReader(fh)]
    return db, rows


def months_back(end: dt.date, k: int) -> dt.date:
    """`end` k months earlier: the same day (or the month's last day when `end` is a month end)."""
    month_end = end.day == calendar.monthrange(end.year, end.month)[1]
    y, m = divmod(end.year * 12 + end.month - 1 - k, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return dt.date(y, m + 1, last if month_end else min(end.day, last))


def ar(rows, day: dt.date, current_only: bool = False, overdue_only: bool = False) -> Decimal:
    """Open at the end of `day`: dated by then, settled after it (each row is paid in full at once)."""
    return sum((r["amount"] for r in rows if r["dated"] <= day < r["settled"]
                and (not current_only or r["due"] >= day) and (not overdue_only or r["due"] < day)), Decimal(0))


def sales(rows, first: dt.date, last: dt.date) -> Decimal:
    return sum((r["amount"] for r in rows if first <= r["dated"] <= last), Decimal(0))


def tenth(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def test_the_sample_is_the_one_described(ibm):
    _, rows = ibm
    assert len(rows) == 2466 and sum(r["disputed"] for r in rows) == 561


@pytest.mark.parametrize("span", PERIODS, ids=lambda p: str(p.end))
def test_dso_matches_an_independent_computation(ibm, span):
    db, rows = ibm
    (got,) = reports.dso(db, span.end, span).lines
    end_ar, s = ar(rows, span.end), sales(rows, span.start, span.end)
    assert got.currency == "USD" and got.ar_end == end_ar and got.credit_sales == s
    assert got.current_ar_end == ar(rows, span.end, current_only=True)
    assert got.dso == tenth(end_ar / s * span.days)
    assert got.best_possible == tenth(ar(rows, span.end, current_only=True) / s * span.days)
    # Countback by hand: month slices walking back from the end (same day of the month).
    remaining, days, k = end_ar, Decimal(0), 0
    while remaining > 0:
        hi, lo = months_back(span.end, k), months_back(span.end, k + 1)
        month = sum((r["amount"] for r in rows if lo < r["dated"] <= hi), Decimal(0))
        if month >= remaining:
            days += remaining / month * (hi - lo).days
            remaining = Decimal(0)
        else:
            days += (hi - lo).days
            remaining -= month
        k += 1
    assert got.countback == tenth(days)


@pytest.mark.parametrize("span", PERIODS, ids=lambda p: str(p.end))
def test_cei_matches_an_independent_computation(ibm, span):
    db, rows = ibm
    (got,) = reports.cei(db, span.end, span).lines
    opening = ar(rows, span.start - dt.timedelta(days=1))
    s = sales(rows, span.start, span.end)
    closing, current = ar(rows, span.end), ar(rows, span.end, current_only=True)
    assert (got.opening_ar, got.credit_sales, got.closing_ar, got.closing_current_ar) == (opening, s, closing, current)
    assert got.cei == tenth((opening + s - closing) / (opening + s - current) * 100)
    # What was collected in the period is exactly the settlements dated in it.
    assert got.collected == sum((r["amount"] for r in rows if span.start <= r["settled"] <= span.end), Decimal(0))


@pytest.mark.parametrize("span", PERIODS, ids=lambda p: str(p.end))
def test_cash_matches_an_independent_computation(ibm, span):
    db, rows = ibm
    (got,) = reports.cash(db, span.end, span).lines
    start = span.start - dt.timedelta(days=1)
    overdue = [r for r in rows if r["dated"] <= start < r["settled"] and r["due"] < start]
    assert got.overdue_at_start == sum((r["amount"] for r in overdue), Decimal(0))
    assert got.cash_collected == sum((r["amount"] for r in rows if span.start <= r["settled"] <= span.end), Decimal(0))
    recovered = sum((r["amount"] for r in overdue if r["settled"] <= span.end), Decimal(0))
    assert got.collected_on_overdue == recovered
    assert got.still_open == got.overdue_at_start - recovered
    assert got.recovery_rate == tenth(recovered / got.overdue_at_start * 100)


def test_dispute_cycle_time_is_days_to_settle_of_the_disputed_invoices(ibm):
    """The importer opens a dispute on the invoice date and resolves it when the invoice is settled."""
    db, rows = ibm
    span = PERIODS[1]
    r = reports.disputes(db, span.end, span)
    resolved = [(r_["settled"] - r_["dated"]).days for r_ in rows
                if r_["disputed"] and span.start <= r_["settled"] <= span.end]
    (overall,) = [c for c in r.cycle if c.reason == "all"]
    assert overall.resolved == len(resolved) > 0
    assert overall.mean_days == tenth(Decimal(sum(resolved)) / len(resolved))
    still_open = [r_ for r_ in rows if r_["disputed"] and r_["dated"] <= span.end < r_["settled"]]
    assert len(r.open_items) == len(still_open)
