"""The benchmark suite: portfolios of 1,500 / 20,000 / 100,000 accounts, one table.

    .venv/bin/python bench/suite.py [--sizes 1500,20000,100000] [--runs 2] [--keep]

For each size: the demo build (`arcollect demo`, which also computes the worklist), the queue
(cold: the cache emptied first; cached `--all`; cached `--limit 50`), and the app in tmux (first
worklist rows against a minimal Textual app in the same run, cursor, open, next, back, a filter
keystroke, memory; `bench/app_paint.py`'s own steps).  Import throughput against `sqlite3 .import`
is `bench/run.py`'s (`make bench` runs both).  Databases go to bench/out/suite-N.db (`--keep`
reuses one that exists).  Prints one Markdown table and writes it to bench/out/suite.md.
The machine may be shared: run when it is quiet, and read the load average printed with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import app_paint  # noqa: E402
from first_paint import Tmux  # noqa: E402
from queue_bench import _forget_cache  # noqa: E402

ROOT = HERE.parent
OUT = HERE / "out"
TODAY = "2026-11-23"


def _run(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "arcollect_tui", "--db", str(db), "--today", TODAY, *args]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def measure(size: int, runs: int, keep: bool) -> dict[str, float | None]:
    db = OUT / f"suite-{size}.db"
    out: dict[str, float | None] = {}
    if not (keep and db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        out["demo_s"], out["demo_cpu"], _ = _run(_cli(db, "demo", "--accounts", str(size)))
    _forget_cache(db)
    out["cold_s"], _, _ = _run(_cli(db, "queue", "--format", "json", "--all"))
    out["cached_s"], _, _ = _run(_cli(db, "queue", "--format", "json", "--all"))
    out["limit_s"], _, _ = _run(_cli(db, "queue", "--format", "json", "--limit", "50"))
    (db.parent / ".welcomed").touch()
    tmux = Tmux()
    results: list[dict] = []  # type: ignore[type-arg]
    try:
        for i in range(runs):
            results.append({**app_paint.reference_run(tmux, i), **app_paint.app_run(tmux, db.resolve(), TODAY, i)})
    finally:
        tmux.close()
    for key in ("minimal_s", "app_s", "move_ms", "open_ms", "next_ms", "back_ms", "filter_ms", "rss_mb",
                "ref_pop_ms"):
        out[key] = _median(app_paint._values(results, key))
    return out


def _f(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{unit}"


def markdown(sizes: list[int], figures: dict[int, dict[str, float | None]], load: tuple[float, float]) -> str:
    head = "| measure | goal | " + " | ".join(f"{s:,} accounts" for s in sizes) + " |"
    lines = [f"`.venv/bin/python bench/suite.py --sizes {','.join(map(str, sizes))}` "
             f"({dt.datetime.now():%Y-%m-%d %H:%M}; {os.cpu_count()} CPUs; load average {load[0]:.2f} before, "
             f"{load[1]:.2f} after; medians)", "", head, "| --- | --- |" + " ---: |" * len(sizes)]

    def row(label: str, goal: str, cell) -> None:  # type: ignore[no-untyped-def]
        lines.append(f"| {label} | {goal} | " + " | ".join(cell(figures[s]) for s in sizes) + " |")

    row("demo build (and its worklist), s", "", lambda f: _f(f.get("demo_s"), 1))
    row("queue --all, cold (cache emptied), s", "1.0 s at 100k", lambda f: _f(f.get("cold_s")))
    row("queue --all, cached, s", "1.0 s at 100k", lambda f: _f(f.get("cached_s")))
    row("queue --limit 50, cached, s", "0.2 s at 100k", lambda f: _f(f.get("limit_s")))
    row("minimal Textual app, first frame, s", "", lambda f: _f(f.get("minimal_s")))
    row("app, first worklist rows, s (x minimal)", "2x", lambda f: (
        f"{_f(f.get('app_s'))} ({f['app_s'] / f['minimal_s']:.2f}x)" if f.get("app_s") and f.get("minimal_s") else "n/a"))
    row("cursor move, ms", "50", lambda f: _f(f.get("move_ms"), 0))
    row("open an account, ms", "50", lambda f: _f(f.get("open_ms"), 0))
    row("next account (n), ms", "50", lambda f: _f(f.get("next_ms"), 0))
    row("back (escape), ms", "50", lambda f: _f(f.get("back_ms"), 0))
    row("reference app: pop a screen with escape, ms", "", lambda f: _f(f.get("ref_pop_ms"), 0))
    row("one filter keystroke, ms", "100", lambda f: _f(f.get("filter_ms"), 0))
    row("memory (max RSS), MB", "300", lambda f: _f(f.get("rss_mb"), 0))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1500,20000,100000", help="demo sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=2, help="app runs in tmux per size (default 2)")
    parser.add_argument("--keep", action="store_true", help="reuse bench/out/suite-N.db when it exists")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    OUT.mkdir(exist_ok=True)
    before = os.getloadavg()[0]
    figures = {}
    for size in sizes:
        print(f"suite: {size:,} accounts...", file=sys.stderr, flush=True)
        figures[size] = measure(size, args.runs, args.keep)
    text = markdown(sizes, figures, (before, os.getloadavg()[0]))
    (OUT / "suite.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
