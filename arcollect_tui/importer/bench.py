"""Import throughput against sqlite3's own `.import`, for `make bench` and the README figures.

    python -m arcollect_tui.importer.bench [ROWS]

writes a canonical invoices CSV of ROWS rows (default 1,000,000) in a temporary folder, times
`sqlite3 .import` of it into a bare table, then `run_import` of it into a fresh store, and
prints both with the ratio.  Nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HEADER = "account,name,invoice,invoice_date,due_date,amount,currency\n"
_CURRENCIES = ("USD",) * 6 + ("EUR", "EUR", "SGD", "JPY")


def write_canonical_invoices(path: Path, rows: int = 1_000_000, accounts: int = 20_000, seed: int = 7) -> None:
    """A deterministic canonical invoices file: ids with leading zeros, net 30/45/60 terms."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1).toordinal()
    dates = [dt.date.fromordinal(start + d).isoformat() for d in range(0, 800)]
    names = [f"Customer {n:05d} Pte Ltd" for n in range(accounts)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        lines = []
        for i in range(rows):
            acct = rng.randrange(accounts)
            day = rng.randrange(700)
            currency = _CURRENCIES[acct % len(_CURRENCIES)]
            cents = rng.randrange(1000, 5_000_000)
            amount = str(cents) if currency == "JPY" else f"{cents // 100}.{cents % 100:02d}"
            lines.append(f"{acct:07d},{names[acct]},{i:010d},{dates[day]},"
                         f"{dates[day + (30, 45, 60)[acct % 3]]},{amount},{currency}\n")
            if len(lines) == 10000:
                fh.write("".join(lines))
                lines.clear()
        fh.write("".join(lines))


def sqlite_import_seconds(csv_path: Path, workdir: Path) -> float | None:
    """sqlite3's own `.import` of the file into a bare table (None when sqlite3 is not installed)."""
    exe = shutil.which("sqlite3")
    if exe is None:
        return None
    db = workdir / "bare.db"
    script = f".mode csv\n.import '{csv_path}' bare\n"
    t0 = time.perf_counter()
    subprocess.run([exe, str(db)], input=script, text=True, check=True, capture_output=True)
    return time.perf_counter() - t0


def measure(rows: int = 1_000_000) -> dict[str, Any]:
    from arcollect_tui.config import Config
    from arcollect_tui.db import connect
    from arcollect_tui.importer import run_import

    with tempfile.TemporaryDirectory(prefix="arcollect-bench-") as tmp:
        work = Path(tmp)
        csv_path = work / "invoices.csv"
        write_canonical_invoices(csv_path, rows)
        baseline = sqlite_import_seconds(csv_path, work)
        db = connect(work / "bench.db")
        try:
            t0 = time.perf_counter()
            run_import(db, [csv_path], today=dt.date(2026, 3, 2), config=Config(user="bench"), user="bench")
            seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = run_import(db, [csv_path], today=dt.date(2026, 3, 2), config=Config(user="bench"), user="bench")
            reimport = time.perf_counter() - t0
            assert again.batch_id is None
        finally:
            db.close()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "sqlite3_import_seconds": baseline,
            "ratio": seconds / baseline if baseline else None, "reimport_seconds": reimport}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 1_000_000
    m = measure(rows)
    print(f"import: {m['rows']:,} canonical invoice rows in {m['seconds']:.2f} s "
          f"({m['rows_per_s']:,.0f} rows/s); re-import (all unchanged) {m['reimport_seconds']:.2f} s")
    if m["sqlite3_import_seconds"] is not None:
        print(f"sqlite3 .import of the same file into a bare table: {m['sqlite3_import_seconds']:.2f} s; "
              f"ratio {m['ratio']:.2f}x (goal: within 3x)")
    else:
        print("sqlite3 not installed: no .import baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
