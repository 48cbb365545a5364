"""Payment plans, pure: the schedule of instalments and the approval matrix.  No I/O, no clock.

The app's plan form and the `plan` command both build a `PlanDraft` here, check it, and ask the
`ApprovalMatrix` who must approve it; services/plans.py stores what they agreed.

Schedule rules
--------------
* The plan's *total* includes the down payment.  The down payment (if any) is instalment 0, due
  on `down_payment_on` (the service passes the day the plan is made); instalments 1..N share the
  rest.  "N instalments" never counts the down payment.
* Dates: instalment k (k = 0..N-1 after the down payment) is due on the first date plus k weeks
  (weekly), 2k weeks (biweekly) or k months (monthly, `dateutil.relativedelta` from the *first*
  date each time, so month ends clamp and never drift: from Jan 31 the dates are Feb 28 (29 in a
  leap year), Mar 31, Apr 30); or on the custom dates given, strictly increasing.
* Amounts: the rest is split evenly in the currency's minor units (JPY has none), and the
  rounding remainder goes on the last instalment: 1,000.00 in 3 is 333.33, 333.33, 333.34.
  Every instalment must be at least one minor unit.
* `check_schedule` holds any schedule (built, or edited row by row in the app) to the same rules:
  the amounts add up to the total exactly, each has at most the currency's minor digits and is
  above zero, the dates strictly increase (the down payment may share the first instalment's date
  but not come after it), and nothing is due before the day the plan is made.

Approval matrix
---------------
The required role is the lowest level whose three limits the plan keeps *all* of (default:
collector up to 3 instalments, 90 days and 10,000; collections manager up to 6, 180 days and
50,000; beyond that a director, with a credit analyst's review):

* instalments: the number of instalments after the down payment;
* days: from the day the plan is made (`PlanDraft.made_on`, the service's *today*) to the due
  date of its last instalment.  Measured from the day it is made, not from the first date, because
  that is how long the debt stays outstanding: a plan whose first instalment is set far out would
  otherwise escape approval;
* amount: the plan's total, down payment included, in the plan's currency (the account's), as a
  plain number: 10,000 means 10,000.00 USD or 10,000 JPY.  `amounts` per currency override it
  (`[approval.collector] amounts = { JPY = "1500000" }`).

A limit is inclusive: 3 instalments, 90 days and exactly 10,000.00 are still a collector's;
4 instalments, 91 days or 10,000.01 are not.  A credit analyst's review is required for a
director's approval (`director_review`) and, on an account marked in financial distress, for
any approval (`review_when_distressed`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

from dateutil.relativedelta import relativedelta

from arcollect_tui.errors import InputError
from arcollect_tui.money import CURRENCY_EXPONENTS, MoneyError, exponent, from_minor, to_minor

FREQUENCIES: tuple[str, ...] = ("weekly", "biweekly", "monthly", "custom")
ROLES: tuple[str, ...] = ("collector", "collections_manager", "director")     # lowest first
ROLE_LABELS: dict[str, str] = {
    "collector": "collector", "collections_manager": "collections manager", "director": "director",
}
MAX_INSTALMENTS = 120            # ten years of monthly instalments: anything more is a typing slip


def role_rank(role: str) -> int:
    """0 for a collector, 1 for a collections manager, 2 for a director (ValueError otherwise)."""
    return ROLES.index(role)


# ------------------------------------------------------------------------------------ schedule

@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan: the field (as the form and the CLI name it), the value, what
    was expected.  `str()` gives the house form `field: value: expected`."""

    field: str                   # total, down, instalments, every, first, dates, schedule
    value: str
    expected: str

    def __str__(self) -> str:
        return f"{self.field}: {self.value}: {self.expected}"


