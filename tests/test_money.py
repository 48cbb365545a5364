from decimal import Decimal

import pytest

from arcollect_tui.money import (
    MoneyError, display_minor, exponent, format_minor, from_minor, normalise_currency, parse_amount, to_minor,
)

D = Decimal


@pytest.mark.parametrize(
    "text, currency, expected",
    [
        ("1,234.50", "USD", D("1234.50")),
        ("1.234,50", "EUR", D("1234.50")),
        ("1234.50-", "USD", D("-1234.50")),
        ("(1,234.50)", "USD", D("-1234.50")),
        ("1 234,50", "EUR", D("1234.50")),
        ("1\u00a0234,50", "EUR", D("1234.50")),
        ("1\u202f234,50", "EUR", D("1234.50")),
        ("1'234.50", "CHF", D("1234.50")),
        ("$1,234.50", "USD", D("1234.50")),
        ("-$5.00", "USD", D("-5.00")),
        ("€1.234,50", "EUR", D("1234.50")),
        ("1.234,50 €", "EUR", D("1234.50")),
        ("EUR 1.234,50", "EUR", D("1234.50")),
        ("1234.50 USD", "USD", D("1234.50")),
        ("USD 1234.50-", "USD", D("-1234.50")),
        ("S$ 99.90", "SGD", D("99.90")),
        ("¥120,000", "JPY", D("120000")),
        ("120000", "JPY", D("120000")),
        ("1,234", "USD", D("1234")),        # a lone comma + three digits: thousands
        ("1,234", "BHD", D("1.234")),       # ... unless the currency has three minor digits
        ("1.234", "BHD", D("1.234")),
        ("0.500", "KWD", D("0.500")),
        ("1.234.567,89", "EUR", D("1234567.89")),
        ("1,234,567.89", "USD", D("1234567.89")),
        ("12.5", "USD", D("12.5")),
        ("+12", "USD", D("12")),
        (".5", "USD", D("0.5")),
        ("  42  ", "AUD", D("42")),
        ("-0.00", "USD", D("0")),
    ],
)
def test_parse_amount_accepts(text, currency, expected):
    assert parse_amount(text, currency) == expected


@pytest.mark.parametrize(
    "text, currency, fragment",
    [
        ("1,234.567", "USD", "USD has 2"),
        ("12.345", "USD", "USD has 2"),     # a lone dot is a decimal point: never a silent x1000
        ("1.234", "JPY", "JPY has 0"),
        ("12.5", "JPY", "JPY has 0"),
        ("1.2345", "BHD", "BHD has 3"),
        ("", "USD", "missing amount"),
        ("abc", "USD", "not an amount"),
        ("ten", "USD", "not an amount"),
        ("1e5", "USD", "not an amount"),
        ("12..5", "USD", "not an amount"),
        ("1,23,456", "USD", "groups must be of three"),
        ("SGD 5", "USD", "in SGD"),
        ("XYZ 5", "USD", "unknown currency"),
        ("NaN", "USD", ""),
        ("1.2.3,4,5", "USD", "not an amount"),
    ],
)
def test_parse_amount_rejects(text, currency, fragment):
    with pytest.raises(MoneyError) as err:
        parse_amount(text, currency)
    assert fragment in str(err.value)


def test_exponents_follow_iso_4217():
    assert [exponent(c) for c in ("JPY", "KRW", "BHD", "KWD", "USD", "EUR", "SGD", "AUD")] == [0, 0, 3, 3, 2, 2, 2, 2]


def test_minor_units_round_trip_without_float():
    assert to_minor(D("1234.50"), "USD") == 123450
    assert to_minor(D("120000"), "JPY") == 120000
    assert to_minor(D("1.234"), "BHD") == 1234
    assert from_minor(123450, "USD") == D("1234.50")
    assert format_minor(123450, "USD") == "1234.50"
    assert format_minor(120000, "JPY") == "120000"
    assert format_minor(1234, "BHD") == "1.234"
    assert format_minor(-5, "USD") == "-0.05"
    assert display_minor(123456789, "USD", code=True) == "1,234,567.89 USD"
    with pytest.raises(MoneyError):
        to_minor(D("0.001"), "USD")
    with pytest.raises(TypeError):
        to_minor(1.5, "USD")  # floats are refused outright


def test_three_tenths_sum_exactly():
    total = sum(to_minor(parse_amount("0.10", "USD"), "USD") for _ in range(3))
    assert format_minor(total, "USD") == "0.30"


def test_currency_codes_are_validated():
    assert normalise_currency(" usd ") == "USD"
    for bad in ("", "US", "DOLLARS", "ABC"):
        with pytest.raises(MoneyError):
            normalise_currency(bad)
