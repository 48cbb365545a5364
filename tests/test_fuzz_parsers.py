"""The parsers behind every form field and import cell, fed anything: they answer with a value or
their own error (a ValueError with a message), never another exception; and what they accept is
sound (amounts within the currency's minor digits, real dates, text without control characters)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from arcollect_tui.dates import DateError, parse_date
from arcollect_tui.money import MoneyError, exponent, parse_amount
from arcollect_tui.shortdates import parse_when
from arcollect_tui.text import clean

SEEDS = st.sampled_from(["1,234.50", "1.234,50", "(12.00)", "500,00-", "12.345", "¥1000", "1e9", "NaN", "-0",
                         "2026-02-29", "2024-02-29", "31/12/2026", "+3d", "-2w", "fri", "eom", "27 nov",
                         "\x00", "\u202e1", "٣٤٥", "１２３", " ", "9" * 400])
ANY_TEXT = st.one_of(SEEDS, st.text(max_size=40), st.text(alphabet="0123456789.,-+() '/dwmyeoftr", max_size=14))
CURRENCIES = st.sampled_from(["USD", "JPY", "KWD", "EUR", None])


@settings(max_examples=600, deadline=None)
@given(text=ANY_TEXT, currency=CURRENCIES)
def test_parse_amount_answers_or_says_why(text, currency):
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        assert str(exc).strip()
        return
    assert value.is_finite()
    if currency is not None:
        assert -value.as_tuple().exponent <= exponent(currency) or value == value.to_integral_value()


@settings(max_examples=600, deadline=None)
@given(text=ANY_TEXT, order=st.sampled_from([None, "MDY", "DMY"]))
def test_parse_date_answers_or_says_why(text, order):
    try:
        day = parse_date(text, order)
    except DateError as exc:
        assert str(exc).strip()
        return
    assert isinstance(day, dt.date)


@settings(max_examples=600, deadline=None)
@given(text=ANY_TEXT, today=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9000, 12, 31)))
def test_short_dates_answer_or_say_why(text, today):
    try:
        day = parse_when(text, today)
    except ValueError as exc:
        assert str(exc).strip()
        return
    assert isinstance(day, dt.date)


@settings(max_examples=600, deadline=None)
@given(text=st.text(max_size=200))
def test_clean_leaves_no_control_or_bidi_characters_and_is_stable(text):
    out = clean(text)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in out), repr(out)
    assert clean(out) == out
