"""The README's pictures, made from the demo portfolio so they stay true as the app changes.

Builds a demo database in a temporary folder (fixed --today, fixed seed, 300 accounts), runs the
real app headless (`App.run_test`) at 120x40, and saves what a collector sees:

- `queue.svg`: the worklist as it opens (the first-run welcome turned off);
- `account.svg`: the top account of the worklist, opened with `enter`.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--today 2026-03-02]
                                          [--seed 1] [--accounts 300] [--size 120x40]

Prints each file written with its size.  The pictures depend only on the options (the demo is
deterministic and the date is fixed), so running it twice gives the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is sys.path[0], and bench/queue.py would shadow the standard
# library's `queue` (Textual's driver imports it): drop the folder, keep the project root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import datetime as dt
import tempfile

ROOT = Path(__file__).resolve().parents[1]


def build(db_path: Path, today: dt.date, accounts: int, seed: int) -> None:
    from arcollect_tui.config import Config
    from arcollect_tui.db import connect
    from arcollect_tui.demo import build_demo

    db = connect(db_path)
    try:
        build_demo(db, today=today, accounts=accounts, seed=seed, config=Config(user="demo"), user="demo")
    finally:
        db.close()


async def shoot(db_path: Path, today: dt.date, out: Path, size: tuple[int, int]) -> list[Path]:
    from arcollect_tui.app import ArcollectApp
    from arcollect_tui.config import Config
    from arcollect_tui.screens.account import AccountScreen

    app = ArcollectApp(db_path, today, Config(user="demo"), welcome=False)
    written: list[Path] = []
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        written.append(Path(app.save_screenshot(filename="queue.svg", path=str(out))))
        await pilot.press("enter")
        await _settle(app, pilot)
        if not isinstance(app.screen, AccountScreen) or app.screen.detail is None:
            raise SystemExit("screenshots: enter did not open an account (is the worklist empty?)")
        written.append(Path(app.save_screenshot(filename="account.svg", path=str(out))))
    return written


async def _settle(app, pilot) -> None:
    """Workers done and their messages handled, twice (a load may start another)."""
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 3, 2))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--size", default="120x40", help="COLUMNSxLINES")
    args = parser.parse_args(argv)
    try:
        width, height = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size: {args.size!r}: expected COLUMNSxLINES, e.g. 120x40")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="arcollect-shots-") as tmp:
        db_path = Path(tmp) / "demo.db"
        build(db_path, args.today, args.accounts, args.seed)
        written = asyncio.run(shoot(db_path, args.today, args.out, (width, height)))
    for path in written:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
