"""First paint at 100,000 rows: a minimal Textual app against the VirtualTable, in a real terminal.

Issue 4 asks that the worklist's first rows show within 2x the time a minimal Textual app
(Header, one Label, Footer) takes to show its first frame, measured in the same run; that a
cursor move is visible within 50 ms; and that memory stays under 300 MB.  This measures the
widget alone (no database) so that its share of those budgets is known:

- each app is launched in its own tmux session (120x40) on a tmux server of our own; the time
  is the wall clock from the launch to the first `tmux capture-pane -p` that shows the
  expected text (polling costs a few ms, so that is the resolution);
- `table`: VirtualTable over a list of 100,000 `Row`s of 8 columns, built before the app runs
  (as a screen would receive them from a worker); `table-lazy`: the same rows produced on
  demand by a `Sequence`, which isolates the widget's own cost from building the list;
- a cursor move: `send-keys Down`, until the highlighted row (the escape sequences of its line
  in `capture-pane -e`) changes; `end`: until the last row is on screen;
- max RSS: each app writes its own `ru_maxrss` when it quits.

    .venv/bin/python bench/first_paint.py [--rows N] [--runs N] [--moves N]

Prints a Markdown table.  Without tmux it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 40
TIMEOUT = 60.0
APPS = ("minimal", "table", "table-lazy")
MARKERS = {"minimal": "Minimal app ready", "table": "ACC000000", "table-lazy": "ACC000000"}
STAGES = ("current", "reminder", "follow_up", "warned", "suspended")


# -- the apps (run inside tmux by this same script with --app) ----------------------------------


def make_row(i: int):
    """One synthetic worklist row: 8 columns, some long names, a stage style."""
    from arcollect_tui.widgets.virtual_table import Row

    stage = STAGES[i * 7 % len(STAGES)]
    name = f"Customer {i:06d} " + ("Holdings International Pty Ltd" if i % 3 == 0 else "Ltd")
    return Row(
        f"ACC{i:06d}",
        (f"ACC{i:06d}", name, stage, "USD", f"{i * 37 % 100000}.{i % 100:02d}", f"{i * 13 % 50000}.00",
         str(i % 120), "call and send the second reminder" if i % 2 else "send the first reminder"),
        f"stage-{stage}",
    )


class LazyRows(Sequence):  # type: ignore[type-arg]
    """Rows made when asked for: the widget never needs them all."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [make_row(i) for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return make_row(index)


