"""`make bench`: import throughput against sqlite3's own `.import`, and the demo build time.

Steps (each timed as a subprocess, wall clock and the CPU time it used):
1. write a deterministic canonical invoices CSV (CONTRACT columns) to bench/out/;
2. `arcollect --db <tmp>/bench.db import <file>`: rows per second;
3. `sqlite3 <tmp>/bare.db ".import --csv <file> t"`: the same file into a bare table, and the
   ratio importer / sqlite3 (goal: within 3x);
4. `arcollect --db <tmp>/demo.db demo --accounts N` into a fresh database;
5. the queue on that demo, cold and cached (bench/queue_bench.py, on a copy).
A step that fails is reported as failed and the rest still run.  The Markdown table is printed
and written to bench/out/results.md.  The machine may be shared: CPU seconds are shown beside
wall seconds because they move less with other people's load.

    .venv/bin/python bench/run.py [--rows N] [--accounts N] [--skip-import] [--skip-demo] [--skip-queue]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TODAY = dt.date(2026, 3, 2)  # fixed, so that every run imports and builds the same data
SEED = 20260302
CURRENCIES = (("USD", 2, 35), ("EUR", 2, 25), ("SGD", 2, 15), ("AUD", 2, 15), ("JPY", 0, 10))
SUFFIXES = ("Inc.", "LLC", "GmbH", "B.V.", "S.A.", "Pte. Ltd.", "Pty Ltd", "K.K.", "Co., Ltd.")
WORDS = ("Blue Ridge", "Straits", "Tōkai", "Harbourside", "Nordlicht", "Oranje", "Lumière", "Ibérica", "O'Brien",
         "Lakeshore", "Southern Cross", "Sakura", "Summit", "Rheinland", "Marina", "Kookaburra", "Cascade")
TRADES = ("Logistics", "Software", "Seiki", "Foods", "Engineering", "Analytics", "Trading & Co", "Medical Supply")


@dataclass
class Result:
    step: str
    rows: int | None = None
    seconds: float | None = None
    cpu: float | None = None
    note: str = ""

    @property
    def rate(self) -> str:
        if not self.rows or not self.seconds:
            return ""
        return f"{self.rows / self.seconds:,.0f}"


def arcollect_command() -> list[str]:
    """The venv's console script next to this Python, else `python -m arcollect_tui`."""
    script = Path(sys.executable).parent / "arcollect"
    return [str(script)] if script.exists() else [sys.executable, "-m", "arcollect_tui"]


def write_csv(path: Path, rows: int, accounts: int) -> None:
    """Canonical invoices: ~`accounts` accounts with ~rows/accounts invoices each over the past year.

    Deterministic (one seeded Random); amounts are built from integer minor units, never
    floats; JPY has no decimals.  Names carry commas and quotes, as real exports do.
    """
    rng = random.Random(SEED)
    picks = [c for c, _, w in CURRENCIES for _ in range(w)]
    digits = {c: e for c, e, _ in CURRENCIES}
    accounts = max(1, min(accounts, rows))
    people = []
    for n in range(accounts):
        cur = picks[rng.randrange(len(picks))]
        name = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"
        people.append((f"{100_000 + n * 7:010d}", name, cur, rng.choice((30, 45, 60))))
    start = TODAY.toordinal() - 365
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["account", "name", "invoice", "invoice_date", "due_date", "amount", "currency"])
        for i in range(rows):
            key, name, cur, terms = people[i % accounts] if i < accounts else people[rng.randrange(accounts)]
            day = start + rng.randrange(366)
            minor = rng.randrange(5_000, 2_500_000) * (100 if digits[cur] == 0 else 1)
            amount = str(minor) if digits[cur] == 0 else f"{minor // 100}.{minor % 100:02d}"
            out.writerow([key, name, f"INV{i + 1:09d}", dt.date.fromordinal(day).isoformat(),
                          dt.date.fromordinal(day + terms).isoformat(), amount, cur])


def timed(argv: list[str], step: str, rows: int | None) -> tuple[Result, subprocess.CompletedProcess | None]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True)
    except OSError as exc:
        return Result(step, note=f"failed to start: {exc}"), None
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        why = lines[-1] if lines else ""
        return Result(step, rows, seconds, cpu, f"failed (exit {proc.returncode}): {why}"[:200]), proc
    return Result(step, rows, seconds, cpu), proc


