"""Dates as typed into a form: full dates, short forms, and their boundaries (month ends, leap
years, a weekday named on that weekday, bad input)."""

from __future__ import annotations

import datetime as dt

import pytest

from arcollect_tui.shortdates import describe, parse_when

D = dt.date
MON = D(2026, 11, 23)   # a Monday


@pytest.mark.parametrize("text, expected", [
    ("2026-12-04", D(2026, 12, 4)),
    (" 2026/12/04 ", D(2026, 12, 4)),
    ("04.12.2026", D(2026, 12, 4)),          # dotted: always day first
    ("20261204", D(2026, 12, 4)),
    ("12/25/2026", D(2026, 12, 25)),         # 25 cannot be a month: settles the order
    ("25/12/2026", D(2026, 12, 25)),
    ("today", MON), ("TODAY", MON),
    ("tomorrow", D(2026, 11, 24)), ("tmr", D(2026, 11, 24)),
    ("+3d", D(2026, 11, 26)), ("3d", D(2026, 11, 26)), ("+ 3 D", D(2026, 11, 26)), ("+0d", MON),
    ("+2w", D(2026, 12, 7)), ("-1d", D(2026, 11, 22)),
    ("+1m", D(2026, 12, 23)), ("+2m", D(2027, 1, 23)), ("+1y", D(2027, 11, 23)),
    ("27 nov", D(2026, 11, 27)), ("nov 27", D(2026, 11, 27)), ("27 November 2027", D(2027, 11, 27)),
    ("23 nov", MON),                          # today counts: the next such day on or after today
    ("22 nov", D(2027, 11, 22)),              # passed this year: next year
    ("sept 3", D(2027, 9, 3)),
])
def test_full_and_short_forms(text, expected):
    assert parse_when(text, MON) == expected


@pytest.mark.parametrize("text, expected", [
    ("mon", D(2026, 11, 30)),                 # today is Monday: the next one, a week later
    ("monday", D(2026, 11, 30)),
    ("tue", D(2026, 11, 24)), ("wed", D(2026, 11, 25)), ("thursday", D(2026, 11, 26)),
    ("fri", D(2026, 11, 27)), ("Sat", D(2026, 11, 28)), ("sun", D(2026, 11, 29)),
])
def test_a_weekday_is_the_next_one_strictly_after_today(text, expected):
    assert parse_when(text, MON) == expected
    assert parse_when(text, MON) > MON


def test_fri_on_a_friday_is_a_week_later():
    friday = D(2026, 11, 27)
    assert parse_when("fri", friday) == D(2026, 12, 4)
    assert parse_when("sat", friday) == D(2026, 11, 28)


@pytest.mark.parametrize("today, expected", [
    (D(2026, 11, 23), D(2026, 11, 27)),       # Monday -> this Friday
    (D(2026, 11, 27), D(2026, 11, 27)),       # Friday -> today
    (D(2026, 11, 28), D(2026, 12, 4)),        # Saturday: this week's Friday has passed
    (D(2026, 11, 29), D(2026, 12, 4)),        # Sunday
    (D(2026, 12, 31), D(2027, 1, 1)),         # across the year
])
def test_eow_is_this_weeks_friday(today, expected):
    assert parse_when("eow", today) == expected


@pytest.mark.parametrize("today, expected", [
    (D(2026, 11, 23), D(2026, 11, 30)),
    (D(2026, 11, 30), D(2026, 11, 30)),       # on the month's last day: today (documented choice)
    (D(2026, 12, 1), D(2026, 12, 31)),
    (D(2027, 2, 10), D(2027, 2, 28)),
    (D(2028, 2, 10), D(2028, 2, 29)),         # leap year
    (D(2100, 2, 1), D(2100, 2, 28)),          # not a leap year (century)
    (D(2000, 2, 1), D(2000, 2, 29)),          # a leap year (400)
])
def test_eom_is_the_last_day_of_this_month(today, expected):
    assert parse_when("EOM", today) == expected


@pytest.mark.parametrize("today, text, expected", [
    (D(2026, 1, 31), "+1m", D(2026, 2, 28)),  # month ends clamp
    (D(2028, 1, 31), "+1m", D(2028, 2, 29)),  # leap year
    (D(2026, 3, 31), "+1m", D(2026, 4, 30)),
    (D(2026, 1, 31), "+2m", D(2026, 3, 31)),  # counted from today, so no drift through February
    (D(2028, 2, 29), "+1y", D(2029, 2, 28)),
    (D(2028, 2, 29), "+4y", D(2032, 2, 29)),
    (D(2026, 12, 31), "+1d", D(2027, 1, 1)),
    (D(2026, 12, 15), "+1m", D(2027, 1, 15)),
    (D(2026, 3, 1), "29 feb", D(2028, 2, 29)),  # the next 29 February
])
def test_boundaries(today, text, expected):
    assert parse_when(text, today) == expected


def test_ambiguous_slash_dates_need_the_order():
    with pytest.raises(ValueError, match="day-first or month-first.*YYYY-MM-DD"):
        parse_when("3/4/2026", MON)
    assert parse_when("3/4/2026", MON, date_order="DMY") == D(2026, 4, 3)
    assert parse_when("3/4/2026", MON, date_order="MDY") == D(2026, 3, 4)
    assert parse_when("4/4/2026", MON) == D(2026, 4, 4)   # both readings agree


@pytest.mark.parametrize("text, fragment", [
    ("", "missing date"),
    ("   ", "missing date"),
    ("next week", "is not a date: expected"),
    ("xyz", "is not a date: expected"),
    ("+3x", "is not a date"),
    ("fr", "is not a date"),
    ("31 feb", "not a real date"),
    ("feb 30 2027", "not a real date"),
    ("2026-02-30", "not a real date"),
    ("13/13/2026", "not a real date"),
    ("+9999y", "too far from today"),
    ("-9999y", "too far from today"),
])
def test_bad_input_says_what_was_expected(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_when(text, MON)


def test_describe_says_the_weekday_and_how_far():
    assert describe(D(2026, 11, 25), MON) == "Wed 25 Nov 2026, in 2 days"
    assert describe(MON, MON) == "Mon 23 Nov 2026, today"
    assert describe(D(2026, 11, 24), MON) == "Tue 24 Nov 2026, tomorrow"
    assert describe(D(2026, 11, 20), MON) == "Fri 20 Nov 2026, 3 days ago"
