"""The real app in a real terminal (tmux): first worklist rows, open, next, back, filter; memory.

    .venv/bin/python bench/app_paint.py --db PATH --today YYYY-MM-DD [--runs N]

Issue 4's goals, measured against minimal Textual apps in the same run: start to the first
worklist rows at most 2x a minimal app's first frame; a cursor move, opening an account and going
back visible within 50 ms; a filter keystroke within 100 ms; memory at most 300 MB.  The
database is used as it is: run `arcollect queue` on it first for the warm-cache figure (the
first run of a day computes the worklist first; that is issue 3's cold path).

Each time is wall clock from `tmux send-keys` to the first `capture-pane` that shows the result,
so it includes tmux and the polling (a few ms).  What "shows" means:

* first rows: three stage labels in the table; open: the account's "Why" line; next (`n`): the
  name and key at the top of the page changed, and "Why" is there; back: the rows again; a cursor
  move (`down`): the highlighted line changed (`capture-pane -e`); a filter keystroke: the
  tabs line says `filter: TEXT` (written when the filtered list is set, so the list is there);
* open, next, back, cursor and filter are measured once the whole worklist is loaded (the
  summary no longer says "Loading the worklist…"): the first rows come from the first page of
  the cache and the other 100,000 rows load for about 3 s behind them.  An `enter` pressed
  during that load is measured too and reported on its own line ("open while loading");
* `escape` is not a key a terminal can send on its own: Textual waits ESCDELAY (100 ms by
  default) to tell it from the start of an escape sequence.  The reference app (a minimal app
  that pushes a small screen with `enter` and pops it with `escape`) shows what any Textual app
  costs here: `back` cannot beat its escape figure; set `ESCDELAY=25` (ms) in the environment,
  as for curses programs, to shorten it.

Prints a Markdown table (medians, min-max in brackets) and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from first_paint import HEIGHT, MARKERS, ROOT, WIDTH, Tmux  # noqa: E402

STAGE_LABELS = ("Warning due", "Follow-up", "Reminder", "Suspension due", "Warned", "Suspended", "Current")
LOADING = "Loading the worklist"
FILTER_KEYS = ("k", "a", "w")
REFERENCE_MARKER, REFERENCE_PUSHED = "Reference base row 5", "Reference pushed screen"
Lines = list[str]


def run_reference() -> None:
    """The reference app: header, rows, footer; `enter` pushes an installed screen, `escape` pops it."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    class Base(Screen[None]):
        BINDINGS = [Binding("enter", "app.push_screen('pushed')", "Push")]

        def compose(self) -> ComposeResult:
            yield Header()
            for i in range(30):
                yield Static(f"Reference base row {i}")
            yield Footer()

    class Pushed(Screen[None]):
        BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static(REFERENCE_PUSHED)
            for i in range(10):
                yield Static(f"line {i}")
            yield Footer()

    class Reference(App[None]):
        def on_mount(self) -> None:
            self.install_screen(Pushed(), "pushed")
            self.push_screen(Base())

    Reference().run()


def _rss_mb(tmux: Tmux, session: str) -> float | None:
    pid = tmux.tmux("display-message", "-p", "-t", session, "#{pane_pid}", check=False).stdout.strip()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _timed(tmux: Tmux, session: str, keys: list[str], test: Callable[[Lines], bool],
           timeout: float = 10.0) -> float | None:
    t0 = time.perf_counter()
    for key in keys:
        tmux.tmux("send-keys", "-t", session, key)
    shown = tmux.wait_for(session, test, timeout=timeout)
    return (shown - t0) * 1000 if shown else None


def _rows_shown(lines: Lines) -> bool:
    return sum(any(label in line for label in STAGE_LABELS) for line in lines[6:]) >= 3


def _why(lines: Lines) -> bool:
    return any("Why" in line for line in lines)


def _another_account(before: Lines) -> Callable[[Lines], bool]:
    """After `n`: the top of the page (name and key, lines 1-3: under a Header, if there is one,
    which may change first) shows another account, and its "Why"."""
    def test(lines: Lines) -> bool:
        return lines[1:4] != before[1:4] and _why(lines)
    return test


def _quiet(seconds: float) -> None:
    time.sleep(seconds)  # lets the app go idle between two measurements (not itself measured)


def reference_run(tmux: Tmux, run: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    session = f"minimal-{run}"
    started = time.perf_counter()
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
              f"cd {ROOT} && exec {sys.executable} {HERE / 'first_paint.py'} --app minimal --rows 0 "
              f"--stats /dev/null")
    shown = tmux.wait_for(session, lambda lines: any(MARKERS["minimal"] in line for line in lines))
    out["minimal_s"] = shown - started if shown else None
    tmux.tmux("kill-session", "-t", session, check=False)

    session = f"reference-{run}"
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
              f"cd {ROOT} && exec {sys.executable} {Path(__file__).resolve()} --reference")
    if tmux.wait_for(session, lambda lines: any(REFERENCE_MARKER in line for line in lines)):
        _quiet(0.5)
        out["ref_push_ms"] = _timed(tmux, session, ["Enter"],
                                    lambda lines: any(REFERENCE_PUSHED in line for line in lines))
        _quiet(0.3)
        out["ref_pop_ms"] = _timed(tmux, session, ["Escape"],
                                   lambda lines: any(REFERENCE_MARKER in line for line in lines))
    tmux.tmux("kill-session", "-t", session, check=False)
    return out


