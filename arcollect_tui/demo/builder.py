"""`build_demo`: the demo portfolio into the database, in one transaction, fast.

What the data is lives in portfolio.py; this module gets it into SQLite.  Why it is done so:

* **One transaction**, checked first: a database that already has accounts is refused (exit 2)
  and nothing is written.  One `import_batch` row (source `demo`) and one audit row (action
  `demo`) go in with the data.
* **Fast.**  100,000 accounts (a million invoices, about 3.5 million rows) in well under a
  minute on two cores: rows go in as multi-row `INSERT ... VALUES` through the raw sqlite3
  connection's `executemany`; the secondary indexes are dropped for the load and rebuilt from
  their own SQL; and big builds generate in a child Python while this one inserts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Callable

from arcollect_tui import audit
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Config
from arcollect_tui.demo.portfolio import COLUMNS, ID_TABLES, INSERTS, Emit, Job, generate
from arcollect_tui.errors import InputError

MAX_ACCOUNTS = 1_000_000
PARALLEL_FROM = 10_000  # from this many accounts, generate in a child process while inserting


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` wrote: rows per table (credit notes are invoices, counted apart)."""

    accounts: int
    contacts: int
    invoices: int
    credit_notes: int
    payments: int
    allocations: int
    activities: int
    promises: int
    payment_plans: int
    plan_instalments: int
    disputes: int
    escalations: int
    suspension_events: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def build_demo(db: Any, *, today: dt.date, accounts: int = 1500, seed: int = 42, config: Config,
               user: str, progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Fill an empty database with `accounts` demo accounts as of `today`, in one transaction.

    Refuses (InputError) a database that already has accounts.  Writes one `import_batch`
    row (source `demo`) and one audit row (action `demo`).  `progress(done, total)` is called
    after each chunk of accounts.
    """
    if isinstance(accounts, bool) or not isinstance(accounts, int) or not 1 <= accounts <= MAX_ACCOUNTS:
        raise InputError(f"--accounts: {accounts}: expected a whole number from 1 to {MAX_ACCOUNTS:,}")
    conn = db.connection()
    with db.atomic():
        existing = conn.execute("SELECT count(*) FROM account").fetchone()[0]
        if existing:
            where = getattr(db, "database", None) or "the database"
            raise InputError(
                f"{where}: already has {existing:,} account{'s' if existing != 1 else ''}: "
                "demo only fills an empty database: choose a new --db file (or remove this one)"
            )
        batch_id = conn.execute(
            "INSERT INTO import_batch (started_at, source, files, as_of, summary, user)"
            " VALUES (?, 'demo', '[]', ?, '{}', ?)",
            (now_stamp(), today.isoformat(), user),
        ).lastrowid
        ids = {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in ID_TABLES}
        job = Job(today=today, accounts=accounts, seed=seed, policy=config.policy, user=user, batch_id=batch_id,
                  ids=ids, max_variables=conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))

        def insert(batches: dict[str, list[tuple]], done: int) -> None:
            for table in INSERTS:
                if batches.get(table):
                    _insert_batches(conn, table, batches[table])
            if progress is not None:
                progress(done, accounts)

        indexes = _drop_indexes(conn)
        if accounts >= PARALLEL_FROM:
            counts = _generate_in_child(job, insert)
        else:
            counts = generate(job, insert)
        for sql in indexes:
            conn.execute(sql)
        summary = DemoSummary(**counts)
        details = {"accounts": accounts, "seed": seed, "as_of": today.isoformat(), "rows": summary.as_dict()}
        conn.execute("UPDATE import_batch SET finished_at = ?, summary = ? WHERE id = ?",
                     (now_stamp(), json.dumps(details, sort_keys=True), batch_id))
        audit.record(conn, user=user, action="demo", entity="import_batch", entity_id=batch_id, after=details)
    return summary


# --------------------------------------------------------------------------------------------
# Generating in a child process


def _generate_in_child(job: Job, emit: Emit) -> dict[str, int]:
    """Run `generate` in a child Python and insert here while it works on the next chunk.

    Generating is pure Python and inserting is mostly SQLite, so on two cores the build takes
    about as long as the slower of the two instead of their sum.  The child draws the same
    numbers in the same order, so the rows are those of an in-process build.  Threads would
    not do (the sqlite3 module gives up the GIL on every row and would wait to get it back),
    and multiprocessing's spawn re-runs the caller's main script; a plain subprocess running
    `arcollect_tui.demo.worker` with pickles over its pipes has neither problem.
    """
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile() as errors:
        try:
            child = subprocess.Popen([sys.executable, "-m", "arcollect_tui.demo.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=errors, env=env)
        except OSError:
            return generate(job, emit)  # no child Python here (embedded, frozen): do it all here
        try:
            assert child.stdin is not None and child.stdout is not None
            try:
                pickle.dump(job, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                child.stdin.close()
            except BrokenPipeError:  # it died before reading its job
                raise _child_failed(child, errors) from None
            while True:
                try:
                    message = pickle.load(child.stdout)
                except EOFError:
                    raise _child_failed(child, errors) from None
                if message[0] == "rows":
                    emit(message[1], message[2])
                elif message[0] == "end":
                    return message[1]
                else:
                    raise RuntimeError(f"the demo generator process failed: {message[1]}")
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            if child.stdout is not None:
                child.stdout.close()


def _child_failed(child: subprocess.Popen, errors: BinaryIO) -> RuntimeError:
    """An error that says why the child stopped: the last line it wrote on stderr."""
    child.wait()
    errors.seek(0)
    lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    why = lines[-1] if lines else f"exit status {child.returncode}"
    return RuntimeError(f"the demo generator process stopped: {why}")


def child_main(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's side: read a job, write ("rows", rows, done)... then ("end", counts)."""
    job = pickle.load(stdin)

    def send(rows: dict[str, list[tuple]], done: int) -> None:
        pickle.dump(("rows", rows, done), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()

    try:
        counts = generate(job, send)
    except Exception as exc:  # reported to the parent, which raises it there
        pickle.dump(("error", f"{type(exc).__name__}: {exc}"), stdout)
    else:
        pickle.dump(("end", counts), stdout)
    stdout.flush()


def _insert_batches(conn: sqlite3.Connection, table: str, batches: list[tuple]) -> None:
    """`executemany` of multi-row `INSERT ... VALUES (...), (...), ...` statements.

    One statement per row pays the statement's reset and setup every row, CHECK constraints
    with `IN (...)` lists included (SQLite rebuilds the list each time: about 2 us a row each on
    `activity`).  Up to 1,000 rows a statement (within the variable limit) cuts the insert time
    by about a third.  Rows go in in order, so parents still precede their children; only the
    last batch can be short.
    """
    width = COLUMNS[table]
    per = len(batches[0]) // width
    last = batches[-1]
    full = batches if len(last) == per * width else batches[:-1]
    if full:
        conn.executemany(_multi_insert(table, per), full)
    if full is not batches:
        conn.execute(_multi_insert(table, len(last) // width), last)


@lru_cache(maxsize=64)
def _multi_insert(table: str, count: int) -> str:
    head, values = INSERTS[table].split(" VALUES ")
    return f"{head} VALUES {', '.join([values] * count)}"


def _drop_indexes(conn) -> list[str]:
    """Drop the secondary indexes of the tables the demo fills; return their SQL to recreate.

    Building an index once over sorted keys is cheaper than keeping it up to date a million
    random inserts at a time (invoice_open alone costs a third of the invoice inserts).  The
    tables are empty (no accounts, so no rows that hang off one), DDL is transactional, and the
    indexes come back from their own stored SQL, so the schema ends exactly as schema.sql says.
    """
    tables = ", ".join(f"'{t}'" for t in INSERTS)
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})"
        " ORDER BY name"
    ).fetchall()
    for name, _sql in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


