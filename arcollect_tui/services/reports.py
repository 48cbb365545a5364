"""Portfolio reports.  Aging first (CONTRACT, `report aging`); DSO, CEI and the rest come later.

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import SqliteDatabase

from arcollect_tui.money import from_minor
from arcollect_tui.services.accounts import BUCKETS, OPEN_ITEMS_CTE


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
