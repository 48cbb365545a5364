"""`arcollect report NAME ...`: a group of reports (aging now; dso, cei, ... add a subparser each).

`report aging [--format table|csv|json|xlsx] [--out FILE]`
  table  aligned text for people: one line per (account, currency), then totals per currency.
  csv    one row per (account, currency): account, name, currency, current, 1-30, 31-60, 61-90,
         91+, total, disputed (amounts as plain strings with the currency's minor digits; no total
         rows, so that a spreadsheet can sum the columns; totals are in json, table and xlsx).
  json   the CONTRACT's aging object; each entry also has `disputed`.
  xlsx   sheet "Aging" (the csv columns, amounts as numbers in the currency's number format,
         frozen header, autofilter) and sheet "Totals" (per currency, with the as-of date).
`--out FILE` writes the file atomically (a temporary file in the same folder, then a rename) with
mode 0600; xlsx needs it.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from arcollect_tui.cli.common import add_format, safe_cell, write_csv, write_json, write_table
from arcollect_tui.errors import InputError
from arcollect_tui.money import display_minor, exponent, to_minor
from arcollect_tui.services.accounts import BUCKETS

AGING_COLUMNS = ["account", "name", "currency", *BUCKETS, "total", "disputed"]


def register(sub) -> None:
    p = sub.add_parser("report", help="portfolio reports (aging)",
                       description="Portfolio reports, computed as of --today.")
    reports = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    aging = reports.add_parser("aging", help="open amounts by days past due, per account and currency",
                               description="Open amounts as of --today by days past due: current "
                               "(not yet due or due today), 1-30, 31-60, 61-90, 91+.")
    add_format(aging, ["table", "csv", "json", "xlsx"], "table")
    aging.add_argument("--out", type=Path, metavar="FILE",
                       help="write to FILE (atomically, mode 0600) instead of standard output; needed for xlsx")
    aging.set_defaults(report_run=run_aging)
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    """Dispatch to the chosen report (argparse has already required one)."""
    return args.report_run(ctx, args)


def run_aging(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.reports import aging

    fmt: str = args.format
    out: Path | None = args.out
    if fmt == "xlsx" and out is None:
        raise InputError("report aging: --format xlsx writes a binary file: add --out FILE.xlsx")
    if out is not None:
        _check_out(out)
    report = aging(ctx.db, ctx.today)
    if fmt == "xlsx":
        assert out is not None
        write_atomic(out, aging_xlsx(report))
        return 0
    writer: Callable[[Any, io.StringIO], None] = {
        "table": _aging_table, "csv": _aging_csv, "json": lambda r, buf: write_json(r.to_json(), buf),
    }[fmt]
    if out is None:
        import sys

        writer(report, sys.stdout)  # type: ignore[arg-type]
    else:
        buf = io.StringIO()
        writer(report, buf)
        write_atomic(out, buf.getvalue().encode("utf-8"))
    return 0


def _amounts(line) -> list[str]:
    return [str(v) for v in (*line.buckets, line.total, line.disputed)]


def _aging_csv(report, out) -> None:
    write_csv(([a.account, a.name, a.currency, *_amounts(a)] for a in report.accounts), AGING_COLUMNS, out)


NAME_WIDTH = 40


def _short(name: str | None) -> str:
    """Names in the table are cut to NAME_WIDTH characters (csv, json and xlsx keep them whole)."""
    name = name or ""
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def _aging_table(report, out) -> None:
    out.write(f"Aging as of {report.as_of.isoformat()}\n\n")
    if not report.accounts:
        out.write("No open items.\n")
        return

    def shown(line) -> list[str]:
        return [display_minor(to_minor(v, line.currency), line.currency)
                for v in (*line.buckets, line.total, line.disputed)]

    numeric = range(3, 3 + len(BUCKETS) + 2)
    write_table([[a.account, _short(a.name), a.currency, *shown(a)] for a in report.accounts], AGING_COLUMNS,
                out, right=numeric)
    out.write("\n")
    write_table([["Total", t.currency, *shown(t)] for t in report.totals],
                ["", "currency", *AGING_COLUMNS[3:]], out, right=range(2, 2 + len(BUCKETS) + 2))


def aging_xlsx(report) -> bytes:
    """The aging workbook: typed amounts in each currency's number format, text kept as text."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": f"Aging as of {report.as_of.isoformat()}", "creator": "arcollect"})
    bold = wb.add_format({"bold": True})
    money_formats: dict[int, Any] = {}

    def money_format(currency: str):
        exp = exponent(currency)
        if exp not in money_formats:
            money_formats[exp] = wb.add_format({"num_format": "#,##0" + ("." + "0" * exp if exp else "")})
        return money_formats[exp]

    def text(ws, row: int, col: int, value: str | None) -> None:
        ws.write_string(row, col, safe_cell(value or ""))

    def amounts(ws, row: int, col: int, line) -> None:
        fmt = money_format(line.currency)
        for i, value in enumerate((*line.buckets, line.total, line.disputed)):
            ws.write_number(row, col + i, value, fmt)  # Decimal: XlsxWriter writes its digits as they are

    ws = wb.add_worksheet("Aging")
    for col, head in enumerate(AGING_COLUMNS):
        ws.write_string(0, col, head, bold)
    for r, line in enumerate(report.accounts, start=1):
        text(ws, r, 0, line.account)
        text(ws, r, 1, line.name)
        text(ws, r, 2, line.currency)
        amounts(ws, r, 3, line)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(report.accounts)), len(AGING_COLUMNS) - 1)
    key_width = max([len("account")] + [len(a.account or "") for a in report.accounts])
    name_width = max([len("name")] + [len(a.name or "") for a in report.accounts])
    ws.set_column(0, 0, min(key_width + 2, 30))
    ws.set_column(1, 1, min(name_width + 2, 50))
    ws.set_column(2, 2, 9)
    ws.set_column(3, len(AGING_COLUMNS) - 1, 15)

    ts = wb.add_worksheet("Totals")
    total_columns = ["as_of", *AGING_COLUMNS[2:]]
    for col, head in enumerate(total_columns):
        ts.write_string(0, col, head, bold)
    for r, line in enumerate(report.totals, start=1):
        ts.write_string(r, 0, report.as_of.isoformat())
        text(ts, r, 1, line.currency)
        amounts(ts, r, 2, line)
    ts.freeze_panes(1, 0)
    ts.autofilter(0, 0, max(1, len(report.totals)), len(total_columns) - 1)
    ts.set_column(0, 0, 12)
    ts.set_column(1, 1, 9)
    ts.set_column(2, len(total_columns) - 1, 15)
    wb.close()
    return buf.getvalue()


def _check_out(path: Path) -> None:
    """Refuse before computing anything: a folder, or a file in a folder that does not exist."""
    if path.is_dir():
        raise InputError(f"--out {path}: is a folder: give a file name such as aging.xlsx")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--out {path}: the folder {parent} does not exist: create it or choose another file")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all: temp file (mode 0600) + fsync + rename.

    A reader never sees half a file, and an existing file is only replaced once the new one is
    complete.
    """
    _check_out(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"--out {path}: cannot write in {parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
