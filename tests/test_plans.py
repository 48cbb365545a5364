"""Payment plan schedules and the approval matrix (arcollect_tui/plans.py): pure, no database."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from arcollect_tui.errors import InputError
from arcollect_tui.money import from_minor
from arcollect_tui.plans import (
    ApprovalMatrix, Instalment, PlanDraft, ScheduleError, build_schedule, check_schedule, next_period,
)

D = dt.date
USD0 = Decimal("0.00")


def dates(rows: list[Instalment]) -> list[dt.date]:
    return [i.due_on for i in rows]


def amounts(rows: list[Instalment]) -> list[str]:
    return [str(i.amount) for i in rows]


# ------------------------------------------------------------------------------ month ends

@pytest.mark.parametrize("first, expected", [
    # from the 31st: Feb clamps to its last day, then back to the 31st / 30th: no drift
    (D(2024, 1, 31), [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31)]),
    (D(2025, 1, 31), [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)]),
    (D(2026, 1, 31), [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]),
    # from the 30th
    (D(2024, 1, 30), [D(2024, 1, 30), D(2024, 2, 29), D(2024, 3, 30), D(2024, 4, 30), D(2024, 5, 30)]),
    (D(2025, 1, 30), [D(2025, 1, 30), D(2025, 2, 28), D(2025, 3, 30), D(2025, 4, 30), D(2025, 5, 30)]),
    # from the 29th: Feb 29 exists only in a leap year
    (D(2024, 1, 29), [D(2024, 1, 29), D(2024, 2, 29), D(2024, 3, 29), D(2024, 4, 29), D(2024, 5, 29)]),
    (D(2025, 1, 29), [D(2025, 1, 29), D(2025, 2, 28), D(2025, 3, 29), D(2025, 4, 29), D(2025, 5, 29)]),
    # across the year end into February
    (D(2023, 12, 31), [D(2023, 12, 31), D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)]),
    (D(2026, 12, 29), [D(2026, 12, 29), D(2027, 1, 29), D(2027, 2, 28), D(2027, 3, 29), D(2027, 4, 29)]),
    # from Feb 29 itself: the 29th of every later month (relativedelta from the first date)
    (D(2024, 2, 29), [D(2024, 2, 29), D(2024, 3, 29), D(2024, 4, 29), D(2024, 5, 29), D(2024, 6, 29)]),
])
def test_monthly_dates_clamp_at_month_ends_and_never_drift(first, expected):
    rows = build_schedule(Decimal("500.00"), USD0, 5, "monthly", first, "USD")
    assert dates(rows) == expected
    assert [i.seq for i in rows] == [1, 2, 3, 4, 5]


def test_a_year_of_month_ends_from_the_31st_keeps_every_month_end():
    rows = build_schedule(Decimal("1200.00"), USD0, 12, "monthly", D(2024, 1, 31), "USD")
    assert all((d + dt.timedelta(days=1)).day == 1 for d in dates(rows))
    assert dates(rows)[-1] == D(2024, 12, 31)


@pytest.mark.parametrize("frequency, first, expected", [
    ("weekly", D(2024, 2, 22), [D(2024, 2, 22), D(2024, 2, 29), D(2024, 3, 7), D(2024, 3, 14)]),
    ("weekly", D(2025, 2, 22), [D(2025, 2, 22), D(2025, 3, 1), D(2025, 3, 8), D(2025, 3, 15)]),
    ("biweekly", D(2024, 2, 15), [D(2024, 2, 15), D(2024, 2, 29), D(2024, 3, 14), D(2024, 3, 28)]),
    ("biweekly", D(2025, 2, 15), [D(2025, 2, 15), D(2025, 3, 1), D(2025, 3, 15), D(2025, 3, 29)]),
])
def test_weekly_and_biweekly_dates(frequency, first, expected):
    assert dates(build_schedule(Decimal("100.00"), USD0, 4, frequency, first, "USD")) == expected


def test_custom_dates_are_kept_as_given():
    custom = [D(2026, 3, 10), D(2026, 3, 31), D(2026, 5, 2)]
    rows = build_schedule(Decimal("1000.00"), USD0, 3, "custom", custom[0], "USD", custom)
    assert dates(rows) == custom
    assert amounts(rows) == ["333.33", "333.33", "333.34"]


@pytest.mark.parametrize("count, frequency, first, custom, field", [
    (3, "custom", D(2026, 3, 10), [D(2026, 3, 10), D(2026, 3, 10), D(2026, 4, 1)], "dates"),   # not increasing
    (3, "custom", D(2026, 3, 10), [D(2026, 3, 10), D(2026, 4, 1), D(2026, 3, 20)], "dates"),
    (2, "custom", D(2026, 3, 10), [D(2026, 3, 10), D(2026, 4, 1), D(2026, 5, 1)], "instalments"),  # count mismatch
    (2, "custom", D(2026, 3, 1), [D(2026, 3, 10), D(2026, 4, 1)], "first"),                     # first mismatch
    (2, "monthly", D(2026, 3, 10), [D(2026, 3, 10), D(2026, 4, 1)], "every"),                   # dates need custom
    (2, "custom", D(2026, 3, 10), None, "dates"),                                               # custom needs dates
    (2, "daily", D(2026, 3, 10), None, "every"),
    (0, "monthly", D(2026, 3, 10), None, "instalments"),
    (121, "monthly", D(2026, 3, 10), None, "instalments"),
])
def test_bad_terms_name_the_field(count, frequency, first, custom, field):
    with pytest.raises(ScheduleError) as e:
        build_schedule(Decimal("100.00"), USD0, count, frequency, first, "USD", custom)
    assert field in {p.field for p in e.value.problems}, e.value.problems


# -------------------------------------------------------------------------------- amounts

@pytest.mark.parametrize("total, down, count, expected", [
    ("1000.00", "0.00", 3, ["333.33", "333.33", "333.34"]),
    ("1000.00", "100.00", 4, ["100.00", "225.00", "225.00", "225.00", "225.00"]),
    ("1000.01", "0.00", 4, ["250.00", "250.00", "250.00", "250.01"]),
    ("100.00", "0.01", 3, ["0.01", "33.33", "33.33", "33.33"]),
    ("0.05", "0.00", 5, ["0.01", "0.01", "0.01", "0.01", "0.01"]),
    ("10.00", "0", 1, ["10.00"]),
])
def test_the_rounding_remainder_goes_on_the_last_instalment(total, down, count, expected):
    rows = build_schedule(Decimal(total), Decimal(down), count, "monthly", D(2026, 4, 1), "USD",
                          down_payment_on=D(2026, 3, 2))
    assert amounts(rows) == expected
    assert sum(i.amount for i in rows) == Decimal(total)
    if Decimal(down):
        assert (rows[0].seq, rows[0].due_on) == (0, D(2026, 3, 2))


def test_jpy_has_no_minor_digits():
    rows = build_schedule(Decimal("100000"), Decimal("10000"), 3, "monthly", D(2026, 4, 1), "JPY",
                          down_payment_on=D(2026, 3, 2))
    assert amounts(rows) == ["10000", "30000", "30000", "30000"]
    rows = build_schedule(Decimal("100000"), Decimal(0), 3, "monthly", D(2026, 4, 1), "JPY")
    assert amounts(rows) == ["33333", "33333", "33334"]
    with pytest.raises(ScheduleError) as e:
        build_schedule(Decimal("1000.5"), Decimal(0), 3, "monthly", D(2026, 4, 1), "JPY")
    assert [p.field for p in e.value.problems] == ["total"]
    assert "the minor digits of JPY" in str(e.value)


def test_three_minor_digits():
    rows = build_schedule(Decimal("10.000"), Decimal(0), 3, "weekly", D(2026, 4, 1), "BHD")
    assert amounts(rows) == ["3.333", "3.333", "3.334"]


@pytest.mark.parametrize("total, down, count, field", [
    ("100.00", "100.00", 2, "down"),          # nothing left for the instalments
    ("100.00", "150.00", 2, "down"),
    ("100.00", "-1.00", 2, "down"),
    ("0.00", "0.00", 2, "total"),
    ("100.001", "0.00", 2, "total"),
    ("0.02", "0.00", 3, "instalments"),       # 0.02 cannot make three instalments of at least 0.01
])
def test_bad_amounts(total, down, count, field):
    with pytest.raises(ScheduleError) as e:
        build_schedule(Decimal(total), Decimal(down), count, "monthly", D(2026, 4, 1), "USD")
    assert field in {p.field for p in e.value.problems}


@given(total=st.integers(1, 10**10), count=st.integers(1, 60), down_share=st.integers(0, 99),
       currency=st.sampled_from(["USD", "JPY", "BHD"]))
def test_every_schedule_adds_up_exactly(total, count, down_share, currency):
    down = total * down_share // 100
    if (total - down) < count:
        return
    rows = build_schedule(from_minor(total, currency), from_minor(down, currency), count, "monthly",
                          D(2026, 1, 31), currency, down_payment_on=D(2026, 1, 15))
    assert sum(i.amount for i in rows) == from_minor(total, currency)
    regular = [i.amount for i in rows if i.seq >= 1]
    assert len(regular) == count and min(regular) > 0
    assert max(regular) == regular[-1] and regular[-1] - regular[0] < from_minor(count, currency)
    draft = PlanDraft(D(2026, 1, 15), currency, from_minor(total, currency), tuple(rows))
    assert check_schedule(draft) == []


# ------------------------------------------------------------------------------ check_schedule

def _draft(rows, total="1000.00", made_on=D(2026, 3, 2)) -> PlanDraft:
    return PlanDraft(made_on, "USD", Decimal(total), tuple(Instalment(s, d, Decimal(a)) for s, d, a in rows))


def test_an_edited_row_must_keep_the_total():
    good = [(1, D(2026, 4, 1), "500.00"), (2, D(2026, 5, 1), "500.00")]
    assert check_schedule(_draft(good)) == []
    edited = [(1, D(2026, 4, 1), "600.00"), (2, D(2026, 5, 1), "500.00")]
    (p,) = check_schedule(_draft(edited))
    assert p.field == "schedule" and "add up to the total 1,000.00 USD" in p.expected and "+100.00" in p.expected


@pytest.mark.parametrize("rows, field", [
    ([(1, D(2026, 5, 1), "500.00"), (2, D(2026, 4, 1), "500.00")], "instalment 2"),      # dates go back
    ([(1, D(2026, 4, 1), "500.00"), (2, D(2026, 4, 1), "500.00")], "instalment 2"),      # same date
    ([(1, D(2026, 3, 1), "500.00"), (2, D(2026, 4, 1), "500.00")], "instalment 1"),      # before the plan
    ([(0, D(2026, 4, 2), "100.00"), (1, D(2026, 4, 1), "900.00")], "down"),              # down after the first
    ([(1, D(2026, 4, 1), "1000.00"), (3, D(2026, 5, 1), "0.01")], "schedule"),           # numbering gap
    ([(1, D(2026, 4, 1), "1000.00"), (2, D(2026, 5, 1), "0.00")], "instalment 2"),       # zero
    ([(1, D(2026, 4, 1), "999.995"), (2, D(2026, 5, 1), "0.005")], "instalment 1"),      # too many digits
    ([(0, D(2026, 4, 1), "1000.00")], "instalments"),                                     # only a down payment
])
def test_check_schedule_names_each_problem(rows, field):
    assert field in {p.field for p in check_schedule(_draft(rows))}


def test_next_period_is_one_period_after_today():
    assert next_period("monthly", D(2026, 1, 31)) == D(2026, 2, 28)
    assert next_period("weekly", D(2026, 1, 31)) == D(2026, 2, 7)
    assert next_period("biweekly", D(2026, 1, 31)) == D(2026, 2, 14)


# ----------------------------------------------------------------------------- the matrix

MADE = D(2026, 3, 2)


def plan(n: int, days: int, total: str, currency: str = "USD", made_on: dt.date = MADE) -> PlanDraft:
    """n instalments, the last due `days` after the plan is made, the others on the days before it."""
    last = made_on + dt.timedelta(days=days)
    rows = tuple(Instalment(k, last - dt.timedelta(days=n - k), Decimal(1)) for k in range(1, n + 1))
    return PlanDraft(made_on, currency, Decimal(total), rows)


@pytest.mark.parametrize("n, days, total, role", [
    (3, 90, "10000.00", "collector"),
    (4, 90, "10000.00", "collections_manager"),
    (3, 91, "10000.00", "collections_manager"),
    (3, 90, "10000.01", "collections_manager"),
    (1, 1, "0.01", "collector"),
    (6, 180, "50000.00", "collections_manager"),
    (7, 180, "50000.00", "director"),
    (6, 181, "50000.00", "director"),
    (6, 180, "50000.01", "director"),
    (4, 91, "10000.01", "collections_manager"),
])
def test_the_matrix_at_every_boundary(n, days, total, role):
    req = ApprovalMatrix().required_role(plan(n, days, total))
    assert req.role == role
    assert req.credit_review == (role == "director")


def test_the_reason_in_words():
    m = ApprovalMatrix()
    assert m.required_role(plan(7, 150, "20000.00")).reason == "7 instalments > 6: director with credit analyst review"
    assert m.required_role(plan(4, 120, "10000.01")).reason == (
        "4 instalments > 3; 120 days > 90; 10,000.01 USD > 10,000.00: collections manager")
    assert m.required_role(plan(3, 90, "10000.00")).reason == (
        "3 instalments <= 3, 90 days <= 90, 10,000.00 USD <= 10,000.00: collector")
    assert m.required_role(plan(6, 181, "50000.01")).reason == (
        "181 days > 180; 50,000.01 USD > 50,000.00: director with credit analyst review")


def test_days_count_from_the_day_the_plan_is_made_not_from_the_first_date():
    # one instalment, a first (and last) date 120 days out: 120 days of credit, a manager's call
    far = PlanDraft(MADE, "USD", Decimal("500.00"), (Instalment(1, MADE + dt.timedelta(days=120), Decimal("500.00")),))
    assert far.days == 120
    assert ApprovalMatrix().required_role(far).role == "collections_manager"


def test_a_distressed_account_needs_a_credit_review_at_any_level():
    req = ApprovalMatrix().required_role(plan(2, 60, "500.00"), distressed=True)
    assert (req.role, req.credit_review) == ("collector", True)
    assert req.reason.endswith("collector with credit analyst review (the account is in financial distress)")
    quiet = ApprovalMatrix(review_when_distressed=False).required_role(plan(2, 60, "500.00"), distressed=True)
    assert not quiet.credit_review


def test_limits_are_plain_numbers_in_the_plans_currency_with_overrides():
    m = ApprovalMatrix()
    assert m.required_role(plan(2, 30, "10000", "JPY")).role == "collector"
    assert m.required_role(plan(2, 30, "10001", "JPY")).role == "collections_manager"
    m = ApprovalMatrix.from_mapping({"collector": {"amounts": {"JPY": "1500000"}},
                                     "collections_manager": {"amounts": {"JPY": "7500000"}}})
    assert m.required_role(plan(2, 30, "1500000", "JPY")).role == "collector"
    assert m.required_role(plan(2, 30, "1500001", "JPY")).role == "collections_manager"
    assert m.required_role(plan(2, 30, "7500001", "JPY")).role == "director"
    assert m.required_role(plan(2, 30, "10000.01", "USD")).role == "collections_manager"


# ---------------------------------------------------------------------------- from_mapping

def test_from_mapping_reads_a_toml_table():
    data = tomllib.loads("""
