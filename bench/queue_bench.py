"""Queue benchmark (issue 3): the worklist of the N-account demo, cold and warm.

Goal: the whole queue of the 100,000-account demo (about 1,000,000 invoices) in at most 1.0 s,
and the top 50 rows in at most 0.2 s, on this 2-core machine.

Steps (a subprocess `arcollect ... queue ...` each: what a user waits for, start-up included,
wall clock and the CPU time it used; *in-process* steps time the service call alone):

1. cold, no cache: `queue --format json --all`, everything recomputed from the facts;
2. in-process, the phases of that computation: bulk SQL load, building `Facts`,
   `timeline.assess`, `priority.priority`, the rows; then the same call again (this process's
   memory cache);
3. with the cache table of schema version 3 (`queue_cache`, emptied here before the cold steps;
   on a copy only): the first run computes and stores; then `queue --format json --all`,
   `queue --format json`, `queue --format json --limit 50`, `queue --limit 50` (table form);
4. one account changes (an activity and its audit row, as `arcollect log` writes them): the next
   `queue --format json --all` recomputes that account only.

    .venv/bin/python bench/queue_bench.py [--accounts N] [--db PATH] [--json]

Without --db it builds the demo into a temporary folder (about 40 s at 100,000); with --db it
works on a copy.  Prints a Markdown table (or JSON rows for bench/run.py with --json).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (Named queue_bench.py: a bench/queue.py would shadow the standard library's `queue` for scripts here.)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

TODAY = dt.date(2026, 3, 2)
ROOT = HERE.parent
# `queue` through the real CLI entry point.
_CLI = "import sys; from arcollect_tui import cli; sys.exit(cli.main(sys.argv[1:]))"

Row = tuple[str, "int | None", "float | None", "float | None", str]   # step, rows, seconds, CPU s, note


def _timed(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[-6:])}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return seconds, cpu, proc


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", _CLI, "--db", str(db), "--today", TODAY.isoformat(), *args]


def _count(out: str, fmt: str) -> int:
    if fmt == "json":
        return len(json.loads(out))
    return max(0, len(out.splitlines()) - 2)


def _goal(seconds: float, goal: float) -> str:
    return f"goal {goal:.1f} s: {'met' if seconds <= goal else 'missed'}"


def build_demo(db: Path, accounts: int) -> None:
    script = Path(sys.executable).parent / "arcollect"
    tool = [str(script)] if script.exists() else [sys.executable, "-m", "arcollect_tui"]
    subprocess.run([*tool, "--db", str(db), "--today", TODAY.isoformat(), "demo", "--accounts", str(accounts)],
                   check=True, capture_output=True, text=True)


def in_process(db_path: Path) -> list[Row]:
    """The phases of one cold computation, then the memory cache (no cache table yet)."""
    from arcollect_tui.config import Policy
    from arcollect_tui.db import connect
    from arcollect_tui.priority import PriorityWeights, priority
    from arcollect_tui.services import worklist
    from arcollect_tui.timeline import assess

    db = connect(db_path)
    conn, policy, weights = db.connection(), Policy(), PriorityWeights()
    rows: list[Row] = []

    def lap(step: str, fn, note: str = ""):
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        rows.append((step, len(value) if hasattr(value, "__len__") else None, time.perf_counter() - t0,
                     time.process_time() - c0, note))
        return value

    with worklist._gc_paused():
        books = lap("in-process: bulk SQL load (pruned facts)", lambda: worklist._Loader(conn, TODAY, policy, None).run(),
                    "rows = accounts that can be on the worklist")
        facts = lap("in-process: build Facts", lambda: {a: b.facts() for a, b in books.items()})
        assessed = lap("in-process: timeline.assess", lambda: [assess(f, policy, TODAY) for f in facts.values()])
        lap("in-process: priority.priority", lambda: [priority(a, weights) for a in assessed])
    worklist.clear_memory_cache()
    total = lap("in-process: queue(all), cold", lambda: worklist.queue(db, TODAY, policy, weights, include_all=True),
                "load + facts + assess + priority + rows + sort")
    lap("in-process: queue(all), memory cache", lambda: worklist.queue(db, TODAY, policy, weights, include_all=True))
    top = lap("in-process: queue(limit 50), memory cache", lambda: worklist.queue(db, TODAY, policy, weights, limit=50))
    db.close()
    assert total and len(top) <= 50
    return rows


def change_one_account(db: Path) -> None:
    """What `arcollect log KEY --outcome reached` writes: an activity and its audit row."""
    from arcollect_tui import audit
    from arcollect_tui.db import connect

    database = connect(db)
    conn = database.connection()
    acct = conn.execute("SELECT account_id FROM queue_cache WHERE needs_action = 1"
                        " ORDER BY priority_centi DESC LIMIT 1").fetchone()[0]
    with database.atomic():
        rid = conn.execute(
            "INSERT INTO activity (account_id, occurred_on, occurred_at, channel, outcome, follow_up_on, user,"
            " created_at) VALUES (?, ?, ?, 'call', 'reached', ?, 'bench', 'x')",
            (acct, TODAY.isoformat(), f"{TODAY}T09:00:00Z", (TODAY + dt.timedelta(days=3)).isoformat())).lastrowid
        audit.record(conn, user="bench", action="log", entity="activity", entity_id=rid, account_id=acct)
    database.close()


def _forget_cache(db: Path) -> None:
    """Empty the worklist's cache table (schema version 3), so the next queue starts cold."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("DELETE FROM queue_cache_state")
        connection.execute("DELETE FROM queue_cache")
    connection.close()


