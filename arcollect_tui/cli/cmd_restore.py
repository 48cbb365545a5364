"""`arcollect restore FILE`: put a backup back, after checking it; the current database is kept aside."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "restore", help="replace the database with a backup (checked first; the current one is kept aside)",
        description="Replace the database's content with FILE, a backup written by `arcollect backup` "
        "(or the app's rotating backups). FILE must pass SQLite's integrity check, have a schema this "
        "arcollect understands and an audit trail whose hash chain holds; otherwise nothing changes "
        "(exit 2). The current content is first copied to DB.before-restore-STAMP next to the database.")
    p.add_argument("file", type=Path, help="the backup to restore")
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.clock import now_stamp
    from arcollect_tui.services.backup import restore

    stamp = now_stamp().replace("-", "").replace(":", "")
    result = restore(ctx.db, ctx.db_path, args.file, stamp=stamp, user=ctx.config.user_name)
    print(f"restored {result.source} (schema version {result.schema_version}, {result.audit_rows} audit rows)")
    print(f"the database as it was is kept at {result.kept_aside}")
    return 0
