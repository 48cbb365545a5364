"""`arcollect report NAME ...`: portfolio reports, each computed as of --today.

`report aging [--format table|csv|json|xlsx] [--out FILE]`
  table  aligned text for people: one line per (account, currency), then totals per currency.
  csv    one row per (account, currency): account, name, currency, current, 1-30, 31-60, 61-90,
         91+, total, disputed (amounts as plain strings with the currency's minor digits; no total
         rows, so that a spreadsheet can sum the columns; totals are in json, table and xlsx).
  json   the CONTRACT's aging object; each entry also has `disputed`.
  xlsx   sheet "Aging" (the csv columns, amounts as numbers in the currency's number format,
         frozen header, autofilter) and sheet "Totals" (per currency, with the as-of date).

`report dso|cei|promises|activity|disputes|stages|cash [--from DATE] [--to DATE]
        [--format table|csv|json|xlsx] [--table NAME] [--out FILE]`
  A period report (services/reports.py): --to defaults to --today, --from to three months
  before --to (the day after); a --to after --today, or a --from after --to, is exit 2.
  table  the summary tables for people, then the formula and its convention as a footer.
  csv    one table: --table NAME, else the report's first (TABLES lists them).
  json   {"report", "as_of", "period": {"from", "to", "days"}, "formula", <table key>: [rows]}
         (the activity report: "currencies", "days", "weeks"); amounts, days and percentages
         as strings, counts as numbers, null where a figure is undefined.
  xlsx   a sheet per table (typed cells, frozen header, autofilter) and an "About" sheet with
         the period and the formula.
`--out FILE` writes the file atomically (a temporary file in the same folder, then a rename) with
mode 0600; xlsx needs it.
"""

from __future__ import annotations

import argparse
import io
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

from arcollect_tui.cli.common import add_format, safe_cell, write_csv, write_json, write_table
from arcollect_tui.errors import InputError
from arcollect_tui.money import display_minor, exponent, to_minor
from arcollect_tui.services.accounts import BUCKETS

AGING_COLUMNS = ["account", "name", "currency", *BUCKETS, "total", "disputed"]

# Each period report: its help, its tables (the first is the CSV's default), and the tables the
# table format shows when no --table is given (the summaries; the lists of items only on request).
TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "dso": ("DSO standard and countback, best possible DSO, average days delinquent",
            ("dso", "countback"), ("dso", "countback")),
    "cei": ("collection effectiveness index (credit sales of the whole period)", ("cei",), ("cei",)),
    "promises": ("promise-to-pay kept rate, partly kept and broken shown apart", ("promises", "items"),
                 ("promises",)),
    "activity": ("calls, right-party contacts, promises and cash per day and ISO week",
                 ("activity", "days", "weeks"), ("weeks",)),
    "disputes": ("open disputes by reason, owner, team and age; cycle time of resolved ones",
                 ("groups", "cycle_time", "open", "resolved"), ("groups", "cycle_time")),
    "stages": ("accounts and amounts per stage; roll rates between stages over the period",
               ("stages", "roll_rates", "roll_summary", "accounts"), ("stages", "roll_rates", "roll_summary")),
    "cash": ("cash collected in the period against the overdue at its start", ("cash",), ("cash",)),
}


def register(sub) -> None:
    p = sub.add_parser("report", help="portfolio reports (aging, dso, cei, promises, activity, disputes, stages, cash)",
                       description="Portfolio reports, computed as of --today.")
    reports = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    aging = reports.add_parser("aging", help="open amounts by days past due, per account and currency",
                               description="Open amounts as of --today by days past due: current "
                               "(not yet due or due today), 1-30, 31-60, 61-90, 91+.")
    add_format(aging, ["table", "csv", "json", "xlsx"], "table")
    aging.add_argument("--out", type=Path, metavar="FILE",
                       help="write to FILE (atomically, mode 0600) instead of standard output; needed for xlsx")
    aging.set_defaults(report_run=run_aging)
    for name, (what, tables, _) in TABLES.items():
        r = reports.add_parser(name, help=what, description=f"{what[0].upper()}{what[1:]}, as of --today, over "
                               "the period --from to --to (default: the three months ending on --today).")
        r.add_argument("--from", dest="start", metavar="DATE", help="first day of the period, YYYY-MM-DD")
        r.add_argument("--to", dest="end", metavar="DATE", help="last day of the period, YYYY-MM-DD "
                       "(default: --today; not after it)")
        add_format(r, ["table", "csv", "json", "xlsx"], "table")
        r.add_argument("--table", choices=list(tables), help=f"the table for csv or table output "
                       f"(default: {tables[0]} for csv)")
        r.add_argument("--out", type=Path, metavar="FILE",
                       help="write to FILE (atomically, mode 0600) instead of standard output; needed for xlsx")
        r.set_defaults(report_run=run_period)
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    """Dispatch to the chosen report (argparse has already required one)."""
    return args.report_run(ctx, args)


