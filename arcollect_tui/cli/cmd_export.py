"""`arcollect export writeoff|activities ...`: files for the write-off team and the system of record.

`export writeoff [--format csv|xlsx] --out FILE [--folder DIR]`
  Every account suspended or referred as of --today (CONTRACT), one row per account and currency
  (services/exports.py WRITEOFF_COLUMNS): balance, overdue and disputed amounts, days past due,
  the open invoices, warning, suspension and referral dates with their approvers, the suspension's
  rule, contacts, and a history summary.  xlsx adds the sheets Invoices, Contacts, Timeline and
  About.  `--folder DIR` (a new or empty folder) also gets one folder per account: handoff.txt,
  statement.csv, activities.csv, promises.csv, disputes.csv, contacts.csv, timeline.csv and
  stage_history.csv.  The export records an export_run row and audit rows (action `export`).
  It changes no stage: handing an account off is `arcollect refer KEY`.

`export activities [--format csv] --out FILE [--since-last]`
  The Salesforce Data Loader file of Task records (Insert, object Task), one row per activity,
  per promise made outside a logged call, and per dispute opened in arcollect (imported ones came
  from the system of record and do not go back):
    Subject          "Call: reached", "Email: sent", "Letter: sent", "Promise to pay", "Dispute: pricing"
    ActivityDate     the day it happened, YYYY-MM-DD
    Status           Completed          Priority  Normal
    TaskSubtype      Call, Email, else Task
    Description      account key and name, contact, outcome, the promise a call carried, follow-up
                     date, the note, and "Logged by USER in arcollect (activity N)"
    WhatId           the account's external_id when it has the shape of a Salesforce id, else its
                     key when that is an Account Id (001..., 15 or 18 characters), else empty
    WhoId            the contact's external_id when it is a Contact Id (003...), else empty
    CallDisposition  the outcome of a call (reached, no answer, ...)
  Rows dated after --today have not happened yet and wait for a later export.  `--since-last`
  sends only what the last `export activities` did not; every run is recorded.

Both print one line: what was written and where.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("export", help="files for the write-off team (writeoff) and Salesforce (activities)",
                       description="Exports as of --today; each run is recorded (export_run and the audit trail).")
    kinds = p.add_subparsers(dest="export", metavar="EXPORT", required=True)
    w = kinds.add_parser("writeoff", help="the hand-off file for the write-off / bad-debt team",
                         description="Every suspended or referred account with its balance, invoices, contacts, "
                         "warning and suspension dates and approvers, and a history summary.")
    w.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file format (default: csv)")
    w.add_argument("--out", type=Path, metavar="FILE", required=True, help="the file to write (atomically, mode 0600)")
    w.add_argument("--folder", type=Path, metavar="DIR",
                   help="also write a hand-off folder per account into DIR (a new or empty folder)")
    w.set_defaults(export_run=run_writeoff)
    a = kinds.add_parser("activities", help="activities, promises and disputes as Salesforce Task rows (Data Loader)",
                         description="A CSV that Salesforce Data Loader inserts as Task records.")
    a.add_argument("--format", choices=["csv"], default="csv", help="file format (csv, the only one)")
    a.add_argument("--out", type=Path, metavar="FILE", required=True, help="the file to write (atomically, mode 0600)")
    a.add_argument("--since-last", action="store_true",
                   help="only what the last `export activities` did not send (nothing is ever sent twice)")
    a.set_defaults(export_run=run_activities)
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    return args.export_run(ctx, args)


def run_writeoff(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.exports import export_writeoff

    result = export_writeoff(ctx.db, today=ctx.today, policy=ctx.config.policy, user=ctx.config.user_name,
                             out=args.out, fmt=args.format, folder=args.folder,
                             default_currency=ctx.config.default_currency)
    n = len(result.accounts)
    where = f" and {n} folder{'s' if n != 1 else ''} in {result.folder}" if result.folder is not None else ""
    print(f"wrote {result.path}: {n} suspended or referred account{'s' if n != 1 else ''} "
          f"({result.rows} row{'s' if result.rows != 1 else ''}){where}; export {result.run_id} recorded")
    return 0


def run_activities(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services.exports import export_activities

    result = export_activities(ctx.db, today=ctx.today, user=ctx.config.user_name, out=args.out,
                               since_last=args.since_last)
    since = (f" since export {result.previous_run}" if result.previous_run is not None
             else " (no earlier export: everything)" if result.since_last else "")
    later = f"; {result.held_back} dated after {ctx.today} held back for a later export" if result.held_back else ""
    print(f"wrote {result.path}: {result.rows} Task row{'s' if result.rows != 1 else ''}{since}{later}; "
          f"export {result.run_id} recorded")
    return 0
