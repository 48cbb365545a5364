"""What every command shares: the resolved options, the lazily opened database, output helpers."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from peewee import SqliteDatabase

from arcollect_tui.clock import resolve_today
from arcollect_tui.config import Config, default_db_path, load_config


@dataclass
class Context:
    db_option: Path | None = None
    today_option: str | None = None
    config_option: Path | None = None
    debug: bool = False
    _db: SqliteDatabase | None = field(default=None, repr=False)
    _config: Config | None = field(default=None, repr=False)
    _today: dt.date | None = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        return self.db_option or default_db_path()

    @property
    def today(self) -> dt.date:
        if self._today is None:
            self._today = resolve_today(self.today_option)
        return self._today

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_option)
        return self._config

    @property
    def db(self) -> SqliteDatabase:
        if self._db is None:
            from arcollect_tui.db import connect

            self._db = connect(self.db_path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def add_format(parser, choices: Sequence[str], default: str) -> None:
    parser.add_argument("--format", choices=list(choices), default=default,
                        help=f"output format (default: {default})")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number as the program writes amounts: an optional minus, digits, optional decimals.
# "+1", "-2+3", "-1e5" or "-inf" are not: they are text and get the leading quote.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """CONTRACT: a text cell that a spreadsheet could read as a formula gets a leading `'`.

    Plain numbers (such as "-12.50") stay as they are.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(rows: Iterable[Sequence[Any]], header: Sequence[str], out=None) -> None:
    out = out or sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])


def write_json(data: Any, out=None) -> None:
    out = out or sys.stdout
    json.dump(data, out, ensure_ascii=False, indent=2, default=_json_default)
    out.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_table(rows: Sequence[Sequence[Any]], header: Sequence[str], out=None,
                right: Iterable[int] = ()) -> None:
    """A plain aligned text table (no markup, control characters stripped)."""
    from arcollect_tui.text import clean

    out = out or sys.stdout
    right = set(right)
    cells = [[clean("" if v is None else str(v)) for v in row] for row in rows]
    head = [clean(h) for h in header]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(head)]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    out.write(fmt(head) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(fmt(row) + "\n")
