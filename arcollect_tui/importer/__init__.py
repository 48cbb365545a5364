"""`arcollect import`: CSV exports -> the store, all files of one command in one transaction.

    report = run_import(db, [Path("ar.csv")], today=today, config=config, user=config.user_name)

Steps: read (reader.py: encoding, delimiter, quoting) -> find the header, preset and kind
(presets.py) -> skip title/section/total rows and decide each file's date order, then type
every cell (parse.py) -> compare with the store and plan (load.py) -> write.  Any problem
anywhere raises InputError listing all of them, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from arcollect_tui.config import Config
from arcollect_tui.errors import InputError
from arcollect_tui.importer.load import Planner, write_plan
from arcollect_tui.importer.parse import (
    FileRows,
    Problems,
    decide_date_order,
    parse_accounts,
    parse_contacts,
    parse_invoices,
    parse_payments,
    split_rows,
)
from arcollect_tui.importer.presets import KINDS, PRESETS, detect
from arcollect_tui.importer.reader import DELIMITER_NAMES, read_table
from arcollect_tui.importer.report import (
    COUNTED,
    SKIP_REASONS,
    FieldChange,
    FileSummary,
    ImportReport,
    KindCounts,
)

__all__ = ["run_import", "ImportReport", "KindCounts", "FieldChange", "FileSummary", "KINDS", "PRESETS",
           "SKIP_REASONS", "COUNTED"]


def run_import(db: Any, paths: list[Path], *, kind: str | None = None, preset: str | None = None,
               dry_run: bool = False, today: dt.date, config: Config, user: str,
               progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import CSV files (see the module docstring); `dry_run` plans and reports, writing nothing."""
    # A big import makes millions of small containers that all live to the end; the cyclic
    # garbage collector would rescan them again and again (a third of the run time) and
    # find nothing to free.  Reference counting still frees everything as usual.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_import(db, paths, kind=kind, preset=preset, dry_run=dry_run, today=today, config=config,
                           user=user, progress=progress)
    finally:
        if was_enabled:
            gc.enable()


def _run_import(db: Any, paths: list[Path], *, kind: str | None, preset: str | None, dry_run: bool,
                today: dt.date, config: Config, user: str,
                progress: Callable[[int, int], None] | None) -> ImportReport:
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind: {kind}: expected one of {', '.join(KINDS)}")
    if preset is not None and preset not in PRESETS:
        raise InputError(f"--preset: {preset}: expected one of {', '.join(PRESETS)}")
    if preset is not None and kind is not None and kind not in PRESETS[preset].kinds:
        raise InputError(f"--kind: {kind}: preset {preset} reads {', '.join(PRESETS[preset].kinds)}")
    if not paths:
        raise InputError("import: no files given: name one or more CSV files")
    problems = Problems()
    fallback = config.import_.date_order or None

    files: list[FileRows] = []
    for path in paths:
        try:
            table = read_table(Path(path))
        except InputError as exc:
            for line in exc.problems:
                problems.add(line)
            continue
        try:
            layout = detect(table.rows, kind=kind, preset=preset, name=table.name)
        except ValueError as exc:
            problems.add(str(exc))
            continue
        fr = split_rows(table, layout, problems)
        table.rows.clear()  # the raw cells: the data rows hold what is needed (a big file is big)
        decide_date_order(fr, fallback, problems)  # type: ignore[arg-type]
        files.append(fr)
    if problems:
        raise InputError(problems.lines())

    total = sum(fr.rows for fr in files)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done = min(total, done + n)
        if progress is not None:
            progress(done, total)

    invoices, payments, accounts, contacts = [], [], [], []
    default_currency = config.default_currency
    for src, fr in enumerate(files):
        k = fr.layout.kind
        if k == "invoices":
            invoices.extend(parse_invoices(fr, src, default_currency, problems, tick))
        else:
            if k == "payments":
                payments.extend(parse_payments(fr, src, default_currency, problems))
            elif k == "accounts":
                accounts.extend(parse_accounts(fr, src, default_currency, problems))
            else:
                contacts.extend(parse_contacts(fr, src, problems))
            tick(fr.rows)
        fr.data = []  # typed records from here on
    if problems:
        raise InputError(problems.lines())

    skipped: Counter = Counter()
    for fr in files:
        skipped.update(fr.skipped)
    files_meta = [{"path": str(fr.table.path), "sha256": fr.table.sha256, "kind": fr.layout.kind,
                   "preset": fr.layout.preset.name} for fr in files]

    def plan(conn: Any) -> Planner:
        planner = Planner(conn, today=today, files=files, problems=problems)
        planner.accounts(invoices, payments, accounts, contacts)
        planner.contacts(contacts)
        imported = planner.invoices(invoices)
        planner.payments(payments, imported)
        if problems:
            raise InputError(problems.lines())
        return planner

    def summary_of(planner: Planner) -> dict[str, Any]:
        return {"counts": {k: {f: planner.plan.counts[k][f] for f in ("new", "changed", "unchanged", "removed")}
                           for k in COUNTED if planner.plan.counts.get(k)},
                "skipped": {k: v for k, v in skipped.items() if v}}

    batch_id = None
    conn = db.connection()
    if dry_run:
        planner = plan(conn)
    else:
        with db.atomic():  # plan inside the write lock: nobody changes the store in between
            planner = plan(conn)
            if not planner.plan.empty:
                batch_id = write_plan(conn, planner.plan, today=today, user=user, files_meta=files_meta,
                                      summary=summary_of(planner))
    if progress is not None:
        progress(total, total)

    counts = {k: KindCounts(**{f: planner.plan.counts[k][f] for f in ("new", "changed", "unchanged", "removed")})
              for k in COUNTED if planner.plan.counts.get(k)}
    summaries = tuple(
        FileSummary(path=fr.name, sha256=fr.table.sha256, kind=fr.layout.kind, preset=fr.layout.preset.name,
                    encoding=fr.table.encoding, delimiter=DELIMITER_NAMES.get(fr.table.delimiter, fr.table.delimiter),
                    header_line=fr.header_line, rows=fr.rows,
                    date_order=fr.date_order,
                    columns={c: fr.layout.headers[i] for c, i in fr.layout.mapping.items()},
                    ignored=fr.layout.ignored)
        for fr in files)
    return ImportReport(files=summaries, counts=counts, skipped={k: skipped[k] for k in SKIP_REASONS if skipped[k]},
                        changes=tuple(planner.plan.changes), dry_run=dry_run, batch_id=batch_id)