def app_run(tmux: Tmux, db: Path, today: str, run: int) -> dict[str, float | list[float] | None]:
    out: dict[str, float | list[float] | None] = {}
    session = f"app-{run}"
    started = time.perf_counter()
    tmux.tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT),
              f"cd {ROOT} && exec {sys.executable} -m arcollect_tui --db {db} --today {today}")
    shown = tmux.wait_for(session, _rows_shown)
    out["app_s"] = shown - started if shown else None
    if not shown:
        tmux.tmux("kill-session", "-t", session, check=False)
        return out
    out["open_loading_ms"] = _timed(tmux, session, ["Enter"], _why)
    _timed(tmux, session, ["Escape"], _rows_shown)
    loaded = tmux.wait_for(session, lambda lines: _rows_shown(lines) and not any(LOADING in line for line in lines),
                           timeout=120)
    out["loaded_s"] = loaded - started if loaded else None
    _quiet(1.0)
    times: dict[str, list[float | None]] = {"open_ms": [], "next_ms": [], "back_ms": [], "move_ms": [],
                                            "filter_ms": []}
    for _ in range(3):
        times["open_ms"].append(_timed(tmux, session, ["Enter"], _why))
        _quiet(0.5)
        times["next_ms"].append(_timed(tmux, session, ["n"], _another_account(tmux.capture(session))))
        _quiet(0.5)
        times["back_ms"].append(_timed(tmux, session, ["Escape"], _rows_shown))
        _quiet(0.5)
        before = tmux.capture(session, escapes=True)
        t0 = time.perf_counter()
        tmux.tmux("send-keys", "-t", session, "Down")
        changed = tmux.wait_for(session, lambda _: tmux.capture(session, escapes=True) != before, timeout=5)
        times["move_ms"].append((changed - t0) * 1000 if changed else None)
        _quiet(0.3)
    _timed(tmux, session, ["/"], lambda lines: True)
    _quiet(0.3)
    typed = ""
    for key in FILTER_KEYS:
        typed += key
        times["filter_ms"].append(_timed(tmux, session, [key],
                                         lambda lines, t=typed: any(f"filter: {t}" in line for line in lines)))
        _quiet(0.5)
    out.update({key: [v for v in values if v is not None] for key, values in times.items()})
    out["rss_mb"] = _rss_mb(tmux, session)
    tmux.tmux("kill-session", "-t", session, check=False)
    return out


def _values(runs: list[dict], key: str) -> list[float]:  # type: ignore[type-arg]
    values: list[float] = []
    for r in runs:
        v = r.get(key)
        values += [x for x in v if x is not None] if isinstance(v, list) else [v] if v is not None else []
    return values


def _fmt(values: list[float], unit: str) -> str:
    if not values:
        return "n/a"
    digits = 3 if unit == "s" else 0
    med, low, high = statistics.median(values), min(values), max(values)
    return f"{med:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--today")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference:
        run_reference()
        return 0
    if args.db is None or args.today is None:
        parser.error("--db and --today are required")
    if not args.db.exists():
        parser.error(f"{args.db}: no such database (build one with `arcollect demo`)")
    (args.db.parent / ".welcomed").touch()  # the welcome panel is not part of the measurement
    load_before = os.getloadavg()[0]
    tmux = Tmux()
    runs: list[dict] = []  # type: ignore[type-arg]
    try:
        for i in range(args.runs):  # interleaved, so that load on the machine hits both alike
            runs.append({**reference_run(tmux, i), **app_run(tmux, args.db.resolve(), args.today, i)})
    finally:
        tmux.close()

    minimal, app = _values(runs, "minimal_s"), _values(runs, "app_s")
    ratio = f"{statistics.median(app) / statistics.median(minimal):.2f}x" if minimal and app else "n/a"
    print(f"`bench/app_paint.py --db {args.db} --today {args.today} --runs {args.runs}`: tmux {WIDTH}x{HEIGHT}, "
          f"{os.cpu_count()} CPUs, load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after; "
          "medians (min-max)\n")
    print("| measure | value | goal |\n| --- | ---: | --- |")
    print(f"| minimal Textual app, first frame | {_fmt(minimal, 's')} | |")
    print(f"| arcollect, first worklist rows | {_fmt(app, 's')}, {ratio} | at most 2x the minimal app |")
    print(f"| arcollect, whole worklist loaded | {_fmt(_values(runs, 'loaded_s'), 's')} | |")
    for key, label, goal in (
        ("move_ms", "cursor move", "50 ms"),
        ("open_ms", "open an account (`enter`)", "50 ms"),
        ("next_ms", "next account (`n`)", "50 ms"),
        ("back_ms", "back to the worklist (`escape`)", "50 ms (escape: see the reference)"),
        ("filter_ms", "one filter keystroke", "100 ms"),
        ("open_loading_ms", "open while the worklist is still loading", ""),
        ("ref_push_ms", "reference app: push a screen (`enter`)", ""),
        ("ref_pop_ms", "reference app: pop it (`escape`, ESCDELAY included)", ""),
    ):
        print(f"| {label} | {_fmt(_values(runs, key), 'ms')} | {goal} |")
    print(f"| memory (max RSS) | {_fmt(_values(runs, 'rss_mb'), 'MB')} | 300 MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
