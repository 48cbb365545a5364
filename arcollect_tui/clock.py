"""*Today* is injectable everywhere: `--today`, else `$ARCOLLECT_TODAY`, else the local date."""

from __future__ import annotations

import datetime as dt
import os

from arcollect_tui.dates import DateError, parse_iso
from arcollect_tui.errors import InputError


def resolve_today(option: str | None = None) -> dt.date:
    if option:
        source, value = "--today", option
    elif os.environ.get("ARCOLLECT_TODAY"):
        source, value = "ARCOLLECT_TODAY", os.environ["ARCOLLECT_TODAY"]
    else:
        return dt.date.today()
    try:
        day = parse_iso(value, source)
    except DateError as exc:
        raise InputError(str(exc)) from None
    if not EARLIEST <= day <= LATEST:
        raise InputError(f"{source}: {value}: expected a date from {EARLIEST} to {LATEST}")
    return day


# The range of *today*: the rules add years of days to it (coming steps, schedules, histories).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9000, 12, 31)


def now_stamp() -> str:
    """The wall-clock time of a write, UTC, to the second (audit rows, created_at)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