def measure(db: Path) -> list[Row]:
    """Every step on `db` (which it changes: give it a copy)."""
    results: list[Row] = []

    def step(name: str, *args: str, goal: float | None = None, note: str = "") -> None:
        fmt = args[args.index("--format") + 1] if "--format" in args else "table"
        seconds, cpu, proc = _timed(_cli(db, "queue", *args))
        notes = [n for n in (note, _goal(seconds, goal) if goal else "") if n]
        results.append((name, _count(proc.stdout, fmt), seconds, cpu, "; ".join(notes)))

    _forget_cache(db)
    step("cold, no cache: queue --format json --all (computes, stores)", "--format", "json", "--all",
         goal=1.0, note="recomputed from the facts")
    results.extend(in_process(db))
    _forget_cache(db)
    step("first run with the cache table (computes, stores)", "--format", "json", "--all")
    step("cached: queue --format json --all", "--format", "json", "--all", goal=1.0)
    step("cached: queue --format json (needs action)", "--format", "json", goal=1.0)
    step("cached: queue --format json --limit 50", "--format", "json", "--limit", "50", goal=0.2)
    step("cached: queue --limit 50 (table)", "--limit", "50", goal=0.2)
    change_one_account(db)
    step("one account changed: queue --format json --all", "--format", "json", "--all", goal=1.0,
         note="recomputes that account only")
    seconds, cpu, _ = _timed([sys.executable, "-c", "import arcollect_tui.cli, arcollect_tui.services.worklist"])
    results.append(("start-up alone (Python and imports, no query)", None, seconds, cpu, "part of every CLI step"))
    return results


def markdown(results: list[Row], accounts: int) -> str:
    lines = [
        f"### arcollect queue bench ({dt.datetime.now().strftime('%Y-%m-%d %H:%M')})",
        "",
        f"Demo of {accounts:,} accounts as of {TODAY}; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; SQLite {sqlite3.sqlite_version}.",
        "",
        "| step | rows | seconds | CPU s | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for step, rows, seconds, cpu, note in results:
        lines.append(f"| {step} | {f'{rows:,}' if rows is not None else ''} | "
                     f"{f'{seconds:.3f}' if seconds is not None else ''} | {f'{cpu:.2f}' if cpu is not None else ''} | "
                     f"{note} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="demo size when building one (default 100,000)")
    parser.add_argument("--db", type=Path, help="an existing demo database (as of 2026-03-02) to copy and use")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (for bench/run.py)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arcollect-queue-bench-") as tmp:
        db = Path(tmp) / "queue.db"
        if args.db:
            shutil.copyfile(args.db, db)
        else:
            print(f"bench/queue_bench.py: building a {args.accounts:,}-account demo ...", file=sys.stderr)
            build_demo(db, args.accounts)
        accounts = sqlite3.connect(db).execute("SELECT count(*) FROM account").fetchone()[0]
        results = measure(db)
    if args.json:
        print(json.dumps(results))
    else:
        print(markdown(results, accounts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