def run_app(kind: str, rows: int, stats_path: Path) -> None:
    started = time.perf_counter()
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Label

    stats: dict[str, float] = {}

    if kind == "minimal":

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Label("Minimal app ready")
                yield Footer()

        app: App[None] = Minimal()
    else:
        from arcollect_tui.widgets.virtual_table import Column, VirtualTable

        class BenchTable(VirtualTable):
            ROW_STYLES = tuple(f"stage-{stage}" for stage in STAGES)
            DEFAULT_CSS = """
            BenchTable > .virtual-table--stage-reminder { color: $accent; }
            BenchTable > .virtual-table--stage-follow_up { color: $warning; }
            BenchTable > .virtual-table--stage-warned { color: $warning; text-style: bold; }
            BenchTable > .virtual-table--stage-suspended { color: $error; }
            """

        columns = (
            Column("account", "Account"), Column("name", "Name", max_width=32), Column("stage", "Stage"),
            Column("currency", "Cur"), Column("balance", "Balance", justify="right"),
            Column("overdue", "Overdue", justify="right"), Column("dpd", "DPD", justify="right"),
            Column("next", "Next action", max_width=30),
        )
        t0 = time.perf_counter()
        data = LazyRows(rows) if kind == "table-lazy" else [make_row(i) for i in range(rows)]
        stats["build_rows_s"] = time.perf_counter() - t0

        class TableApp(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield BenchTable(columns, data)
                yield Footer()

        app = TableApp()
    stats["startup_to_run_s"] = time.perf_counter() - started
    app.run()
    stats["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats_path.write_text(json.dumps(stats))


# -- the driver --------------------------------------------------------------------------------


class Tmux:
    """A tmux server of our own (its own socket), so that nothing else is touched."""

    def __init__(self) -> None:
        self.socket = f"arcollect-bench-{os.getpid()}"
        self.tmux("new-session", "-d", "-s", "keep", "-x", str(WIDTH), "-y", str(HEIGHT))
        self.tmux("set-option", "-g", "remain-on-exit", "on")  # a crash stays readable

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def capture(self, session: str, escapes: bool = False) -> list[str]:
        args = ["capture-pane", "-p", "-t", session] + (["-e"] if escapes else [])
        return self.tmux(*args, check=False).stdout.split("\n")

    def wait_for(self, session: str, test, timeout: float = TIMEOUT) -> float | None:  # type: ignore[no-untyped-def]
        """Poll until `test(plain_lines)` holds; the time it first did, or None on timeout."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            lines = self.capture(session)
            if test(lines):
                return time.perf_counter()
        return None

    def close(self) -> None:
        self.tmux("kill-server", check=False)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(tmux: Tmux, kind: str, rows: int, moves: int, workdir: Path, run: int) -> dict[str, object]:
    session = f"{kind}-{run}"
    stats_path = workdir / f"{session}.json"
    command = f"cd {ROOT} && exec {sys.executable} {Path(__file__).resolve()} --app {kind} --rows {rows} --stats {stats_path}"
    marker = MARKERS[kind]
    result: dict[str, object] = {"kind": kind}
    started = time.perf_counter()
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), command)
    shown = tmux.wait_for(session, lambda lines: any(marker in line for line in lines))
    if shown is None:
        result["error"] = "no first frame within %ds: %s" % (TIMEOUT, " | ".join(tmux.capture(session)[-5:]))
        tmux.tmux("kill-session", "-t", session, check=False)
        return result
    result["first_frame_s"] = shown - started

    if kind != "minimal":
        move_ms = []
        for i in range(moves):
            target = f"ACC{i + 1:06d}"
            plain = tmux.capture(session)
            y = next(n for n, line in enumerate(plain) if target in line)
            before = tmux.capture(session, escapes=True)[y]
            t0 = time.perf_counter()
            tmux.tmux("send-keys", "-t", session, "Down")
            deadline = t0 + 5
            while time.perf_counter() < deadline:
                if tmux.capture(session, escapes=True)[y] != before:
                    move_ms.append((time.perf_counter() - t0) * 1000)
                    break
        result["move_ms"] = move_ms
        last = f"ACC{rows - 1:06d}"
        t0 = time.perf_counter()
        tmux.tmux("send-keys", "-t", session, "End")
        end = tmux.wait_for(session, lambda lines: any(last in line for line in lines), timeout=10)
        result["end_ms"] = (end - t0) * 1000 if end else None

    tmux.tmux("send-keys", "-t", session, "C-q")
    deadline = time.perf_counter() + 10
    while not stats_path.exists() and time.perf_counter() < deadline:
        time.sleep(0.02)  # waiting for the app to quit and write its stats (not a measurement)
    if stats_path.exists():
        result.update(json.loads(stats_path.read_text()))
    tmux.tmux("kill-session", "-t", session, check=False)
    return result


def report(results: list[dict[str, object]], rows: int, runs: int) -> str:
    by_kind = {kind: [r for r in results if r["kind"] == kind and "first_frame_s" in r] for kind in APPS}
    first = {kind: [float(r["first_frame_s"]) for r in rs] for kind, rs in by_kind.items()}  # type: ignore[arg-type]
    base = median(first["minimal"])
    load = os.getloadavg()[0]
    out = [
        f"### first paint: minimal Textual app vs VirtualTable ({rows:,} rows x 8 columns)",
        "",
        f"`.venv/bin/python bench/first_paint.py --rows {rows} --runs {runs}`: tmux {WIDTH}x{HEIGHT}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f} at the end. "
        "Times are medians over the runs (min-max in brackets).",
        "",
        "| app | first frame s | vs minimal | cursor move ms (median / max) | `end` ms | building the rows s | max RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in APPS:
        rs = by_kind[kind]
        if not rs:
            errors = [str(r.get("error")) for r in results if r["kind"] == kind]
            out.append(f"| {kind} | failed: {errors[:1]} | | | | | |")
            continue
        times = first[kind]
        moves = [m for r in rs for m in r.get("move_ms", [])]  # type: ignore[attr-defined]
        ends = [float(r["end_ms"]) for r in rs if r.get("end_ms") is not None]  # type: ignore[arg-type]
        builds = [float(r["build_rows_s"]) for r in rs if "build_rows_s" in r]  # type: ignore[arg-type]
        rss = [float(r["max_rss_mb"]) for r in rs if "max_rss_mb" in r]  # type: ignore[arg-type]
        out.append(
            f"| {kind} | {median(times):.3f} ({min(times):.3f}-{max(times):.3f}) | {median(times) / base:.2f}x | "
            + (f"{median(moves):.0f} / {max(moves):.0f} | " if moves else "| ")
            + (f"{median(ends):.0f} | " if ends else "| ")
            + (f"{median(builds):.3f} | " if builds else "| ")
            + (f"{max(rss):.0f} |" if rss else "|")
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moves", type=int, default=10, help="cursor moves measured per table run")
    parser.add_argument("--app", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app:
        run_app(args.app, args.rows, args.stats)
        return 0
    if shutil.which("tmux") is None:
        print("tmux is not installed: first paint is measured in a real terminal, so nothing was measured.")
        return 0
    tmux = Tmux()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="first-paint-") as workdir:
            for run in range(args.runs):
                for kind in APPS:  # interleaved, so that load on the machine hits every app alike
                    results.append(measure(tmux, kind, args.rows, args.moves, Path(workdir), run))
    finally:
        tmux.close()
    print(report(results, args.rows, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
