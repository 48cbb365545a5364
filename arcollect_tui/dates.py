"""Dates as exports write them, and the day/month order of a whole file.

Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, `M/D/YYYY` and `D/M/YYYY` (slashes or dashes; the order is
decided per file), `DD.MM.YYYY` (always day first), `YYYYMMDD` and `YYYYMMDD.0` (SAP numbers
read as floats), each optionally followed by a time (`1/2/2013 0:00`, `2013-01-02T00:00:00Z`),
which is ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Literal

Order = Literal["MDY", "DMY"]

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_SLASH = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})" + _TIME)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\.0+)?" + _TIME)


class DateError(ValueError):
    """A date that cannot be read; the message says what was expected."""


EXPECTED = "a date such as 2026-03-31, 3/31/2026, 31.03.2026 or 20260331"


def slash_order_evidence(text: str) -> Order | None:
    """What one slash date says about the file's order: a first field above 12 means DMY."""
    m = _SLASH.fullmatch((text or "").strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if a > 12 and b <= 12:
        return "DMY"
    if b > 12 and a <= 12:
        return "MDY"
    return None


def is_ambiguous(text: str) -> bool:
    """A slash date whose two first fields could both be months (`3/4/2026`, not `4/4/2026`)."""
    m = _SLASH.fullmatch((text or "").strip())
    return bool(m) and m.group(1) != m.group(2) and int(m.group(1)) <= 12 and int(m.group(2)) <= 12


def decide_order(values: Iterable[str], fallback: Order | None) -> Order | None:
    """The order of a file's slash dates: from the evidence, else `fallback`.

    Raises DateError when the file contradicts itself.  Returns None when the file has no
    ambiguous dates at all, or when it is ambiguous and no fallback is set (the caller decides
    whether that is an error: it is only one if an ambiguous value must be read).
    """
    seen: set[str] = set()
    for value in values:
        ev = slash_order_evidence(value)
        if ev:
            seen.add(ev)
            if len(seen) == 2:
                raise DateError("the file mixes day-first and month-first dates")
    if seen:
        return seen.pop()  # type: ignore[return-value]
    return fallback


def parse_date(text: str, order: Order | None = None) -> dt.date:
    """One date.  `order` is needed only for slash dates whose first two fields are both <= 12."""
    s = (text or "").strip()
    if not s:
        raise DateError(f"missing date: expected {EXPECTED}")
    try:
        if m := _ISO.fullmatch(s):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DOTTED.fullmatch(s):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _COMPACT.fullmatch(s):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _SLASH.fullmatch(s):
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if order is None:
                order = slash_order_evidence(s) or ("MDY" if a == b else None)
            if order is None:
                raise DateError(
                    f"{s!r} could be day-first or month-first and nothing in the file settles it: "
                    "set [import] date_order = \"DMY\" or \"MDY\" in the config"
                )
            month, day = (a, b) if order == "MDY" else (b, a)
            return dt.date(year, month, day)
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(f"{s!r} is not a real date ({exc})") from None
    raise DateError(f"{s!r} is not a date: expected {EXPECTED}")


def parse_iso(text: str, what: str = "date") -> dt.date:
    """Strict `YYYY-MM-DD`, for command-line options such as `--today`."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DateError(f"{what} {text!r} is not a date: expected YYYY-MM-DD") from None