class ScheduleError(ValueError):
    """`build_schedule` could not build a schedule; `problems` says why, every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Instalment:
    seq: int                     # 0 is the down payment
    due_on: dt.date
    amount: Decimal              # with exactly the currency's minor digits


@dataclass(frozen=True)
class PlanDraft:
    """A plan before it is stored: what the matrix and `check_schedule` judge."""

    made_on: dt.date             # the day the plan is made (*today*); its length counts from here
    currency: str
    total: Decimal               # down payment included
    instalments: tuple[Instalment, ...]
    frequency: str = "monthly"

    @property
    def down_payment(self) -> Decimal:
        return sum((i.amount for i in self.instalments if i.seq == 0), from_minor(0, self.currency))

    @property
    def instalment_count(self) -> int:
        """Instalments after the down payment."""
        return sum(1 for i in self.instalments if i.seq >= 1)

    @property
    def first_date(self) -> dt.date | None:
        return min((i.due_on for i in self.instalments if i.seq >= 1), default=None)

    @property
    def last_date(self) -> dt.date | None:
        return max((i.due_on for i in self.instalments), default=None)

    @property
    def days(self) -> int:
        """From the day the plan is made to its last due date (the matrix's "days")."""
        last = self.last_date
        return 0 if last is None else (last - self.made_on).days


def _money_text(amount: Decimal, currency: str | None = None) -> str:
    return f"{amount:,}" + (f" {currency}" if currency else "")


def _minor(amount: Any, currency: str, field_: str, problems: list[Problem], *, positive: bool) -> int | None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        problems.append(Problem(field_, repr(amount), f"an amount in {currency}"))
        return None
    try:
        minor = to_minor(amount, currency)
    except MoneyError as exc:
        problems.append(Problem(field_, str(amount), f"{exc}: expected an amount in {currency}"))
        return None
    if positive and minor <= 0:
        problems.append(Problem(field_, str(amount), "expected an amount above zero"))
        return None
    if not positive and minor < 0:
        problems.append(Problem(field_, str(amount), "expected zero or more"))
        return None
    return minor


def schedule_dates(frequency: str, first_date: dt.date, count: int) -> list[dt.date]:
    """The due dates of `count` instalments from `first_date` (module docstring)."""
    if frequency == "weekly":
        return [first_date + dt.timedelta(weeks=k) for k in range(count)]
    if frequency == "biweekly":
        return [first_date + dt.timedelta(weeks=2 * k) for k in range(count)]
    if frequency == "monthly":
        return [first_date + relativedelta(months=k) for k in range(count)]
    raise ValueError(f"no regular dates for frequency {frequency!r}")


def next_period(frequency: str, day: dt.date) -> dt.date:
    """One period after `day` (the CLI's default first date: one period after today)."""
    return schedule_dates(frequency if frequency != "custom" else "monthly", day, 2)[1]


def build_schedule(total: Decimal, down_payment: Decimal, count: int, frequency: str, first_date: dt.date,
                   currency: str, custom_dates: Sequence[dt.date] | None = None, *,
                   down_payment_on: dt.date | None = None) -> list[Instalment]:
    """The instalments of a plan (the down payment first, as seq 0, when there is one).

    Raises ScheduleError naming every problem.  `custom_dates` go with frequency `custom` (and
    only with it); their number is the instalment count and the first of them the first date.
    The down payment is due on `down_payment_on` (default: the first date).
    """
    problems: list[Problem] = []
    if currency not in CURRENCY_EXPONENTS:
        raise ScheduleError([Problem("currency", repr(currency), "an ISO 4217 code such as USD")])
    total_minor = _minor(total, currency, "total", problems, positive=True)
    down_minor = _minor(down_payment, currency, "down", problems, positive=False)
    if total_minor is not None and down_minor is not None and down_minor >= total_minor:
        problems.append(Problem("down", _money_text(down_payment),
                                f"expected less than the total ({_money_text(total, currency)}): "
                                "the instalments pay the rest"))
    if frequency not in FREQUENCIES:
        problems.append(Problem("every", repr(frequency), "expected weekly, biweekly or monthly (or custom dates)"))
    dates: list[dt.date] = []
    if frequency == "custom" or custom_dates is not None:
        if frequency != "custom":
            problems.append(Problem("every", frequency, "custom dates go without a frequency (it is custom)"))
        dates = list(custom_dates or ())
        if not dates:
            problems.append(Problem("dates", "none", "expected one date per instalment, such as "
                                                    "2026-04-01,2026-05-15"))
        elif count != len(dates):
            problems.append(Problem("instalments", str(count), f"{len(dates)} custom dates were given: "
                                                               "expected as many instalments as dates"))
        for before, after in zip(dates, dates[1:]):
            if after <= before:
                problems.append(Problem("dates", after.isoformat(), f"expected a date after {before}: "
                                                                   "the dates must increase"))
        if dates and first_date != dates[0]:
            problems.append(Problem("first", first_date.isoformat(),
                                    f"the first custom date is {dates[0]}: expected the same first date"))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INSTALMENTS:
        problems.append(Problem("instalments", repr(count), f"expected a whole number from 1 to {MAX_INSTALMENTS}"))
    down_on = down_payment_on or first_date
    if down_minor and down_on > first_date:
        problems.append(Problem("first", first_date.isoformat(),
                                f"expected a date on or after the down payment's ({down_on})"))
    if problems:
        raise ScheduleError(problems)
    assert total_minor is not None and down_minor is not None
    if frequency != "custom":
        dates = schedule_dates(frequency, first_date, count)
    rest = total_minor - down_minor
    each = rest // count
    if each < 1:
        smallest = from_minor(1, currency)
        raise ScheduleError([Problem("instalments", str(count),
                                     f"{_money_text(from_minor(rest, currency), currency)} cannot be split into "
                                     f"{count} instalments of at least {smallest} {currency}: expected fewer")])
    out: list[Instalment] = []
    if down_minor:
        out.append(Instalment(0, down_on, from_minor(down_minor, currency)))
    for k, due_on in enumerate(dates, start=1):
        amount = each if k < count else rest - each * (count - 1)
        out.append(Instalment(k, due_on, from_minor(amount, currency)))
    return out


def check_schedule(plan: PlanDraft) -> list[Problem]:
    """Everything wrong with a schedule, built or edited (module docstring); [] when it holds."""
    problems: list[Problem] = []
    currency = plan.currency
    if currency not in CURRENCY_EXPONENTS:
        return [Problem("currency", repr(currency), "an ISO 4217 code such as USD")]
    total_minor = _minor(plan.total, currency, "total", problems, positive=True)
    rows = sorted(plan.instalments, key=lambda i: i.seq)
    seqs = [i.seq for i in rows]
    regular = [i for i in rows if i.seq >= 1]
    if not regular:
        problems.append(Problem("instalments", "0", "expected at least one instalment after any down payment"))
    if seqs.count(0) > 1 or any(s < 0 for s in seqs) or [i.seq for i in regular] != list(range(1, len(regular) + 1)):
        problems.append(Problem("schedule", ", ".join(map(str, seqs)),
                                "expected the down payment as 0 (at most one), then instalments numbered 1, 2, 3..."))
    if len(regular) > MAX_INSTALMENTS:
        problems.append(Problem("instalments", str(len(regular)), f"expected at most {MAX_INSTALMENTS}"))
    sum_minor = 0
    sum_ok = True
    for i in rows:
        name = "down" if i.seq == 0 else f"instalment {i.seq}"
        minor = _minor(i.amount, currency, name, problems, positive=True)
        if minor is None:
            sum_ok = False
        else:
            sum_minor += minor
        if i.due_on < plan.made_on:
            problems.append(Problem(name, i.due_on.isoformat(),
                                    f"expected a due date on or after the day the plan is made ({plan.made_on})"))
    for before, after in zip(regular, regular[1:]):
        if after.due_on <= before.due_on:
            problems.append(Problem(f"instalment {after.seq}", after.due_on.isoformat(),
                                    f"expected a date after instalment {before.seq}'s ({before.due_on}): "
                                    "the dates must increase"))
    down = next((i for i in rows if i.seq == 0), None)
    if down is not None and regular and down.due_on > regular[0].due_on:
        problems.append(Problem("down", down.due_on.isoformat(),
                                f"expected the down payment on or before the first instalment ({regular[0].due_on})"))
    if total_minor is not None and sum_ok and sum_minor != total_minor:
        diff = from_minor(sum_minor - total_minor, currency)
        problems.append(Problem("schedule", f"{_money_text(from_minor(sum_minor, currency), currency)}",
                                f"the instalments must add up to the total {_money_text(plan.total, currency)} "
                                f"(off by {diff:+,})"))
    return problems


# ----------------------------------------------------------------------------- approval matrix

@dataclass(frozen=True)
class Level:
    """What one role may approve: every limit inclusive."""

    role: str
    max_instalments: int
    max_days: int
    max_amount: Decimal                                   # in the plan's currency, as a plain number
    amounts: tuple[tuple[str, Decimal], ...] = ()         # per-currency overrides of max_amount

    def amount_limit(self, currency: str) -> Decimal:
        return dict(self.amounts).get(currency, self.max_amount)

    def exceeded(self, plan: PlanDraft) -> list[str]:
        """The limits the plan goes beyond, in words ([] when this role may approve it)."""
        out = []
        if plan.instalment_count > self.max_instalments:
            out.append(f"{plan.instalment_count} instalments > {self.max_instalments}")
        if plan.days > self.max_days:
            out.append(f"{plan.days} days > {self.max_days}")
        limit = self.amount_limit(plan.currency)
        if plan.total > limit:
            out.append(f"{_money_text(plan.total, plan.currency)} > {_limit_text(limit, plan.currency)}")
        return out

    def within(self, plan: PlanDraft) -> str:
        limit = self.amount_limit(plan.currency)
        return (f"{plan.instalment_count} instalments <= {self.max_instalments}, {plan.days} days <= "
                f"{self.max_days}, {_money_text(plan.total, plan.currency)} <= {_limit_text(limit, plan.currency)}")


def _limit_text(limit: Decimal, currency: str) -> str:
    exp = exponent(currency)
    digits = max(exp, -limit.as_tuple().exponent if isinstance(limit.as_tuple().exponent, int) else 0)
    return f"{limit.quantize(Decimal(1).scaleb(-digits)):,}"


@dataclass(frozen=True)
class Requirement:
    """Who must approve a plan, and why, in words."""

    role: str                                             # collector, collections_manager, director
    credit_review: bool                                   # a credit analyst must review it too
    reason: str                                           # "7 instalments > 6: director with credit analyst review"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role] + (" with credit analyst review" if self.credit_review else "")


_DEFAULT_COLLECTOR = Level("collector", 3, 90, Decimal("10000"))
_DEFAULT_MANAGER = Level("collections_manager", 6, 180, Decimal("50000"))


@dataclass(frozen=True)
class ApprovalMatrix:
    """Who may approve which plan (module docstring); `[approval]` in the config."""

    collector: Level = _DEFAULT_COLLECTOR
    collections_manager: Level = _DEFAULT_MANAGER
    director_review: bool = True                          # a director's approval needs a credit analyst's review
    review_when_distressed: bool = True                   # so does any approval on a distressed account

    def required_role(self, plan: PlanDraft, *, distressed: bool = False) -> Requirement:
        """The lowest role whose limits the plan keeps, whether a credit review is needed, and why."""
        over_collector = self.collector.exceeded(plan)
        if not over_collector:
            role, why = "collector", self.collector.within(plan)
        else:
            over_manager = self.collections_manager.exceeded(plan)
            if not over_manager:
                role, why = "collections_manager", "; ".join(over_collector)
            else:
                role, why = "director", "; ".join(over_manager)
        review = (role == "director" and self.director_review) or (distressed and self.review_when_distressed)
        reason = f"{why}: {ROLE_LABELS[role]}" + (" with credit analyst review" if review else "")
        if distressed and self.review_when_distressed and not (role == "director" and self.director_review):
            reason += " (the account is in financial distress)"
        return Requirement(role, review, reason)

    def to_mapping(self) -> dict[str, Any]:
        """The matrix as the `[approval]` table would write it (amounts as text)."""
        def level(lv: Level) -> dict[str, Any]:
            out: dict[str, Any] = {"instalments": lv.max_instalments, "days": lv.max_days, "amount": str(lv.max_amount)}
            if lv.amounts:
                out["amounts"] = {c: str(a) for c, a in lv.amounts}
            return out
        return {"collector": level(self.collector), "collections_manager": level(self.collections_manager),
                "director_review": self.director_review, "review_when_distressed": self.review_when_distressed}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "config") -> "ApprovalMatrix":
        """Read the config's `[approval]` table; every problem names its key (InputError)::

            [approval]
            director_review = true          # a director's approval needs a credit analyst's review
            review_when_distressed = true   # so does any approval on a distressed account
            [approval.collector]
            instalments = 3
            days = 90
            amount = "10000"                # text or a whole number, never a float
            amounts = { JPY = "1500000" }   # optional, per currency
            [approval.collections_manager]
            instalments = 6
            days = 180
            amount = "50000"

        Keys left out keep their defaults.  The collections manager's limits may not be below the
        collector's.
        """
        problems: list[str] = []
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: [approval] must be a table")
        kwargs: dict[str, Any] = {}
        defaults = {"collector": _DEFAULT_COLLECTOR, "collections_manager": _DEFAULT_MANAGER}
        for key, value in data.items():
            if key in defaults:
                if not isinstance(value, Mapping):
                    problems.append(f"{where}: [approval] {key}: expected a table [approval.{key}]")
                    continue
                kwargs[key] = _level(defaults[key], value, f"{where}: [approval.{key}]", problems)
            elif key in ("director_review", "review_when_distressed"):
                if not isinstance(value, bool):
                    problems.append(f"{where}: [approval] {key}: {value!r}: expected true or false")
                else:
                    kwargs[key] = value
            else:
                problems.append(f"{where}: [approval] {key}: unknown setting (known: collector, "
                                "collections_manager, director_review, review_when_distressed)")
        if not problems:
            low = kwargs.get("collector", _DEFAULT_COLLECTOR)
            high = kwargs.get("collections_manager", _DEFAULT_MANAGER)
            for attr, key in (("max_instalments", "instalments"), ("max_days", "days"), ("max_amount", "amount")):
                if getattr(high, attr) < getattr(low, attr):
                    problems.append(f"{where}: [approval.collections_manager] {key}: {getattr(high, attr)}: "
                                    f"expected at least the collector's ({getattr(low, attr)})")
            for currency, amount in high.amounts:
                if amount < low.amount_limit(currency):
                    problems.append(f"{where}: [approval.collections_manager] amounts.{currency}: {amount}: "
                                    f"expected at least the collector's ({low.amount_limit(currency)})")
        if problems:
            raise InputError(problems)
        return cls(**kwargs)


