"""`arcollect backup FILE`: a consistent copy through SQLite's online backup API."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("backup", help="write a consistent copy of the database (safe while the app runs)")
    p.add_argument("file", type=Path, help="where to write the copy (must not exist)")
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.backup import backup

    pages = backup(ctx.db, args.file, user=ctx.config.user_name)
    print(f"backup written: {args.file} ({pages} pages)")
    return 0