def count(db: Path, sql: str) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def run(args: argparse.Namespace) -> list[Result]:
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    tool = arcollect_command()
    with tempfile.TemporaryDirectory(prefix="arcollect-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.skip_import:
            path = OUT / f"invoices-{args.rows}.csv"
            t0 = time.perf_counter()
            write_csv(path, args.rows, args.accounts)
            results.append(Result("write canonical CSV", args.rows, time.perf_counter() - t0, None,
                                  f"{path.relative_to(ROOT)}, {path.stat().st_size / 1e6:,.0f} MB"))
            print(f"bench: importing {args.rows:,} rows ...", file=sys.stderr)
            db = tmp / "bench.db"
            mine, _ = timed([*tool, "--db", str(db), "--today", TODAY.isoformat(), "import", str(path)],
                            "arcollect import", args.rows)
            if not mine.note:
                stored = count(db, "SELECT count(*) FROM invoice")
                if stored != args.rows:
                    mine.note = f"stored {stored} invoices, expected {args.rows:,}"
            results.append(mine)
            sqlite_cli = shutil.which("sqlite3")
            if sqlite_cli is None:
                results.append(Result("sqlite3 .import (bare table)", note="sqlite3 command-line tool not found"))
            else:
                bare, _ = timed([sqlite_cli, str(tmp / "bare.db"), f".import --csv {path} t"],
                                "sqlite3 .import (bare table)", args.rows)
                if not bare.note:
                    stored = count(tmp / "bare.db", "SELECT count(*) FROM t")
                    if stored != args.rows:
                        bare.note = f"stored {stored} rows, expected {args.rows:,}"
                results.append(bare)
                if mine.seconds and bare.seconds and not mine.note and not bare.note:
                    ratio = mine.seconds / bare.seconds
                    verdict = "within" if ratio <= 3 else "over"
                    results.append(Result("ratio importer / sqlite3", note=f"{ratio:.2f}x ({verdict} the 3x goal)"))
        if not args.skip_demo:
            print(f"bench: building a {args.accounts:,}-account demo ...", file=sys.stderr)
            db = tmp / "demo.db"
            demo, proc = timed([*tool, "--db", str(db), "--today", TODAY.isoformat(), "demo",
                                "--accounts", str(args.accounts)], f"arcollect demo --accounts {args.accounts}", None)
            if proc is not None and proc.returncode == 0:
                m = re.search(r"^invoices\s+([\d,]+)", proc.stdout, re.M)
                demo.rows = int(m.group(1).replace(",", "")) if m else None
                demo.note = "rows/s = invoices/s; with payments, activities, ... about 3.5x as many rows"
            results.append(demo)
            if not args.skip_queue and proc is not None and proc.returncode == 0:
                results.extend(queue_steps(db))
    return results


def queue_steps(db: Path) -> list[Result]:
    """bench/queue_bench.py on (a copy of) the demo just built: its rows become steps of this table."""
    print("bench: the queue, cold and cached ...", file=sys.stderr)
    proc = subprocess.run([sys.executable, str(HERE / "queue_bench.py"), "--db", str(db), "--json"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return [Result("queue bench", note=f"failed (exit {proc.returncode}): {lines[-1] if lines else ''}"[:200])]
    return [Result(f"queue: {step}", rows, seconds, cpu, note) for step, rows, seconds, cpu, note in json.loads(proc.stdout)]


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def markdown(results: list[Result], args: argparse.Namespace, load_before: float) -> str:
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python.name
    lines = [
        f"### arcollect bench ({dt.datetime.now().strftime('%Y-%m-%d %H:%M')})",
        "",
        f"`{shown} bench/run.py --rows {args.rows} --accounts {args.accounts}`: "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} before and {load_average():.2f} after (other work on the machine "
        "slows the wall clock; CPU seconds move less).",
        "",
        "| step | rows | seconds | rows/s | CPU s | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append("| {} | {} | {} | {} | {} | {} |".format(
            r.step, f"{r.rows:,}" if r.rows else "", f"{r.seconds:.1f}" if r.seconds is not None else "",
            r.rate, f"{r.cpu:.1f}" if r.cpu is not None else "", r.note.replace("|", "\\|")))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="invoices in the CSV (default 1,000,000)")
    parser.add_argument("--accounts", type=int, default=100_000,
                        help="accounts in the CSV and in the demo (default 100,000)")
    parser.add_argument("--skip-import", action="store_true", help="skip the CSV, import and sqlite3 steps")
    parser.add_argument("--skip-demo", action="store_true", help="skip the demo build (and the queue steps)")
    parser.add_argument("--skip-queue", action="store_true", help="skip the queue steps on the demo")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.accounts < 1:
        parser.error("--rows and --accounts must be 1 or more")
    load_before = load_average()
    table = markdown(run(args), args, load_before)
    (OUT / "results.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"(written to {(OUT / 'results.md').relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