_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _limit_amount(value: Any, name: str, problems: list[str]) -> Decimal | None:
    """A limit: a whole number or text such as "10000.00", above zero; never a float."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        kind = "a float" if isinstance(value, float) else type(value).__name__
        problems.append(f"{name}: {value!r}: expected an amount as text such as \"10000.00\" "
                        f"(or a whole number), not {kind}")
        return None
    text = str(value).strip().replace("_", "")
    if not _PLAIN_AMOUNT.fullmatch(text) or Decimal(text) <= 0:
        problems.append(f"{name}: {value!r}: expected an amount above zero such as \"10000.00\"")
        return None
    return Decimal(text)


def _level(default: Level, table: Mapping[str, Any], where: str, problems: list[str]) -> Level:
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{where} {key}"
        if key in ("instalments", "days"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{name}: {value!r}: expected a whole number, 1 or more")
            else:
                values["max_" + key] = value
        elif key == "amount":
            amount = _limit_amount(value, name, problems)
            if amount is not None:
                values["max_amount"] = amount
        elif key == "amounts":
            if not isinstance(value, Mapping):
                problems.append(f"{name}: expected a table of currency = amount, such as {{ JPY = \"1500000\" }}")
                continue
            pairs = []
            for code, amount_value in value.items():
                if code not in CURRENCY_EXPONENTS:
                    problems.append(f"{name}.{code}: unknown currency: expected an ISO 4217 code such as JPY")
                    continue
                amount = _limit_amount(amount_value, f"{name}.{code}", problems)
                if amount is not None:
                    pairs.append((code, amount))
            values["amounts"] = tuple(sorted(pairs))
        else:
            problems.append(f"{name}: unknown setting (known: instalments, days, amount, amounts)")
    return Level(default.role, values.get("max_instalments", default.max_instalments),
                 values.get("max_days", default.max_days), values.get("max_amount", default.max_amount),
                 values.get("amounts", default.amounts))
