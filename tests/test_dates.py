import datetime as dt

import pytest

from arcollect_tui.dates import DateError, decide_order, parse_date, parse_iso

d = dt.date


@pytest.mark.parametrize(
    "text, order, expected",
    [
        ("2026-03-31", None, d(2026, 3, 31)),
        ("2026/3/1", None, d(2026, 3, 1)),
        ("3/31/2026", "MDY", d(2026, 3, 31)),
        ("31/3/2026", "DMY", d(2026, 3, 31)),
        ("3/4/2026", "MDY", d(2026, 3, 4)),
        ("3/4/2026", "DMY", d(2026, 4, 3)),
        ("1/2/2013", "MDY", d(2013, 1, 2)),
        ("31.03.2026", None, d(2026, 3, 31)),
        ("1.3.2026", None, d(2026, 3, 1)),
        ("20260331", None, d(2026, 3, 31)),
        ("20260331.0", None, d(2026, 3, 31)),
        ("2026-03-31 00:00:00", None, d(2026, 3, 31)),
        ("2026-03-31T14:05:00Z", None, d(2026, 3, 31)),
        ("2026-03-31T14:05:00+09:00", None, d(2026, 3, 31)),
        ("3/31/2026 0:00", None, d(2026, 3, 31)),
        ("3/31/2026 11:59 PM", None, d(2026, 3, 31)),
        ("31/03/2026", None, d(2026, 3, 31)),   # evidence in the value itself
        ("4/4/2026", None, d(2026, 4, 4)),      # same either way
    ],
)
def test_parse_date_accepts(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    "text, order, fragment",
    [
        ("", None, "missing date"),
        ("3/4/2026", None, "date_order"),
        ("2026-02-30", None, "not a real date"),
        ("31/3/2026", "MDY", "not a real date"),
        ("yesterday", None, "not a date"),
        ("2026-3", None, "not a date"),
        ("03/31/26", None, "not a date"),
    ],
)
def test_parse_date_rejects(text, order, fragment):
    with pytest.raises(DateError) as err:
        parse_date(text, order)
    assert fragment in str(err.value)


def test_first_field_above_12_settles_the_file():
    assert decide_order(["1/2/2013", "13/2/2013"], None) == "DMY"
    assert decide_order(["1/2/2013", "2/13/2013"], None) == "MDY"
    assert decide_order(["1/2/2013", "2/3/2013"], "DMY") == "DMY"   # config breaks the tie
    assert decide_order(["1/2/2013"], None) is None                  # truly ambiguous
    with pytest.raises(DateError, match="mixes"):
        decide_order(["13/2/2013", "2/13/2013"], None)


def test_parse_iso_is_strict():
    assert parse_iso("2026-11-23") == d(2026, 11, 23)
    for bad in ("2026-1-1", "23/11/2026", "2026-13-01", ""):
        with pytest.raises(DateError):
            parse_iso(bad)
