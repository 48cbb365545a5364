"""Files for other programs and people: typed tables as CSV and XLSX, atomic writes, the write-off
hand-off (`export writeoff`) and the Salesforce Task file (`export activities`).

Tables
------
A report (services/reports.py) or an export describes its output as `Table`s of typed columns, so
that every format treats a value the same way:

==========  ==========================  =================================  ==========================
kind        Python value                CSV (and JSON)                     XLSX
==========  ==========================  =================================  ==========================
text        str                         as is (formula-looking: `'` first)  a string (the same guard)
int         int                         digits                             a number
money       Decimal, the currency's     `"1234.50"`, `"120000"` (JPY):     a number in the currency's
            minor digits                exactly the minor digits           format (`#,##0.00`)
days        Decimal, one decimal        `"45.3"`                           a number, `0.0`
percent     Decimal, percent points     `"79.6"`                           the fraction, `0.0%`
date        datetime.date               `YYYY-MM-DD`                       a date, `yyyy-mm-dd`
==========  ==========================  =================================  ==========================

None is an empty cell (JSON null): a figure that cannot be computed (no sales: no DSO).

Every file is written atomically (a temporary file in the same folder, fsync, rename) with mode
0600; a hand-off folder is built aside and renamed into place, so a reader never sees half of it.

Exports record themselves
-------------------------
Each export writes one `export_run` row and audit rows (action `export`) in one transaction, after
the files are complete and just before they are renamed into place: a file that exists was
recorded, and a recorded export left its file.  `up_to_audit` is the last audit row the export's
read saw: the export shows the data as of that row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import heapq
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from peewee import SqliteDatabase

from arcollect_tui import audit, timeline
from arcollect_tui.cli.common import safe_cell, write_csv
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Policy
from arcollect_tui.errors import InputError
from arcollect_tui.money import exponent, from_minor
from arcollect_tui.services.accounts import OPEN_ITEMS_CTE
from arcollect_tui.text import clean

# ------------------------------------------------------------------------------------- tables

COLUMN_KINDS = ("text", "int", "money", "days", "percent", "date")


@dataclass(frozen=True)
class Column:
    """A typed column.  Money needs its currency: a fixed code, or the name of the row's column
    that holds it."""

    name: str
    kind: str = "text"
    currency: str | None = None
    currency_from: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "money" and not (self.currency or self.currency_from):
            raise ValueError(f"money column {self.name!r} needs a currency")


@dataclass(frozen=True)
class Table:
    """Rows of typed values under typed columns.  `key` names it (`--table`, JSON); `title` is
    the sheet's name."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    def currency(self, row: Sequence[Any], col: Column) -> str:
        if col.currency:
            return col.currency
        names = [c.name for c in self.columns]
        return row[names.index(col.currency_from)]  # type: ignore[arg-type]


def text_value(col: Column, value: Any) -> str:
    """The CSV/JSON text of a value (the CONTRACT's forms; the formula guard is write_csv's)."""
    if value is None:
        return ""
    if col.kind == "date":
        return value.isoformat()
    return str(value)


def display_value(table: Table, row: Sequence[Any], col: Column, value: Any) -> str:
    """For people (the `table` format): thousands separators, `%`, `n/a` for what is undefined."""
    if value is None:
        return "n/a" if col.kind in ("days", "percent") else ""
    if col.kind == "money":
        exp = exponent(table.currency(row, col))
        return f"{value:,.{exp}f}"
    if col.kind == "percent":
        return f"{value}%"
    if col.kind == "int":
        return f"{value:,}"
    if col.kind == "date":
        return value.isoformat()
    return str(value)


def write_table_csv(table: Table, out) -> None:
    """One table as CSV: a header of column names, then its rows as text."""
    write_csv(([text_value(c, v) for c, v in zip(table.columns, row)] for row in table.rows),
              [c.name for c in table.columns], out)


def table_csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    write_table_csv(table, buf)
    return buf.getvalue().encode("utf-8")


