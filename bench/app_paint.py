"""The real app in a real terminal (tmux): first worklist rows, open, back, filter; memory.

    .venv/bin/python bench/app_paint.py --db PATH --today YYYY-MM-DD [--runs N]

Issue 4's goals, measured against a minimal Textual app (header, one line, footer) in the same
run: start to the first worklist rows at most 2x the minimal app's first frame; opening an
account and going back visible within 50 ms; a filter keystroke within 100 ms; memory at most
300 MB.  The database is used as it is: run `arcollect queue` on it first for the warm-cache
figure (the first run of a day computes the worklist first; that is issue 3's cold path).
Times are wall clock from the keystroke to the first `capture-pane` that shows the change, so
they include tmux's own polling (a few ms).  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from first_paint import HEIGHT, MARKERS, ROOT, WIDTH, Tmux  # noqa: E402

STAGE_LABELS = ("Warning due", "Follow-up", "Reminder", "Suspension due", "Warned", "Suspended", "Current")


def _rss_mb(tmux: Tmux, session: str) -> float | None:
    pid = tmux.tmux("display-message", "-p", "-t", session, "#{pane_pid}", check=False).stdout.strip()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _timed(tmux: Tmux, session: str, keys: list[str], test, timeout: float = 10.0) -> float | None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for key in keys:
        tmux.tmux("send-keys", "-t", session, key)
    shown = tmux.wait_for(session, test, timeout=timeout)
    return (shown - t0) * 1000 if shown else None


def run_once(tmux: Tmux, db: Path, today: str, run: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    session = f"minimal-{run}"
    started = time.perf_counter()
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
              f"cd {ROOT} && exec {sys.executable} {HERE / 'first_paint.py'} --app minimal --rows 0 "
              f"--stats /dev/null")
    shown = tmux.wait_for(session, lambda lines: any(MARKERS["minimal"] in line for line in lines))
    out["minimal_s"] = shown - started if shown else None
    tmux.tmux("kill-session", "-t", session, check=False)

    session = f"app-{run}"
    started = time.perf_counter()
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
              f"cd {ROOT} && exec {sys.executable} -m arcollect_tui --db {db} --today {today}")

    def rows_shown(lines: list[str]) -> bool:
        return sum(any(label in line for label in STAGE_LABELS) for line in lines[6:]) >= 3

    shown = tmux.wait_for(session, rows_shown)
    out["app_s"] = shown - started if shown else None
    if shown:
        out["open_ms"] = _timed(tmux, session, ["Enter"], lambda lines: any("Why" in line for line in lines))
        out["back_ms"] = _timed(tmux, session, ["Escape"], rows_shown)
        _timed(tmux, session, ["/"], lambda lines: True)
        before = "\n".join(tmux.capture(session))
        out["filter_ms"] = _timed(tmux, session, ["k"], lambda lines: "\n".join(lines) != before)
        out["rss_mb"] = _rss_mb(tmux, session)
    tmux.tmux("kill-session", "-t", session, check=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--today", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db}: no such database (build one with `arcollect demo`)")
    (args.db.parent / ".welcomed").touch()  # the welcome panel is not part of the measurement
    tmux = Tmux()
    try:
        runs = [run_once(tmux, args.db.resolve(), args.today, i) for i in range(args.runs)]
    finally:
        tmux.close()

    def med(key: str) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None  # type: ignore[arg-type]

    minimal, app = med("minimal_s"), med("app_s")
    ratio = f"{app / minimal:.2f}x" if minimal and app else "n/a"
    print(f"`bench/app_paint.py --db {args.db} --today {args.today} --runs {args.runs}` (medians)\n")
    print("| measure | value | goal |\n| --- | ---: | --- |")
    print(f"| minimal Textual app, first frame | {minimal or float('nan'):.3f} s | |")
    print(f"| arcollect, first worklist rows | {app or float('nan'):.3f} s ({ratio}) | at most 2x the minimal app |")
    for key, label, goal in (("open_ms", "open an account", "50 ms"), ("back_ms", "back to the worklist", "50 ms"),
                             ("filter_ms", "one filter keystroke", "100 ms")):
        value = med(key)
        print(f"| {label} | {'n/a' if value is None else f'{value:.0f} ms'} | {goal} |")
    rss = med("rss_mb")
    print(f"| memory (max RSS) | {'n/a' if rss is None else f'{rss:.0f} MB'} | 300 MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