[approval]
director_review = false
[approval.collector]
instalments = 2
days = 60
amount = "5000.00"
[approval.collections_manager]
instalments = 12
days = 365
amount = 100000
""")["approval"]
    m = ApprovalMatrix.from_mapping(data)
    assert (m.collector.max_instalments, m.collector.max_days, m.collector.max_amount) == (2, 60, Decimal("5000.00"))
    assert m.collections_manager.max_amount == Decimal(100000) and m.collections_manager.max_days == 365
    assert not m.director_review and m.review_when_distressed
    assert m.required_role(plan(3, 60, "100.00")).role == "collections_manager"
    assert m.required_role(plan(13, 300, "100.00")).credit_review is False
    assert ApprovalMatrix.from_mapping({}) == ApprovalMatrix()
    assert ApprovalMatrix.from_mapping(ApprovalMatrix().to_mapping()) == ApprovalMatrix()


@pytest.mark.parametrize("toml, expected", [
    ('colector = {}', "[approval] colector: unknown setting"),
    ('[collector]\ninstalment = 3', "[approval.collector] instalment: unknown setting"),
    ('[collector]\namount = 10000.0', "[approval.collector] amount: 10000.0: expected an amount as text"),
    ('[collector]\namount = "-5"', "[approval.collector] amount: '-5': expected an amount above zero"),
    ('[collector]\namount = "ten"', "[approval.collector] amount: 'ten'"),
    ('[collector]\ninstalments = 0', "[approval.collector] instalments: 0: expected a whole number, 1 or more"),
    ('[collector]\ndays = "90"', "[approval.collector] days: '90': expected a whole number"),
    ('[collector]\namounts = { XXX = "5" }', "[approval.collector] amounts.XXX: unknown currency"),
    ('collector = 3', "[approval] collector: expected a table"),
    ('director_review = "yes"', "[approval] director_review: 'yes': expected true or false"),
    ('[collections_manager]\ninstalments = 2', "[approval.collections_manager] instalments: 2: expected at least "
                                               "the collector's (3)"),
    ('[collections_manager]\namount = "9999"', "[approval.collections_manager] amount: 9999: expected at least"),
])
def test_from_mapping_names_the_key(toml, expected):
    with pytest.raises(InputError) as e:
        ApprovalMatrix.from_mapping(tomllib.loads(toml), "cfg.toml")
    assert any(p.startswith("cfg.toml: ") and expected in p for p in e.value.problems), e.value.problems
