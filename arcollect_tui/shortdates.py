"""Dates as a collector types them into a form: full dates and a small grammar of short forms.

`parse_when(text, today)` accepts, case-insensitive and with surrounding spaces ignored:

* every full date `dates.parse_date` takes (`2026-11-27`, `27.11.2026`, `11/27/2026`, `20261127`);
  a slash date whose first two fields could both be the month (`3/4/2026`) is read with
  `date_order` (`"MDY"`, `"DMY"`; the config's `[import] date_order`) and is an error without it;
* a day and a month name, with or without the year (`27 nov`, `nov 27`, `27 November 2026`);
  without the year: the next such day on or after today;
* `today`; `tomorrow` / `tmr`;
* `+3d`, `+2w`, `+1m`, `+1y` (the sign and the spaces are optional: `3d`, `+ 2 w`; `-1d` counts
  back): months and years through `dateutil.relativedelta`, so a month end clamps (Jan 31 + 1m =
  Feb 28, or Feb 29 in a leap year) and never drifts;
* a weekday, in full or its three letters (`fri`, `friday`): the next one *strictly after*
  today (on a Friday, `fri` is a week later: you would have said `today`);
* `eow`: the end of the working week, the Friday of this Monday-to-Sunday week (today on a
  Friday; on Saturday and Sunday the Friday of next week, as this week's has passed);
* `eom`: the last day of this month, *today included*: on the last day of the month `eom` is
  today ("by the end of the month" then means today), not the end of the next month.

Pure functions of their inputs (no clock: `today` is passed in) and no Textual.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from arcollect_tui.dates import DateError, is_ambiguous, parse_date

EXPECTED = ("expected a date such as 2026-11-27 or 27 nov, or +3d, +2w, +1m, today, tomorrow, "
            "a weekday (fri), eow or eom")

_WEEKDAYS = {name: i for i, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_WEEKDAYS.update({name[:3]: i for name, i in list(_WEEKDAYS.items())})
_MONTHS = {name: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), 1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

# English whatever the process locale (strftime's %a and %b follow it).
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_RELATIVE = re.compile(r"([+-]?)\s*(\d{1,4})\s*([dwmy])")
_DAY_MONTH = re.compile(r"(\d{1,2})\s*([a-z]+)\.?(?:,?\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s*(\d{1,2})(?:,?\s+(\d{4}))?")


def parse_when(text: str, today: dt.date, *, date_order: str = "") -> dt.date:
    """The date `text` names, counted from `today`; ValueError with a sentence that says why not."""
    s = " ".join((text or "").split()).lower()
    if not s:
        raise ValueError(f"missing date: {EXPECTED}")
    if s == "today":
        return today
    if s in ("tomorrow", "tmr"):
        return today + dt.timedelta(days=1)
    if s == "eom":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if s == "eow":
        friday = today + dt.timedelta(days=4 - today.weekday())
        return friday if friday >= today else friday + dt.timedelta(days=7)
    if s in _WEEKDAYS:
        ahead = (_WEEKDAYS[s] - today.weekday()) % 7 or 7
        return today + dt.timedelta(days=ahead)
    if m := _RELATIVE.fullmatch(s):
        n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
        unit = m.group(3)
        try:
            if unit == "d":
                return today + dt.timedelta(days=n)
            if unit == "w":
                return today + dt.timedelta(weeks=n)
            return today + (relativedelta(months=n) if unit == "m" else relativedelta(years=n))
        except (OverflowError, ValueError):
            raise ValueError(f"{text.strip()!r} is too far from today ({today})") from None
    if named := _month_name_date(s, today):
        return named
    order = date_order.upper() or None
    if order is None and is_ambiguous(s):
        raise ValueError(f"{text.strip()!r} could be day-first or month-first: write it as YYYY-MM-DD "
                         "(or set [import] date_order = \"DMY\" or \"MDY\" in the config)")
    try:
        return parse_date(s, order)  # type: ignore[arg-type]
    except DateError as exc:
        message = str(exc)
        if "is not a date" in message:
            raise ValueError(f"{text.strip()!r} is not a date: {EXPECTED}") from None
        raise ValueError(message) from None


def _month_name_date(s: str, today: dt.date) -> dt.date | None:
    """`27 nov`, `nov 27`, `27 november 2026`; None when `s` is not of that shape."""
    m = _DAY_MONTH.fullmatch(s)
    if m:
        day, month, year = m.group(1), m.group(2), m.group(3)
    elif m := _MONTH_DAY.fullmatch(s):
        month, day, year = m.group(1), m.group(2), m.group(3)
    else:
        return None
    if month not in _MONTHS:
        return None
    number = _MONTHS[month]
    try:
        if year:
            return dt.date(int(year), number, int(day))
        # The next such day on or after today; 29 feb waits for the next leap year.
        for y in range(today.year, today.year + 9):
            try:
                candidate = dt.date(y, number, int(day))
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise ValueError
    except ValueError:
        raise ValueError(f"{s!r} is not a real date") from None


def describe(day: dt.date, today: dt.date) -> str:
    """`Wed 25 Nov 2026, in 2 days` (or `today`, `tomorrow`, `3 days ago`): what a form shows."""
    delta = (day - today).days
    if delta == 0:
        when = "today"
    elif delta == 1:
        when = "tomorrow"
    elif delta == -1:
        when = "yesterday"
    elif delta > 0:
        when = f"in {delta} days"
    else:
        when = f"{-delta} days ago"
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}, {when}"