def _date_option(value: str | None, option: str, problems: list[str]):
    from arcollect_tui.dates import DateError, parse_iso

    if value is None:
        return None
    try:
        return parse_iso(value, option)
    except DateError as exc:
        problems.append(str(exc))
        return None


def build_report(ctx, name: str, start: str | None = None, end: str | None = None):
    """The period report `name` as of ctx.today (what the screen will call in a worker too)."""
    from arcollect_tui.services import reports

    problems: list[str] = []
    first, last = _date_option(start, "--from", problems), _date_option(end, "--to", problems)
    if problems:
        raise InputError(problems)
    span = reports.period(ctx.today, first, last)
    policy = ctx.config.policy
    builders: dict[str, Callable[[], Any]] = {
        "dso": lambda: reports.dso(ctx.db, ctx.today, span),
        "cei": lambda: reports.cei(ctx.db, ctx.today, span),
        "promises": lambda: reports.promises(ctx.db, ctx.today, span, policy),
        "activity": lambda: reports.activity(ctx.db, ctx.today, span),
        "disputes": lambda: reports.disputes(ctx.db, ctx.today, span),
        "stages": lambda: reports.stages(ctx.db, ctx.today, span, policy, config=ctx.config),
        "cash": lambda: reports.cash(ctx.db, ctx.today, span),
    }
    return builders[name]()


def run_period(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.exports import check_out_path, workbook_bytes, write_table_csv

    name: str = args.report
    fmt: str = args.format
    out: Path | None = args.out
    if fmt == "xlsx" and out is None:
        raise InputError(f"report {name}: --format xlsx writes a binary file: add --out FILE.xlsx")
    if out is not None:
        check_out_path(out, example=f"{name}.{fmt}")
    report = build_report(ctx, name, args.start, args.end)
    tables = {t.key: t for t in report.tables()}
    if fmt == "xlsx":
        assert out is not None
        p = report.period
        about = [("report", report.title), ("as_of", report.as_of), ("from", p.start), ("to", p.end),
                 ("days", p.days), ("formula", report.formula)]
        write_atomic(out, workbook_bytes(list(tables.values()), about, title=report.heading()))
        return 0
    buf = io.StringIO() if out is not None else sys.stdout
    if fmt == "json":
        write_json(report.to_json(), buf)
    elif fmt == "csv":
        write_table_csv(tables[args.table or TABLES[name][1][0]], buf)
    else:
        keys = [args.table] if args.table else list(TABLES[name][2])
        _period_table(report, [tables[k] for k in keys], buf)
    if out is not None:
        write_atomic(out, buf.getvalue().encode("utf-8"))  # type: ignore[union-attr]
    return 0


def _period_table(report, tables, out) -> None:
    from arcollect_tui.services.exports import display_value

    out.write(report.heading() + "\n")
    for table in tables:
        out.write(f"\n{table.title}\n")
        if not table.rows:
            out.write("(none)\n")
            continue
        numeric = [i for i, c in enumerate(table.columns) if c.kind not in ("text", "date")]
        write_table([[_short(display_value(table, row, c, v)) if c.kind == "text" else display_value(table, row, c, v)
                      for c, v in zip(table.columns, row)] for row in table.rows],
                    [c.name for c in table.columns], out, right=numeric)
    out.write("\n" + "\n".join(textwrap.wrap("Formula: " + report.formula, width=100)) + "\n")


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
    from arcollect_tui.services.exports import check_out_path

    check_out_path(path, example="aging.xlsx")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all (services.exports.write_file_atomic)."""
    from arcollect_tui.services.exports import write_file_atomic

    write_file_atomic(path, data)
