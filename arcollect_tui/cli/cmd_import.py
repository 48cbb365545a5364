"""`arcollect import FILE... [--kind K] [--preset NAME] [--dry-run]` (CONTRACT.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, TextIO

from arcollect_tui.cli.common import write_table
from arcollect_tui.importer import COUNTED, KINDS, PRESETS, SKIP_REASONS, ImportReport, run_import
from arcollect_tui.text import clean

# Without --dry-run the changes are listed up to this many (the audit log has them all).
CHANGES_SHOWN = 50


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="load CSV exports (invoices, payments, accounts, contacts)",
        description="Load CSV files into the store. Kind and preset are detected from the header when not "
        "given. All files of one command are one transaction: any invalid row means exit 2, every problem "
        "listed, nothing written. Importing the same data again changes nothing.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files")
    p.add_argument("--kind", choices=KINDS, help="what the files hold (default: detected from the header)")
    p.add_argument("--preset", choices=list(PRESETS),
                   help="the export's shape (default: detected): " +
                   "; ".join(f"{name}: {preset.title}" for name, preset in PRESETS.items()))
    p.add_argument("--dry-run", action="store_true",
                   help="report what would change, field by field, and write nothing")
    p.set_defaults(run=run)


def terminal_progress(stream: TextIO) -> Callable[[int, int], None] | None:
    """A `\\r`-updated 'rows read / total (percent)' line, only when `stream` is a terminal.

    Rows are counted as they are read and checked; at 100% the line says that the write (one
    transaction, a few seconds for a million rows) has begun.
    """
    if not stream.isatty():
        return None
    last = [-1]

    def show(done: int, total: int) -> None:
        pct = 100 if total == 0 else done * 100 // total
        if pct == last[0]:
            return
        last[0] = pct
        stream.write(f"\rimport: {done:,}/{total:,} rows read ({pct}%)")
        if done >= total:
            stream.write("; writing\n")
        stream.flush()

    return show


def run(ctx, args: argparse.Namespace) -> int:
    report = run_import(ctx.db, list(args.files), kind=args.kind, preset=args.preset, dry_run=args.dry_run,
                        today=ctx.today, config=ctx.config, user=ctx.config.user_name,
                        progress=terminal_progress(sys.stderr))
    print_report(report, sys.stdout)
    return 0


def print_report(report: ImportReport, out: TextIO) -> None:
    for f in report.files:
        order = {"MDY": ", dates month-first", "DMY": ", dates day-first"}.get(f.date_order or "", "")
        out.write(f"{clean(f.path)}: {f.kind} (preset {f.preset}), {f.rows} rows, header on line {f.header_line}, "
                  f"{f.delimiter}-separated {f.encoding}{order}\n")
        if f.ignored:
            out.write(f"  ignored columns: {clean(', '.join(f.ignored))}\n")
    rows = []
    for kind in COUNTED:
        c = report.count(kind)
        if c.total:
            rows.append([kind, c.new, c.changed, c.unchanged] + ([c.removed] if _any_removed(report) else []))
    header = ["kind", "new", "changed", "unchanged"] + (["removed"] if _any_removed(report) else [])
    if rows:
        write_table(rows, header, out=out, right=range(1, len(header)))
    else:
        out.write("no rows to import\n")
    if report.skipped:
        out.write("skipped: " + "; ".join(f"{SKIP_REASONS[k]}: {n}" for k, n in report.skipped.items()) + "\n")
    if report.changes:
        shown = report.changes if report.dry_run else report.changes[:CHANGES_SHOWN]
        out.write("changes:\n")
        for change in shown:
            out.write(f"  {clean(str(change))}\n")
        if len(shown) < len(report.changes):
            out.write(f"  ... and {len(report.changes) - len(shown)} more (--dry-run lists them all)\n")
    if report.dry_run:
        out.write("dry run: nothing was written\n")
    elif report.batch_id is None:
        out.write("nothing to write: the store already holds this data\n")
    else:
        out.write(f"written as import batch {report.batch_id}\n")


def _any_removed(report: ImportReport) -> bool:
    return any(c.removed for c in report.counts.values())