def table_json(table: Table) -> list[dict[str, Any]]:
    """Rows as objects: amounts and ratios as text, dates ISO, counts as numbers, None as null."""
    return [{c.name: (v if c.kind == "int" or v is None else text_value(c, v)) for c, v in zip(table.columns, row)}
            for row in table.rows]


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def workbook_bytes(tables: Sequence[Table], about: Sequence[tuple[str, Any]] = (), *, title: str = "") -> bytes:
    """An XLSX workbook: one sheet per table (typed cells, frozen header, autofilter, widths from
    the data), then an *About* sheet of (item, value) pairs when `about` is given."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": title, "creator": "arcollect"})
    bold = wb.add_format({"bold": True})
    formats: dict[str, Any] = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "days": wb.add_format({"num_format": "0.0"}),
        "percent": wb.add_format({"num_format": "0.0%"}),
        "int": wb.add_format({"num_format": "0"}),
    }

    def money_format(currency: str) -> Any:
        key = f"money{exponent(currency)}"
        if key not in formats:
            exp = exponent(currency)
            formats[key] = wb.add_format({"num_format": "#,##0" + ("." + "0" * exp if exp else "")})
        return formats[key]

    used: set[str] = set()

    def sheet_name(name: str) -> str:
        base = _SHEET_BAD.sub("_", name).strip("'")[:31] or "Sheet"
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{base[:28]}_{n}"
        used.add(candidate.lower())
        return candidate

    for table in tables:
        ws = wb.add_worksheet(sheet_name(table.title))
        widths = [len(c.name) + 2 for c in table.columns]
        for col, c in enumerate(table.columns):
            ws.write_string(0, col, safe_cell(c.name), bold)
        for r, row in enumerate(table.rows, start=1):
            for col, (c, value) in enumerate(zip(table.columns, row)):
                if value is None:
                    continue
                if c.kind == "text":
                    text = safe_cell(str(value))
                    ws.write_string(r, col, text)
                    widths[col] = max(widths[col], min(len(text), 60) + 2)
                elif c.kind == "money":
                    ws.write_number(r, col, value, money_format(table.currency(row, c)))
                    widths[col] = max(widths[col], len(f"{value:,}") + 3)
                elif c.kind == "date":
                    ws.write_datetime(r, col, dt.datetime(value.year, value.month, value.day), formats["date"])
                    widths[col] = max(widths[col], 12)
                elif c.kind == "percent":
                    ws.write_number(r, col, value / 100, formats["percent"])
                    widths[col] = max(widths[col], len(str(value)) + 3)
                else:  # int, days
                    ws.write_number(r, col, value, formats[c.kind])
                    widths[col] = max(widths[col], len(str(value)) + 2)
        for col, width in enumerate(widths):
            ws.set_column(col, col, min(max(width, 8), 62))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(table.rows)), max(0, len(table.columns) - 1))
    if about:
        ws = wb.add_worksheet(sheet_name("About"))
        ws.write_string(0, 0, "item", bold)
        ws.write_string(0, 1, "value", bold)
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        for r, (item, value) in enumerate(about, start=1):
            ws.write_string(r, 0, safe_cell(item))
            if isinstance(value, dt.date):
                ws.write_datetime(r, 1, dt.datetime(value.year, value.month, value.day), formats["date"])
            elif isinstance(value, int) and not isinstance(value, bool):
                ws.write_number(r, 1, value, formats["int"])
            elif value is not None:
                ws.write_string(r, 1, safe_cell(str(value)), wrap)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 100)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(about)), 1)
    wb.close()
    return buf.getvalue()


# ----------------------------------------------------------------------------- atomic writes

def check_out_path(path: Path, option: str = "--out", example: str = "report.xlsx") -> None:
    """Refuse before any work: a folder, or a file in a folder that does not exist (exit 2)."""
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder: give a file name such as {example}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: the folder {parent} does not exist: create it or choose another file")


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once or not at all: temp file (mode 0600) + fsync + rename."""
    tmp = stage_file(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage_file(path: Path, data: bytes) -> Path:
    """The complete file beside `path` under a temporary name (mode 0600); rename it to publish."""
    check_out_path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"--out {path}: cannot write in {parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def stage_text(path: Path, write: Callable[[TextIO], None]) -> Path:
    """Like stage_file, but `write(fh)` streams UTF-8 text into the temporary file."""
    staged = stage_file(path, b"")
    try:
        with open(staged, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def check_folder(path: Path) -> None:
    """A hand-off folder must be new (or an empty folder): a hand-off is never overwritten."""
    if path.exists():
        if not path.is_dir():
            raise InputError(f"--folder {path}: is a file: give a new folder name such as handoff-2026-03-02")
        if any(path.iterdir()):
            raise InputError(f"--folder {path}: is not empty: give a new folder (a hand-off is never overwritten)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--folder {path}: the folder {parent} does not exist: create it or choose another place")


def stage_folder(path: Path, files: Mapping[str, bytes]) -> Path:
    """Build the folder beside `path` under a temporary name (folders 0700, files 0600)."""
    check_folder(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise InputError(f"--folder {path}: cannot write in {parent}: {exc.strerror}") from None
    try:
        os.chmod(tmp, 0o700)
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def publish_folder(tmp: Path, path: Path) -> None:
    if path.exists():
        path.rmdir()  # checked empty before; rmdir refuses if something appeared meanwhile
    os.replace(tmp, path)


def safe_name(key: str) -> str:
    """A folder name for an account key: letters, digits, `.`, `_`, `-` kept; anything else (a
    `/`, `..`, spaces, control characters) becomes `_`, and then a short hash of the key keeps
    two keys apart that would otherwise meet."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", key)[:80].lstrip(".") or "_"
    if name != key:
        name += "-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return name


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: everything read inside it (and the audit top) agrees."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def audit_top(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


def _record_run(conn: sqlite3.Connection, *, kind: str, up_to: int, path: Path, rows: int, user: str,
                stamp: str, after: dict[str, Any], accounts: Iterable[tuple[int, dict[str, Any]]] = ()) -> int:
    """The export_run row, its audit row, and one audit row per account it hands off."""
    run_id = conn.execute(
        "INSERT INTO export_run (kind, at, up_to_audit, path, row_count, user) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, stamp, up_to, str(path), rows, user)).lastrowid
    audit.record(conn, user=user, action="export", entity="export_run", entity_id=run_id, at=stamp,
                 after={"kind": kind, "path": str(path), "rows": rows, "up_to_audit": up_to, **after})
    for account_id, data in accounts:
        audit.record(conn, user=user, action="export", entity="export_run", entity_id=run_id, account_id=account_id,
                     at=stamp, after={"kind": kind, "path": str(path), **data})
    return run_id


# ------------------------------------------------------------------------- write-off hand-off

# The hand-off reads a year of stage history before *today* and steps ahead of it.
TODAY_LIMITS = (dt.date(1901, 1, 1), dt.date(9998, 12, 31))

WRITEOFF_COLUMNS: tuple[Column, ...] = (
    Column("account"), Column("name"), Column("stage"), Column("currency"),
    Column("balance", "money", currency_from="currency"), Column("overdue", "money", currency_from="currency"),
    Column("disputed", "money", currency_from="currency"), Column("days_past_due", "int"),
    Column("oldest_due_date", "date"), Column("open_items", "int"), Column("invoices"),
    Column("warning_on", "date"), Column("warning_approved_by"), Column("suspended_on", "date"),
    Column("suspension_approved_by"), Column("suspension_rule"), Column("referred_on", "date"),
    Column("referral_approved_by"), Column("referable_from", "date"),
    Column("primary_contact"), Column("contact_email"), Column("contact_phone"), Column("contacts"),
    Column("last_payment_on", "date"), Column("last_contact_on", "date"), Column("calls", "int"),
    Column("right_party_contacts", "int"), Column("promises", "int"), Column("promises_broken", "int"),
    Column("disputes_open", "int"), Column("history"), Column("external_id"), Column("sales_owner"),
    Column("country"),
)

# Outcomes of a call that reached someone able to pay (reports.RIGHT_PARTY_OUTCOMES is the same).
RIGHT_PARTY = ("reached", "promise", "refused", "dispute", "paid_claimed")


@dataclass(frozen=True)
class HandoffInvoice:
    number: str
    kind: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    amount: Decimal
    open_amount: Decimal
    disputed: Decimal
    days_past_due: int


@dataclass(frozen=True)
class HandoffContact:
    name: str
    role: str | None
    email: str | None
    phone: str | None
    primary: bool


@dataclass(frozen=True)
class HandoffStep:
    """A suspension_event: warning, suspension, reinstatement or referral, with its approval."""

    kind: str
    on_date: dt.date
    approved_by: str | None
    approver_role: str | None
    approval_ref: str | None
    rule: str | None
    note: str | None
    user: str


@dataclass(frozen=True)
class HandoffBalance:
    currency: str
    balance: Decimal
    overdue: Decimal
    disputed: Decimal


@dataclass(frozen=True)
class HandoffAccount:
    """One suspended or referred account, as of *today*, with what the bad-debt team needs."""

    account_id: int
    key: str
    name: str
    stage: str                                 # suspended or referred
    days_past_due: int
    balances: tuple[HandoffBalance, ...]       # per currency with something open (else one of zeros)
    invoices: tuple[HandoffInvoice, ...]       # open items, oldest due first
    contacts: tuple[HandoffContact, ...]       # primary first
    steps: tuple[HandoffStep, ...]             # every step, in date order
    warning: HandoffStep | None                # the warning the suspension relied on
    suspension: HandoffStep                    # the suspension in force
    referral: HandoffStep | None
    referable_from: dt.date | None             # suspended: referral possible from (dpd >= referral_from_dpd)
    last_payment_on: dt.date | None
    last_contact_on: dt.date | None
    calls: int
    right_party_contacts: int
    activities: int
    promises: int
    promises_kept: int
    promises_broken: int                       # broken or partly kept
    disputes: int
    disputes_open: int
    escalations: int
    history: str                               # the summary in one paragraph
    external_id: str | None
    sales_owner: str | None
    country: str | None


@dataclass(frozen=True)
class WriteoffFile:
    """What `export writeoff` wrote and recorded."""

    run_id: int
    path: Path
    folder: Path | None
    accounts: tuple[HandoffAccount, ...]
    rows: int


def writeoff_accounts(db: SqliteDatabase, today: dt.date, policy: Policy, *,
                      default_currency: str = "USD") -> tuple[HandoffAccount, ...]:
    """Every account suspended or referred as of `today` (its stage on the timeline), by key."""
    conn = db.connection()
    with read_snapshot(conn):
        return _writeoff_accounts(conn, today, policy, default_currency)


def _writeoff_accounts(conn: sqlite3.Connection, today: dt.date, policy: Policy,
                       default_currency: str) -> tuple[HandoffAccount, ...]:
    from arcollect_tui.services.worklist import bulk_facts

    d = today.isoformat()
    candidates = [r[0] for r in conn.execute(
        "SELECT DISTINCT account_id FROM suspension_event WHERE kind = 'suspension' AND on_date <= ?", (d,))]
    if not candidates:
        return ()
    facts = bulk_facts(conn, today, None, account_ids=candidates)
    assessed = {acct: timeline.assess(f, policy, today) for acct, f in facts.items()}
    chosen = sorted(acct for acct, a in assessed.items() if a.stage in ("suspended", "referred"))
    if not chosen:
        return ()
    ids = json.dumps(chosen)
    accounts = {r[0]: r[1:] for r in conn.execute(
        "SELECT id, key, name, currency, external_id, sales_owner, country FROM account"
        " WHERE id IN (SELECT value FROM json_each(?))", (ids,))}
    invoices: dict[int, list[HandoffInvoice]] = {a: [] for a in chosen}
    for acct, number, kind, dated, due, cur, amount, open_minor, disputed, dpd in conn.execute(
            "WITH " + OPEN_ITEMS_CTE.format(extra="AND i.account_id IN (SELECT value FROM json_each(:ids))")
            + " SELECT account_id, number, kind, invoice_date, due_date, currency, amount_minor, open_minor,"
              " disputed_minor, dpd FROM open_item ORDER BY account_id, due_date, invoice_date, number",
            {"d": d, "ids": ids}):
        invoices[acct].append(HandoffInvoice(number, kind, dt.date.fromisoformat(dated), dt.date.fromisoformat(due),
                                             cur, from_minor(amount, cur), from_minor(open_minor, cur),
                                             from_minor(disputed, cur), dpd))
    contacts: dict[int, list[HandoffContact]] = {a: [] for a in chosen}
    for acct, name, role, email, phone, primary in conn.execute(
            "SELECT account_id, name, role, email, phone, is_primary FROM contact"
            " WHERE account_id IN (SELECT value FROM json_each(?)) ORDER BY account_id, is_primary DESC, name", (ids,)):
        contacts[acct].append(HandoffContact(name, role, email, phone, bool(primary)))
    steps: dict[int, list[HandoffStep]] = {a: [] for a in chosen}
    for acct, kind, on, by, role, ref, rule, note, user in conn.execute(
            "SELECT account_id, kind, on_date, approved_by, approver_role, approval_ref, rule, note, user"
            " FROM suspension_event WHERE account_id IN (SELECT value FROM json_each(?)) AND on_date <= ?"
            " ORDER BY account_id, on_date, id", (ids, d)):
        steps[acct].append(HandoffStep(kind, dt.date.fromisoformat(on), by, role, ref, rule, note, user))
    counts = _activity_counts(conn, ids, d)
    last_payment = dict(conn.execute(
        "SELECT account_id, max(paid_on) FROM payment WHERE account_id IN (SELECT value FROM json_each(?))"
        " AND paid_on <= ? GROUP BY account_id", (ids, d)).fetchall())
    disputes = {acct: (total, open_) for acct, total, open_ in conn.execute(
        "SELECT account_id, count(*), sum(resolved_on IS NULL OR resolved_on > :d) FROM dispute"
        " WHERE account_id IN (SELECT value FROM json_each(:ids)) AND opened_on <= :d GROUP BY account_id",
        {"ids": ids, "d": d})}
    escalations = dict(conn.execute(
        "SELECT account_id, count(*) FROM escalation WHERE account_id IN (SELECT value FROM json_each(?))"
        " AND opened_on <= ? GROUP BY account_id", (ids, d)).fetchall())
    out = []
    for acct in chosen:
        key, name, own_currency, external_id, sales_owner, country = accounts[acct]
        a = assessed[acct]
        promise_status = [s.status for s in a.promises]
        calls, rpc, acts = counts.get(acct, (0, 0, 0))
        items = tuple(invoices[acct])
        balances = _balances(items, own_currency or default_currency)
        account_steps = tuple(steps[acct])
        suspension, warning, referral = _steps_in_force(account_steps, a)
        referable = None
        if a.stage == "suspended" and a.anchor is not None:
            anchor_due = next((i.due_date for i in items if i.number == a.anchor and i.kind == "invoice"), None)
            if anchor_due is not None:
                referable = anchor_due + dt.timedelta(days=policy.referral_from_dpd)
        total_disputes, open_disputes = disputes.get(acct, (0, 0))
        acc = HandoffAccount(
            account_id=acct, key=key, name=name, stage=a.stage, days_past_due=a.dpd, balances=balances,
            invoices=items, contacts=tuple(contacts[acct]), steps=account_steps, warning=warning,
            suspension=suspension, referral=referral, referable_from=referable,
            last_payment_on=_date(last_payment.get(acct)), last_contact_on=a.last_contact, calls=calls,
            right_party_contacts=rpc, activities=acts, promises=len(promise_status),
            promises_kept=promise_status.count("kept"),
            promises_broken=promise_status.count("broken") + promise_status.count("partly_kept"),
            disputes=total_disputes, disputes_open=open_disputes or 0, escalations=escalations.get(acct, 0),
            history="", external_id=external_id, sales_owner=sales_owner, country=country)
        out.append(_with_history(acc, items, a.last_contact))
    return tuple(sorted(out, key=lambda h: h.key))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _activity_counts(conn: sqlite3.Connection, ids: str, d: str) -> dict[int, tuple[int, int, int]]:
    """Per account: calls, right-party contacts (calls with a RIGHT_PARTY outcome), activities."""
    marks = ", ".join("?" for _ in RIGHT_PARTY)
    return {acct: (calls or 0, rpc or 0, total) for acct, calls, rpc, total in conn.execute(
        "SELECT account_id, sum(channel = 'call'), sum(channel = 'call' AND outcome IN (" + marks + ")), count(*)"
        " FROM activity WHERE account_id IN (SELECT value FROM json_each(?)) AND occurred_on <= ?"
        " GROUP BY account_id", (*RIGHT_PARTY, ids, d))}


def _balances(items: Sequence[HandoffInvoice], fallback_currency: str) -> tuple[HandoffBalance, ...]:
    sums: dict[str, list[Decimal]] = {}
    for i in items:
        row = sums.setdefault(i.currency, [from_minor(0, i.currency)] * 3)
        row[0] += i.open_amount
        if i.days_past_due > 0:
            row[1] += i.open_amount
        row[2] += i.disputed
    if not sums:
        zero = from_minor(0, fallback_currency)
        return (HandoffBalance(fallback_currency, zero, zero, zero),)
    return tuple(HandoffBalance(c, *v) for c, v in sorted(sums.items()))


def _steps_in_force(steps: Sequence[HandoffStep], a: timeline.Assessment
                    ) -> tuple[HandoffStep, HandoffStep | None, HandoffStep | None]:
    """The suspension in force (the first since the last reinstatement, as the timeline reads it),
    the last warning on or before it (after that reinstatement), and the referral after it."""
    since_reinstatement: list[HandoffStep] = []
    for s in sorted(steps, key=lambda s: s.on_date):
        if s.kind == "reinstatement":
            since_reinstatement = []
        else:
            since_reinstatement.append(s)
    suspension = next(s for s in since_reinstatement if s.kind == "suspension" and s.on_date == a.suspended_on)
    warning = next((s for s in reversed(since_reinstatement) if s.kind == "warning"
                    and s.on_date <= suspension.on_date), None)
    referral = next((s for s in since_reinstatement if s.kind == "referral" and s.on_date >= suspension.on_date),
                    None) if a.stage == "referred" else None
    return suspension, warning, referral


def _money_text(value: Decimal, currency: str) -> str:
    return f"{value:,.{exponent(currency)}f} {currency}"


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _with_history(acc: HandoffAccount, items: Sequence[HandoffInvoice], last_contact: dt.date | None) -> HandoffAccount:
    """The one-paragraph history summary (the `history` column and handoff.txt)."""
    import dataclasses

    parts = [", ".join(_money_text(b.balance, b.currency) for b in acc.balances) + " open"
             + (f" on {_n(len(items), 'item')}" if items else "")
             + (f"; {_n(acc.days_past_due, 'day')} past due" if acc.days_past_due else "")]
    if acc.warning:
        parts.append(f"warned {acc.warning.on_date} (approved by {acc.warning.approved_by})")
    parts.append(f"suspended {acc.suspension.on_date} (approved by {acc.suspension.approved_by})")
    if acc.referral:
        parts.append(f"referred {acc.referral.on_date}"
                     + (f" (approved by {acc.referral.approved_by})" if acc.referral.approved_by else ""))
    parts.append(f"{_n(acc.activities, 'activity', 'activities')} ({_n(acc.calls, 'call')}, "
                 f"{_n(acc.right_party_contacts, 'right-party contact')})"
                 + (f", last contact {last_contact}" if last_contact else ""))
    if acc.promises:
        parts.append(f"{_n(acc.promises, 'promise')} ({acc.promises_kept} kept, "
                     f"{acc.promises_broken} broken or partly kept)")
    if acc.disputes:
        parts.append(f"{_n(acc.disputes, 'dispute')} ({acc.disputes_open} open)")
    if acc.escalations:
        parts.append(_n(acc.escalations, "escalation"))
    parts.append(f"last payment {acc.last_payment_on}" if acc.last_payment_on else "no payment recorded")
    return dataclasses.replace(acc, history=clean("; ".join(parts)))


def writeoff_table(accounts: Sequence[HandoffAccount]) -> Table:
    """The hand-off file's rows: one per account and currency (WRITEOFF_COLUMNS)."""
    rows = []
    for h in accounts:
        primary = h.contacts[0] if h.contacts else None
        contacts = "; ".join(_contact_text(c) for c in h.contacts)
        for b in h.balances:
            mine = [i for i in h.invoices if i.currency == b.currency]
            rows.append((
                h.key, h.name, h.stage, b.currency, b.balance, b.overdue, b.disputed, h.days_past_due,
                min((i.due_date for i in mine if i.kind == "invoice"), default=None), len(mine),
                "; ".join(f"{i.number} due {i.due_date} open {i.open_amount}" for i in mine) or None,
                h.warning.on_date if h.warning else None, h.warning.approved_by if h.warning else None,
                h.suspension.on_date, h.suspension.approved_by, h.suspension.rule,
                h.referral.on_date if h.referral else None, h.referral.approved_by if h.referral else None,
                h.referable_from,
                primary.name if primary else None, primary.email if primary else None,
                primary.phone if primary else None, contacts or None,
                h.last_payment_on, h.last_contact_on, h.calls, h.right_party_contacts, h.promises, h.promises_broken,
                h.disputes_open, h.history, h.external_id, h.sales_owner, h.country,
            ))
    return Table("accounts", "Accounts", WRITEOFF_COLUMNS, tuple(rows))


def _contact_text(c: HandoffContact) -> str:
    bits = [c.name + (f" ({c.role})" if c.role else "")]
    if c.email:
        bits.append(f"<{c.email}>")
    if c.phone:
        bits.append(c.phone)
    return " ".join(bits) + (" [primary]" if c.primary else "")


def writeoff_tables(accounts: Sequence[HandoffAccount]) -> tuple[Table, ...]:
    """The hand-off workbook: accounts, their open items, contacts and timeline steps."""
    invoices = Table("invoices", "Invoices", (
        Column("account"), Column("name"), Column("invoice"), Column("kind"), Column("invoice_date", "date"),
        Column("due_date", "date"), Column("currency"), Column("amount", "money", currency_from="currency"),
        Column("open_amount", "money", currency_from="currency"),
        Column("disputed", "money", currency_from="currency"), Column("days_past_due", "int")),
        tuple((h.key, h.name, i.number, i.kind, i.invoice_date, i.due_date, i.currency, i.amount, i.open_amount,
               i.disputed, i.days_past_due) for h in accounts for i in h.invoices))
    contacts = Table("contacts", "Contacts", (
        Column("account"), Column("name"), Column("contact"), Column("role"), Column("email"), Column("phone"),
        Column("primary")),
        tuple((h.key, h.name, c.name, c.role, c.email, c.phone, "yes" if c.primary else "no")
              for h in accounts for c in h.contacts))
    steps = Table("timeline", "Timeline", (Column("account"), Column("name"), *_STEP_COLUMNS),
                  tuple((h.key, h.name, *_step_row(s)) for h in accounts for s in h.steps))
    return (writeoff_table(accounts), invoices, contacts, steps)


_STEP_COLUMNS = (Column("date", "date"), Column("step"), Column("approved_by"), Column("approver_role"),
                 Column("approval_ref"), Column("rule"), Column("note"), Column("user"))


def _step_row(s: HandoffStep) -> tuple[Any, ...]:
    return (s.on_date, s.kind, s.approved_by, s.approver_role, s.approval_ref, s.rule, s.note, s.user)


# -- the per-account hand-off folder

def handoff_files(conn: sqlite3.Connection, h: HandoffAccount, today: dt.date, policy: Policy) -> dict[str, bytes]:
    """One account's folder: handoff.txt (the summary and the rule that led to suspension),
    statement.csv, activities.csv, promises.csv, disputes.csv, contacts.csv, timeline.csv
    (the steps with dates, approvers and rules) and stage_history.csv (the stage on each change
    over the last 365 days, from timeline.stage_history)."""
    from arcollect_tui.services.facts import load_facts

    d = today.isoformat()
    acct = h.account_id
    files: dict[str, bytes] = {"handoff.txt": _handoff_text(h, today).encode("utf-8")}
    files["statement.csv"] = table_csv_bytes(_statement(conn, acct, today))
    files["activities.csv"] = table_csv_bytes(Table("activities", "Activities", (
        Column("date", "date"), Column("channel"), Column("outcome"), Column("contact"), Column("note"),
        Column("follow_up", "date"), Column("user")), tuple(
        (dt.date.fromisoformat(on), channel, outcome, contact, note, _date(follow), user)
        for on, channel, outcome, contact, note, follow, user in conn.execute(
            "SELECT a.occurred_on, a.channel, a.outcome, c.name, a.note, a.follow_up_on, a.user"
            " FROM activity a LEFT JOIN contact c ON c.id = a.contact_id"
            " WHERE a.account_id = ? AND a.occurred_on <= ? ORDER BY a.occurred_on, a.occurred_at, a.id", (acct, d)))))
    facts = load_facts(conn, acct, today)
    standings = {(s.promise.made_on, s.promise.pay_by, s.promise.currency, s.promise.amount_minor): s
                 for s in timeline.promise_standings(facts, policy, today)}
    promise_rows = []
    for made, by, cur, amount, cancelled, note, user, numbers in conn.execute(
            "SELECT p.made_on, p.pay_by, p.currency, p.amount_minor, p.cancelled_on, p.note, p.user,"
            " (SELECT group_concat(i.number, ' ') FROM promise_invoice pi JOIN invoice i ON i.id = pi.invoice_id"
            "  WHERE pi.promise_id = p.id) FROM promise p WHERE p.account_id = ? AND p.made_on <= ?"
            " ORDER BY p.made_on, p.id", (acct, d)):
        standing = standings.get((dt.date.fromisoformat(made), dt.date.fromisoformat(by), cur, amount))
        cancelled_on = _date(cancelled) if cancelled and cancelled[:10] <= d else None
        status = "cancelled" if cancelled_on else (standing.status if standing else "open")
        promise_rows.append((dt.date.fromisoformat(made), dt.date.fromisoformat(by), cur, from_minor(amount, cur),
                             from_minor(standing.paid_minor, cur) if standing and not cancelled_on else None,
                             status, standing.deadline if standing else None, cancelled_on, numbers, note, user))
    files["promises.csv"] = table_csv_bytes(Table("promises", "Promises", (
        Column("made_on", "date"), Column("pay_by", "date"), Column("currency"),
        Column("amount", "money", currency_from="currency"), Column("paid", "money", currency_from="currency"),
        Column("status"), Column("deadline", "date"), Column("cancelled_on", "date"), Column("invoices"),
        Column("note"), Column("user")), tuple(promise_rows)))
    files["disputes.csv"] = table_csv_bytes(Table("disputes", "Disputes", (
        Column("opened_on", "date"), Column("invoice"), Column("currency"),
        Column("amount", "money", currency_from="currency"), Column("reason"), Column("routed_to"), Column("owner"),
        Column("status"), Column("resolved_on", "date"), Column("note"), Column("user")), tuple(
        (dt.date.fromisoformat(opened), number, cur, from_minor(amount, cur), reason, routed, owner,
         status if resolved is None or resolved <= d else "open",
         _date(resolved) if resolved and resolved <= d else None, note, user)
        for opened, number, cur, amount, reason, routed, owner, status, resolved, note, user in conn.execute(
            "SELECT s.opened_on, i.number, s.currency, s.amount_minor, s.reason, s.routed_to, s.owner, s.status,"
            " s.resolved_on, s.note, s.user FROM dispute s LEFT JOIN invoice i ON i.id = s.invoice_id"
            " WHERE s.account_id = ? AND s.opened_on <= ? ORDER BY s.opened_on, s.id", (acct, d)))))
    files["contacts.csv"] = table_csv_bytes(Table("contacts", "Contacts", (
        Column("name"), Column("role"), Column("email"), Column("phone"), Column("primary")),
        tuple((c.name, c.role, c.email, c.phone, "yes" if c.primary else "no") for c in h.contacts)))
    files["timeline.csv"] = table_csv_bytes(Table("timeline", "Timeline", _STEP_COLUMNS,
                                                  tuple(_step_row(s) for s in h.steps)))
    history = timeline.stage_history(facts, policy, today - dt.timedelta(days=365), today)
    files["stage_history.csv"] = table_csv_bytes(Table("stage_history", "Stage history", (
        Column("from", "date"), Column("stage"), Column("label")),
        tuple((day, stage, timeline.STAGE_LABELS[stage]) for day, stage in history)))
    return files


def _statement(conn: sqlite3.Connection, acct: int, today: dt.date) -> Table:
    """Invoices, credit notes and payments to *today* in date order, with a running balance per
    currency (the customer's view: a payment not yet applied to an invoice lowers it too), and
    what is still open on each invoice and credit note."""
    d = today.isoformat()
    open_now = {number: (open_minor, dpd) for number, open_minor, dpd in conn.execute(
        "WITH " + OPEN_ITEMS_CTE.format(extra="AND i.account_id = :acct")
        + " SELECT number, open_minor, dpd FROM open_item", {"d": d, "acct": acct})}
    lines: list[tuple[str, int, str, str, str | None, str, int]] = []
    for dated, number, kind, due, cur, amount in conn.execute(
            "SELECT invoice_date, number, kind, due_date, currency, amount_minor FROM invoice"
            " WHERE account_id = ? AND invoice_date <= ?", (acct, d)):
        lines.append((dated, 0, kind, number, due, cur, amount))
    for paid, ref, method, cur, amount in conn.execute(
            "SELECT paid_on, reference, method, currency, amount_minor FROM payment WHERE account_id = ? AND paid_on <= ?",
            (acct, d)):
        lines.append((paid, 1, "payment", ref or method or "", None, cur, -amount))
    lines.sort(key=lambda x: (x[0], x[1], x[3]))
    running: dict[str, int] = {}
    rows = []
    for dated, _, kind, ref, due, cur, amount in lines:
        running[cur] = running.get(cur, 0) + amount
        open_minor, dpd = open_now.get(ref, (0, 0)) if kind != "payment" else (None, None)
        rows.append((dt.date.fromisoformat(dated), kind, ref or None, _date(due), cur, from_minor(amount, cur),
                     from_minor(running[cur], cur), None if open_minor is None else from_minor(open_minor, cur),
                     dpd if open_minor else None))
    return Table("statement", "Statement", (
        Column("date", "date"), Column("type"), Column("reference"), Column("due_date", "date"), Column("currency"),
        Column("amount", "money", currency_from="currency"), Column("balance", "money", currency_from="currency"),
        Column("open_amount", "money", currency_from="currency"), Column("days_past_due", "int")), tuple(rows))


def _handoff_text(h: HandoffAccount, today: dt.date) -> str:
    def line(label: str, value: Any) -> str:
        return f"{label:<22}{clean('' if value is None else str(value))}"

    out = [f"Write-off hand-off as of {today}", "",
           line("Account", h.key), line("Name", h.name), line("Stage", timeline.STAGE_LABELS[h.stage]),
           line("Days past due", h.days_past_due)]
    for b in h.balances:
        out.append(line(f"Balance {b.currency}", f"{_money_text(b.balance, b.currency)} (overdue "
                                                 f"{_money_text(b.overdue, b.currency)}, in dispute "
                                                 f"{_money_text(b.disputed, b.currency)})"))
    out += [line("External id", h.external_id), line("Sales owner", h.sales_owner), line("Country", h.country), ""]
    if h.warning:
        out += ["Warning", line("  date", h.warning.on_date), line("  approved by", h.warning.approved_by),
                line("  rule", h.warning.rule), ""]
    out += ["Suspension (the rule that led to it)", line("  date", h.suspension.on_date),
            line("  approved by", h.suspension.approved_by), line("  approver role", h.suspension.approver_role),
            line("  reference", h.suspension.approval_ref), line("  rule", h.suspension.rule), ""]
    if h.referral:
        out += ["Referral to write-off", line("  date", h.referral.on_date),
                line("  approved by", h.referral.approved_by), line("  rule", h.referral.rule), ""]
    elif h.referable_from:
        out += [line("Referral possible", f"from {h.referable_from} (refer KEY)"), ""]
    out += ["Contacts"] + [f"  {clean(_contact_text(c))}" for c in h.contacts] + ([] if h.contacts else ["  none"])
    out += ["", "History", f"  {h.history}", "",
            "Files: statement.csv, activities.csv, promises.csv, disputes.csv, contacts.csv, timeline.csv,"
            " stage_history.csv"]
    return "\n".join(out) + "\n"


def export_writeoff(db: SqliteDatabase, *, today: dt.date, policy: Policy, user: str, out: Path, fmt: str = "csv",
                    folder: Path | None = None, default_currency: str = "USD") -> WriteoffFile:
    """Write the hand-off file (and, with `folder`, a folder per account), then record the run.

    The data is read in one snapshot; the files are built aside; then one transaction records the
    export_run row, its audit row and one audit row per account handed off, and renames the files
    into place.  Nothing is written (and nothing recorded) on any error.
    """
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"--format: {fmt!r}: expected csv or xlsx")
    if not TODAY_LIMITS[0] <= today <= TODAY_LIMITS[1]:
        raise InputError(f"--today: {today}: expected a date from {TODAY_LIMITS[0]} to {TODAY_LIMITS[1]} "
                         "(the timeline steps days and months around it)")
    check_out_path(out, example="writeoff.csv")
    if folder is not None:
        check_folder(folder)
        if folder.resolve() == out.resolve() or folder.resolve() in out.resolve().parents:
            raise InputError(f"--folder {folder}: --out {out} would be inside it: put the file elsewhere")
    conn = db.connection()
    with read_snapshot(conn):
        up_to = audit_top(conn)
        accounts = _writeoff_accounts(conn, today, policy, default_currency)
        folder_files: dict[str, bytes] = {}
        if folder is not None:
            for h in accounts:
                for name, data in handoff_files(conn, h, today, policy).items():
                    folder_files[f"{safe_name(h.key)}/{name}"] = data
    tables = writeoff_tables(accounts)
    if fmt == "csv":
        data = table_csv_bytes(tables[0])
    else:
        data = workbook_bytes(tables, [("report", "Write-off / bad-debt hand-off"), ("as_of", today),
                                       ("accounts", len(accounts)), ("about", WRITEOFF_ABOUT)],
                              title=f"Write-off hand-off as of {today}")
    staged_file = stage_file(out, data)
    staged_folder: Path | None = None
    published: Path | None = None
    try:
        if folder is not None:
            staged_folder = stage_folder(folder, folder_files)
        stamp = now_stamp()
        with db.atomic():
            run_id = _record_run(
                conn, kind="writeoff", up_to=up_to, path=out.resolve(), rows=len(tables[0].rows), user=user,
                stamp=stamp,
                after={"as_of": today.isoformat(), "format": fmt, "folder": str(folder.resolve()) if folder else None,
                       "accounts": [h.key for h in accounts]},
                accounts=[(h.account_id, {"account": h.key, "stage": h.stage,
                                          "balances": {b.currency: str(b.balance) for b in h.balances}})
                          for h in accounts])
            if staged_folder is not None and folder is not None:
                publish_folder(staged_folder, folder)
                published, staged_folder = folder, None
            os.replace(staged_file, out)
    except BaseException:
        staged_file.unlink(missing_ok=True)
        for leftover in (staged_folder, published):
            if leftover is not None:
                shutil.rmtree(leftover, ignore_errors=True)
        raise
    return WriteoffFile(run_id, out, folder, accounts, len(tables[0].rows))


WRITEOFF_ABOUT = (
    "Every account suspended or referred as of the date (its stage on the collection timeline), one row "
    "per account and currency with something open. Referred accounts were handed off with `arcollect refer` "
    "(stage referred: no next action, no reminder or letter, warn and suspend refused); suspended ones show "
    "referable_from, the day referral becomes possible. This export changes no stage: it records an export_run "
    "row and an audit row per account."
)


# --------------------------------------------------------------- Salesforce Task export

TASK_COLUMNS: tuple[str, ...] = ("Subject", "ActivityDate", "Status", "Priority", "TaskSubtype", "Description",
                                 "WhatId", "WhoId", "CallDisposition")
_SF_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_CHANNEL_LABEL = {"call": "Call", "email": "Email", "meeting": "Meeting", "note": "Note", "letter": "Letter",
                  "system": "System"}
_SUBTYPE = {"call": "Call", "email": "Email"}
SOURCES = ("activity", "promise", "dispute")


def salesforce_id(value: str | None, prefix: str | None = None) -> str | None:
    """`value` when it has the shape of a Salesforce record id (15 or 18 letters and digits, and
    the object's key prefix when one is given), else None."""
    text = (value or "").strip()
    if _SF_ID.fullmatch(text) and (prefix is None or text.startswith(prefix)):
        return text
    return None


@dataclass(frozen=True)
class ActivitiesFile:
    run_id: int
    path: Path
    rows: int
    since_last: bool
    previous_run: int | None
    held_back: int          # rows dated after --today: sent by a later export


def _label(code: str | None) -> str:
    return (code or "").replace("_", " ")


TaskRow = tuple[str, int, int, str, tuple[str, ...]]   # (date, source rank, id, source, values)


def _task_rows(conn: sqlite3.Connection, after: Mapping[str, int], held: Mapping[str, Sequence[int]],
               up_to: Mapping[str, int]) -> Iterator[TaskRow]:
    """Every Task row with an id above `after` (or held back before) and at most `up_to`, in date
    order (then activities, promises, disputes, then id): three ordered queries, merged as they
    are read, so that a million rows never sit in memory at once."""
    def where(source: str, alias: str) -> tuple[str, dict[str, Any]]:
        return (f"(({alias}.id > :after_{source} AND {alias}.id <= :up_{source})"
                f" OR {alias}.id IN (SELECT value FROM json_each(:held_{source})))",
                {f"after_{source}": after.get(source, 0), f"up_{source}": up_to.get(source, 0),
                 f"held_{source}": json.dumps(list(held.get(source, ())))})

    def activities() -> Iterator[TaskRow]:
        cond, params = where("activity", "a")
        for aid, on, channel, outcome, note, follow, user, key, name, what, who, contact, p_amount, p_cur, p_by \
                in conn.execute(
                    "SELECT a.id, a.occurred_on, a.channel, a.outcome, a.note, a.follow_up_on, a.user, ac.key,"
                    " ac.name, ac.external_id, c.external_id, c.name, p.amount_minor, p.currency, p.pay_by"
                    " FROM activity a JOIN account ac ON ac.id = a.account_id"
                    " LEFT JOIN contact c ON c.id = a.contact_id"
                    " LEFT JOIN (SELECT activity_id, min(id) AS first_id FROM promise WHERE activity_id IS NOT NULL"
                    "            GROUP BY activity_id) pm ON pm.activity_id = a.id"
                    " LEFT JOIN promise p ON p.id = pm.first_id"
                    f" WHERE {cond} ORDER BY a.occurred_on, a.id", params):
            label = _CHANNEL_LABEL.get(channel, channel.title())
            subject = f"{label}: {_label(outcome)}" if outcome else label
            lines = [f"Account: {key} ({name})"]
            if contact:
                lines.append(f"Contact: {contact}")
            if outcome:
                lines.append(f"Outcome: {_label(outcome)}")
            if p_amount is not None:
                lines.append(f"Promise to pay: {_money_text(from_minor(p_amount, p_cur), p_cur)} by {p_by}")
            if follow:
                lines.append(f"Follow-up: {follow}")
            if note:
                lines.append(clean(note, keep_newlines=True))
            lines.append(f"Logged by {user} in arcollect (activity {aid})")
            yield (on, 0, aid, "activity", (
                subject[:255], on, "Completed", "Normal", _SUBTYPE.get(channel, "Task"), "\n".join(lines),
                salesforce_id(what) or salesforce_id(key, "001") or "", salesforce_id(who, "003") or "",
                _label(outcome) if channel == "call" and outcome else ""))

    def promises() -> Iterator[TaskRow]:
        cond, params = where("promise", "p")
        for pid, made, by, cur, amount, note, user, key, name, what, numbers in conn.execute(
                "SELECT p.id, p.made_on, p.pay_by, p.currency, p.amount_minor, p.note, p.user, ac.key, ac.name,"
                " ac.external_id, (SELECT group_concat(i.number, ' ') FROM promise_invoice pi JOIN invoice i"
                "  ON i.id = pi.invoice_id WHERE pi.promise_id = p.id)"
                " FROM promise p JOIN account ac ON ac.id = p.account_id"
                f" WHERE p.activity_id IS NULL AND {cond} ORDER BY p.made_on, p.id", params):
            lines = [f"Account: {key} ({name})",
                     f"Promise to pay: {_money_text(from_minor(amount, cur), cur)} by {by}"]
            if numbers:
                lines.append(f"Invoices: {numbers}")
            if note:
                lines.append(clean(note, keep_newlines=True))
            lines.append(f"Logged by {user} in arcollect (promise {pid})")
            yield (made, 1, pid, "promise", (
                "Promise to pay", made, "Completed", "Normal", "Task", "\n".join(lines),
                salesforce_id(what) or salesforce_id(key, "001") or "", "", ""))

    def disputes() -> Iterator[TaskRow]:
        cond, params = where("dispute", "s")
        for sid, opened, cur, amount, reason, routed, owner, status, resolved, note, user, key, name, what, number \
                in conn.execute(
                    "SELECT s.id, s.opened_on, s.currency, s.amount_minor, s.reason, s.routed_to, s.owner, s.status,"
                    " s.resolved_on, s.note, s.user, ac.key, ac.name, ac.external_id, i.number"
                    " FROM dispute s JOIN account ac ON ac.id = s.account_id"
                    " LEFT JOIN invoice i ON i.id = s.invoice_id"
                    f" WHERE s.import_batch_id IS NULL AND s.source_key IS NULL AND {cond}"
                    " ORDER BY s.opened_on, s.id", params):
            lines = [f"Account: {key} ({name})",
                     f"Dispute: {_money_text(from_minor(amount, cur), cur)}" + (f" on invoice {number}" if number else ""),
                     f"Reason: {_label(reason)}; routed to {_label(routed)}" + (f"; owner {owner}" if owner else ""),
                     f"Status: {_label(status)}" + (f" on {resolved}" if resolved else "")]
            if note:
                lines.append(clean(note, keep_newlines=True))
            lines.append(f"Logged by {user} in arcollect (dispute {sid})")
            yield (opened, 2, sid, "dispute", (
                f"Dispute: {_label(reason)}", opened, "Completed", "Normal", "Task", "\n".join(lines),
                salesforce_id(what) or salesforce_id(key, "001") or "", "", ""))

    # Three cursors on one connection, read in turns: sqlite3 keeps each statement's place.
    return heapq.merge(activities(), promises(), disputes(), key=lambda r: r[:3])


def last_export(conn: sqlite3.Connection, kind: str) -> tuple[int | None, dict[str, Any]]:
    """The latest export_run of `kind` and what its audit row recorded (`up_to`, `held_back`)."""
    row = conn.execute("SELECT id FROM export_run WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)).fetchone()
    if row is None:
        return None, {}
    found = conn.execute("SELECT after FROM audit_log WHERE action = 'export' AND entity = 'export_run'"
                         " AND entity_id = ? AND account_id IS NULL ORDER BY id LIMIT 1", (row[0],)).fetchone()
    try:
        data = json.loads(found[0]) if found and found[0] else {}
    except ValueError:
        data = {}
    return row[0], data if isinstance(data, dict) else {}


def export_activities(db: SqliteDatabase, *, today: dt.date, user: str, out: Path,
                      since_last: bool = False) -> ActivitiesFile:
    """The Salesforce Data Loader Task CSV (TASK_COLUMNS; cli/cmd_export.py says what each holds).

    Rows: every activity; every promise not made in a logged call (those ride on the call's
    Task); every dispute opened in arcollect (not imported ones: they came from the system of
    record).  With `since_last`, only rows recorded after the last `activities` export (by id,
    up to what that export had read), plus the rows it held back.  Rows dated after *today* have
    not happened yet: they are held back for a later export.  The run records, in its audit row,
    how far it read in each table and what it held back, so no row is ever sent twice.  The rows
    stream from the database into the staged file (memory stays flat at any size).
    """
    check_out_path(out, example="tasks.csv")
    conn = db.connection()
    d = today.isoformat()
    later: dict[str, list[int]] = {}
    sent: dict[str, int] = {s: 0 for s in SOURCES}

    def write(fh) -> None:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(TASK_COLUMNS)
        for on, _, sid, source, values in _task_rows(conn, after, held, up_to):
            if on > d:
                later.setdefault(source, []).append(sid)
                continue
            writer.writerow([safe_cell(v) for v in values])
            sent[source] += 1

    with read_snapshot(conn):
        up_to_audit = audit_top(conn)
        up_to = {s: conn.execute(f"SELECT coalesce(max(id), 0) FROM {s}").fetchone()[0] for s in SOURCES}
        previous, seen = last_export(conn, "activities")
        after: dict[str, int] = {}
        held: dict[str, list[int]] = {}
        if since_last and previous is not None:
            after = {s: int(v) for s, v in (seen.get("up_to") or {}).items() if s in SOURCES}
            held = {s: [int(i) for i in v] for s, v in (seen.get("held_back") or {}).items() if s in SOURCES}
        staged = stage_text(out, write)
    rows = sum(sent.values())
    try:
        with db.atomic():
            run_id = _record_run(conn, kind="activities", up_to=up_to_audit, path=out.resolve(), rows=rows,
                                 user=user, stamp=now_stamp(),
                                 after={"as_of": d, "since_last": since_last,
                                        "previous_run": previous if since_last else None, "up_to": up_to,
                                        "held_back": later, "sent": sent})
            os.replace(staged, out)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return ActivitiesFile(run_id, out, rows, since_last, previous if since_last else None,
                          sum(len(v) for v in later.values()))
