"""Records -> a plan (what is new, what changed, field by field) -> one transaction.

`Planner` reads the store once (every existing key into dicts, no per-row SELECT) and decides
everything, field by field; `write_plan` only executes the plan, with `executemany` on the raw
sqlite3 connection, inside the caller's `db.atomic()`.  A dry run stops after the plan.

Rows an export implies but does not hold as such are kept under stable source keys so that a
re-import finds them: `settle:<account>:<invoice>` (the payment a paid/settled date stands for),
`open:<account>:<invoice>` (what an open amount below the total says was paid, dated the
import's *today*), `dispute:<account>:<invoice>` (a Disputed flag or amount), and
`pay:<account>:...` (rows of a payments file).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Iterator

from arcollect_tui import audit, ledger
from arcollect_tui.clock import now_stamp
from arcollect_tui.importer.parse import AccountRec, ContactRec, InvoiceRec, PaymentRec, Problems
from arcollect_tui.importer.report import FieldChange
from arcollect_tui.money import format_minor

ACCOUNT_FIELDS = ("name", "currency", "country", "segment", "sales_owner", "credit_limit", "phone", "email",
                  "address", "risk")
_ACCOUNT_COLUMN = {"credit_limit": "credit_limit_minor"}
CONTACT_FIELDS = ("role", "email", "phone", "is_primary")
INVOICE_FIELDS = ("kind", "invoice_date", "due_date", "currency", "amount_minor", "po_number", "description")
OPEN_STATUSES = ("open", "in_review")


def _esc(part: str) -> str:
    return part.replace("\\", "\\\\").replace(":", "\\:") if (":" in part or "\\" in part) else part


def source_key(prefix: str, *parts: str) -> str:
    return ":".join((prefix, *(_esc(p) for p in parts)))


@dataclass
class Derived:
    """A payment implied by an invoice row (settled date, or open amount below the total)."""

    key: str
    account: str
    invoice: str
    paid_on: str
    currency: str
    amount: int


@dataclass
class DisputeTarget:
    """A dispute implied by an invoice row's Disputed flag or amount."""

    key: str
    account: str
    invoice: str
    currency: str
    amount: int
    status: str
    opened_on: str
    resolved_on: str | None


@dataclass
class Plan:
    """Everything the write will do, keyed by natural keys (ids are resolved when writing)."""

    accounts_new: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts_upd: list[tuple[int, str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    contacts_new: list[ContactRec] = field(default_factory=list)
    contacts_upd: list[tuple[int, str, str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    invoices_new: list[InvoiceRec] = field(default_factory=list)
    invoice_ids: dict[tuple[str, str], int] = field(default_factory=dict)   # stored invoices referred to
    settled_new: dict[int, str] = field(default_factory=dict)   # index in invoices_new -> settled_on
    invoices_upd: list[tuple[int, InvoiceRec, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    derived_new: list[Derived] = field(default_factory=list)
    derived_upd: list[tuple[int, Derived, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    derived_del: list[tuple[int, str, tuple]] = field(default_factory=list)
    disputes_new: list[DisputeTarget] = field(default_factory=list)
    disputes_upd: list[tuple[int, str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    payments_new: list[PaymentRec] = field(default_factory=list)
    payments_upd: list[tuple[int, PaymentRec, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any((self.accounts_new, self.accounts_upd, self.contacts_new, self.contacts_upd,
                        self.invoices_new, self.invoices_upd, self.derived_new, self.derived_upd,
                        self.derived_del, self.disputes_new, self.disputes_upd, self.payments_new,
                        self.payments_upd))


def _fmt(value: Any, currency: str | None = None) -> str | None:
    if value is None:
        return None
    if currency is not None and isinstance(value, int) and not isinstance(value, bool):
        return format_minor(value, currency)
    return str(value)


class Planner:
    """Compares the parsed records with the store; collects problems that need both."""

    def __init__(self, conn: sqlite3.Connection, *, today: dt.date, files: list[Any], problems: Problems):
        self.conn = conn
        self.today = today.isoformat()
        self.files = files             # FileRows, indexed by record.src
        self.problems = problems
        self.plan = Plan()

    def where(self, src: int, line: int) -> str:
        return f"{self.files[src].name}:{line}"

    # -- accounts --------------------------------------------------------------------------
    def accounts(self, invoices: list[InvoiceRec], payments: list[PaymentRec], accounts: list[AccountRec],
                 contacts: list[ContactRec]) -> None:
        wanted: dict[str, dict[str, Any]] = {}
        seen_rec: dict[str, AccountRec] = {}
        for rec in accounts:
            first = seen_rec.get(rec.account)
            if first is not None:
                self.problems.add(f"{self.where(rec.src, rec.line)}: account: {rec.account}: the same account as "
                                  f"{self.where(first.src, first.line)}: each account may appear once per import")
                continue
            seen_rec[rec.account] = rec
            wanted[rec.account] = dict(rec.values)
        # Per account, the first name and country its invoice rows give (dicts built in C:
        # a big file has a million rows and a few thousand accounts).
        named = [r for r in invoices if r.name]
        names = dict(zip(map(_ACCOUNT, reversed(named)), map(_NAME, reversed(named))))
        placed = [r for r in invoices if r.country]
        countries = dict(zip(map(_ACCOUNT, reversed(placed)), map(_COUNTRY, reversed(placed))))
        for key in dict.fromkeys(map(_ACCOUNT, invoices)):
            want = wanted.setdefault(key, {})
            if key in names and "name" not in want:
                want["name"] = names[key]
            if key in countries and "country" not in want:
                want["country"] = countries[key]
        for prec in payments:
            want = wanted.setdefault(prec.account, {})
            if prec.name and "name" not in want:
                want["name"] = prec.name
        for crec in contacts:
            want = wanted.setdefault(crec.account, {})
            if crec.account_name and "name" not in want:
                want["name"] = crec.account_name
        existing = {row[0]: row[1:] for row in self.conn.execute(
            "SELECT key, id, name, currency, country, segment, sales_owner, credit_limit_minor, phone, email, "
            "address, risk FROM account")}
        self.account_ids = {key: row[0] for key, row in existing.items()}
        counts = self.plan.counts["accounts"]
        for key, want in wanted.items():
            old = existing.get(key)
            if old is None:
                want.setdefault("name", key)
                self.plan.accounts_new[key] = want
                counts["new"] += 1
                continue
            diff: dict[str, tuple[Any, Any]] = {}
            for i, name in enumerate(ACCOUNT_FIELDS, 1):
                if name in want and want[name] != old[i] and not (name == "name" and not want[name]):
                    diff[name] = (old[i], want[name])
            if diff:
                self.plan.accounts_upd.append((old[0], key, diff))
                counts["changed"] += 1
                currency = want.get("currency") or old[2]
                for name, (before, after) in diff.items():
                    cur = currency if name == "credit_limit" and currency else None
                    self.plan.changes.append(FieldChange("accounts", f"account {key}", name,
                                                         _fmt(before, cur), _fmt(after, cur)))
            else:
                counts["unchanged"] += 1

    # -- contacts --------------------------------------------------------------------------
    def contacts(self, contacts: list[ContactRec]) -> None:
        if not contacts:
            return
        existing = {(row[0], row[1]): row[2:] for row in self.conn.execute(
            "SELECT a.key, c.name, c.id, c.role, c.email, c.phone, c.is_primary FROM contact c "
            "JOIN account a ON a.id = c.account_id")}
        seen: dict[tuple[str, str], ContactRec] = {}
        counts = self.plan.counts["contacts"]
        for rec in contacts:
            key = (rec.account, rec.name)
            first = seen.get(key)
            if first is not None:
                self.problems.add(f"{self.where(rec.src, rec.line)}: name: {rec.name}: the same contact of account "
                                  f"{rec.account} as {self.where(first.src, first.line)}: each contact may appear "
                                  "once per import")
                continue
            seen[key] = rec
            old = existing.get(key)
            if old is None:
                self.plan.contacts_new.append(rec)
                counts["new"] += 1
                continue
            diff = {name: (old[i], rec.values[name]) for i, name in enumerate(CONTACT_FIELDS, 1)
                    if name in rec.values and rec.values[name] != old[i]}
            if diff:
                self.plan.contacts_upd.append((old[0], rec.account, rec.name, diff))
                counts["changed"] += 1
                for name, (before, after) in diff.items():
                    self.plan.changes.append(FieldChange("contacts", f"account {rec.account} contact {rec.name}",
                                                         name, _fmt(before), _fmt(after)))
            else:
                counts["unchanged"] += 1

    # -- invoices, and the payments and disputes their rows imply ----------------------------
    def invoices(self, invoices: list[InvoiceRec]) -> dict[tuple[str, str], InvoiceRec]:
        """Plan invoices and what their rows imply; returns them by (account, number)."""
        if not invoices:
            return {}
        conn = self.conn
        plan = self.plan
        counts = plan.counts["invoices"]
        present = [f.present for f in self.files]
        keys = list(zip(map(_ACCOUNT, invoices), map(_NUMBER, invoices)))
        seen = dict(zip(keys, invoices))  # built in C; a shorter dict means duplicates
        if len(seen) < len(invoices):
            self._duplicates(invoices, keys)
            return seen
        existing: dict[tuple[str, str], tuple] = {}
        if conn.execute("SELECT 1 FROM invoice LIMIT 1").fetchone():
            key_of = {v: k for k, v in self.account_ids.items()}
            existing = {(key_of[row[0]], row[1]): row[2:] for row in conn.execute(
                "SELECT account_id, number, id, kind, invoice_date, due_date, currency, amount_minor, po_number, "
                "description FROM invoice")}
        implies = {"open_amount", "paid_date", "disputed"}
        if not existing and not any(implies & p for p in present):
            # A first import of plain invoices (the big-file case): all new, nothing per row.
            plan.invoices_new = invoices
            plan.settled_new = {i: r.invoice_date for i, r in enumerate(invoices)
                                if r.amount == 0 and r.kind == "invoice"}
            counts["new"] += len(invoices)
            return seen
        derived_old: dict[str, tuple] = {}
        disputes_old: dict[str, tuple] = {}
        if existing:
            for prefix in ("open", "settle"):
                derived_old.update((row[0], row[1:]) for row in conn.execute(
                    "SELECT source_key, id, paid_on, currency, amount_minor, account_id FROM payment "
                    "WHERE source_key >= ? AND source_key < ?", (prefix + ":", prefix + ";")))
            disputes_old = {row[0]: row[1:] for row in conn.execute(
                "SELECT source_key, id, amount_minor, currency, status, opened_on, resolved_on FROM dispute "
                "WHERE source_key >= 'dispute:' AND source_key < 'dispute;'")}
        today = self.today
        new_append = plan.invoices_new.append
        settled_new = plan.settled_new
        plain_files = {i for i, p in enumerate(present) if not ({"po_number", "description"} | implies) & p}
        unchanged = 0
        for key, r in zip(keys, invoices):
            old = existing.get(key)
            if old is not None and r[0] in plain_files and r[6:11] == old[1:6]:
                unchanged += 1  # kind, dates, currency and amount as stored: the re-import case
                continue
            if old is None and r.open is None and not r.paid and r.disputed is None:
                if r.amount == 0 and r.kind == "invoice":
                    settled_new[len(plan.invoices_new)] = r.invoice_date
                new_append(r)
                counts["new"] += 1
                continue
            settle, opened = self._derived_targets(r, today)
            entity = f"account {r.account} invoice {r.number}"
            changed = False
            if old is None:
                settled_on = None
                if r.kind == "invoice":
                    if r.amount == 0:
                        settled_on = r.invoice_date
                    elif settle and settle.amount >= r.amount:
                        settled_on = settle.paid_on
                    elif opened and opened.amount >= r.amount:
                        settled_on = opened.paid_on
                if settled_on:
                    settled_new[len(plan.invoices_new)] = settled_on
                new_append(r)
                counts["new"] += 1
            else:
                plan.invoice_ids[key] = old[0]
                diff = self._invoice_diff(r, old, present[r.src])
                if diff:
                    plan.invoices_upd.append((old[0], r, diff))
                    changed = True
                    for name, (before, after) in diff.items():
                        cur = r.currency if name == "amount_minor" else None
                        label = "amount" if name == "amount_minor" else name
                        plan.changes.append(FieldChange("invoices", entity, label, _fmt(before, cur),
                                                        _fmt(after, cur)))
            old_amount = old[5] if old is not None else r.amount
            if r.open is not None or r.paid:
                changed |= self._derived("open", r, opened, derived_old, entity, old_amount, old is None)
            if r.paid is not None:
                changed |= self._derived("settle", r, settle, derived_old, entity, old_amount, old is None)
            if r.disputed is not None and r.kind == "invoice":
                changed |= self._dispute(r, old is None, disputes_old, entity)
            if old is not None:
                counts["changed" if changed else "unchanged"] += 1
        counts["unchanged"] += unchanged
        return seen

    def _duplicates(self, invoices: list[InvoiceRec], keys: list[tuple[str, str]]) -> None:
        first: dict[tuple[str, str], InvoiceRec] = {}
        for key, r in zip(keys, invoices):
            was = first.setdefault(key, r)
            if was is not r:
                self.problems.add(f"{self.where(r.src, r.line)}: invoice: {r.number}: the same invoice of account "
                                  f"{r.account} as {self.where(was.src, was.line)}: each invoice may appear "
                                  "once per import")

    @staticmethod
    def _derived_targets(r: InvoiceRec, today: str) -> tuple[Derived | None, Derived | None]:
        if r.kind != "invoice" or r.amount == 0 or (r.open is None and not r.paid):
            return None, None
        if r.paid:
            paid = r.amount - (r.open or 0)
            if paid <= 0:
                return None, None
            return Derived(source_key("settle", r.account, r.number), r.account, r.number, r.paid, r.currency,
                           paid), None
        assert r.open is not None
        if r.open >= r.amount:
            return None, None
        return None, Derived(source_key("open", r.account, r.number), r.account, r.number,
                             max(today, r.invoice_date), r.currency, r.amount - r.open)

    def _invoice_diff(self, r: InvoiceRec, old: tuple, present: frozenset[str]) -> dict[str, tuple[Any, Any]]:
        # old: id, kind, invoice_date, due_date, currency, amount_minor, po_number, description
        new = (r.kind, r.invoice_date, r.due_date, r.currency, r.amount, r.po, r.desc)
        diff: dict[str, tuple[Any, Any]] = {}
        for i, name in enumerate(INVOICE_FIELDS):
            if name == "po_number" and "po_number" not in present:
                continue
            if name == "description" and "description" not in present:
                continue
            if new[i] != old[i + 1]:
                diff[name] = (old[i + 1], new[i])
        return diff

    def _derived(self, prefix: str, r: InvoiceRec, target: Derived | None, old_rows: dict[str, tuple],
                 entity: str, old_amount: int, invoice_is_new: bool) -> bool:
        """Plan the open/settle payment of one invoice row; True when it changes."""
        key = source_key(prefix, r.account, r.number)
        old = old_rows.get(key)   # id, paid_on, currency, amount_minor, account_id
        plan = self.plan
        counts = plan.counts["payments"]
        if old is None and target is None:
            return False
        if old is None:
            assert target is not None
            plan.derived_new.append(target)
            counts["new"] += 1
            if not invoice_is_new:
                self._derived_change(prefix, entity, r, None, target, old_amount)
            return True
        if target is None:
            plan.derived_del.append((old[0], key, old))
            counts["removed"] += 1
            self._derived_change(prefix, entity, r, old, None, old_amount)
            return True
        diff: dict[str, tuple[Any, Any]] = {}
        if old[2] != target.currency:
            diff["currency"] = (old[2], target.currency)
        if old[3] != target.amount:
            diff["amount_minor"] = (old[3], target.amount)
        # A settled date is a fact of the export; an open amount's payment is dated the day an
        # import saw it, so it moves only when the amount does.
        if (prefix == "settle" or diff) and old[1] != target.paid_on:
            diff["paid_on"] = (old[1], target.paid_on)
        if not diff:
            counts["unchanged"] += 1
            return False
        plan.derived_upd.append((old[0], target, diff))
        counts["changed"] += 1
        self._derived_change(prefix, entity, r, old, target, old_amount)
        return True

    def _derived_change(self, prefix: str, entity: str, r: InvoiceRec, old: tuple | None, new: Derived | None,
                        old_amount: int) -> None:
        changes = self.plan.changes
        if prefix == "open":
            before = old_amount - (old[3] if old else 0)
            after = r.amount - (new.amount if new else 0)
            if before != after or old is None or new is None:
                changes.append(FieldChange("invoices", entity, "open_amount", format_minor(before, r.currency),
                                           format_minor(after, r.currency)))
            return
        before_date = old[1] if old else None
        after_date = new.paid_on if new else None
        if before_date != after_date:
            changes.append(FieldChange("invoices", entity, "paid_date", before_date, after_date))
        before_amt = old[3] if old else None
        after_amt = new.amount if new else None
        if before_amt != after_amt and old and new:
            changes.append(FieldChange("invoices", entity, "paid_amount", format_minor(old[3], r.currency),
                                       format_minor(new.amount, r.currency)))

    def _dispute(self, r: InvoiceRec, invoice_is_new: bool, old_rows: dict[str, tuple], entity: str) -> bool:
        key = source_key("dispute", r.account, r.number)
        old = old_rows.get(key)    # id, amount_minor, currency, status, opened_on, resolved_on
        plan = self.plan
        counts = plan.counts["disputes"]
        amount = 0 if r.disputed == 0 else (r.amount if r.disputed == -1 else r.disputed)
        if old is None and not amount:
            return False
        if old is None:
            # An export does not say when a dispute began: on first sight, the invoice date (the
            # earliest it can have); flagged on a later import, the day it was seen.
            opened = r.invoice_date if invoice_is_new else max(self.today, r.invoice_date)
            status, resolved = ("resolved_valid", max(r.paid, opened)) if r.paid else ("open", None)
            plan.disputes_new.append(DisputeTarget(key, r.account, r.number, r.currency, amount, status, opened,
                                                   resolved))
            counts["new"] += 1
            if not invoice_is_new:
                plan.changes.append(FieldChange("invoices", entity, "disputed", "no",
                                                format_minor(amount, r.currency)))
            return True
        diff: dict[str, tuple[Any, Any]] = {}
        _id, old_amount, old_currency, status, opened_on, resolved_on = old
        if not amount:
            if status in OPEN_STATUSES:
                diff["status"] = (status, "resolved_valid")
                diff["resolved_on"] = (resolved_on, max(self.today, opened_on))
        else:
            if old_amount != amount:
                diff["amount_minor"] = (old_amount, amount)
            if old_currency != r.currency:
                diff["currency"] = (old_currency, r.currency)
            if r.paid and status in OPEN_STATUSES:
                diff["status"] = (status, "resolved_valid")
                diff["resolved_on"] = (resolved_on, max(r.paid, opened_on))
        if not diff:
            counts["unchanged"] += 1
            return False
        plan.disputes_upd.append((_id, key, diff))
        counts["changed"] += 1
        if "amount_minor" in diff or not amount:
            plan.changes.append(FieldChange("invoices", entity, "disputed", format_minor(old_amount, old_currency),
                                            format_minor(amount, r.currency) if amount else "no"))
        if "status" in diff:
            plan.changes.append(FieldChange("disputes", f"{entity} dispute", "status", status, diff["status"][1]))
        return True

    # -- payments ----------------------------------------------------------------------------
    def payments(self, payments: list[PaymentRec], imported: dict[tuple[str, str], InvoiceRec]) -> None:
        if not payments:
            return
        conn = self.conn
        known_invoices = {(row[0], row[1]): row[2] for row in conn.execute(
            "SELECT a.key, i.number, i.id FROM invoice i JOIN account a ON a.id = i.account_id")}
        existing = {row[0]: row[1:] for row in conn.execute(
            "SELECT source_key, id, paid_on, currency, amount_minor, reference, method FROM payment "
            "WHERE source_key >= 'pay:' AND source_key < 'pay;'")}
        occurrences: Counter = Counter()
        seen: dict[str, PaymentRec] = {}
        counts = self.plan.counts["payments"]
        for rec in payments:
            if rec.reference:
                rec.key = source_key("pay", rec.account, "ref", rec.reference)
            else:
                base = (rec.account, rec.paid_on, str(rec.amount), rec.currency, rec.invoice or "")
                occurrences[base] += 1
                rec.key = source_key("pay", rec.account, "row", *base[1:], str(occurrences[base]))
            first = seen.get(rec.key)
            if first is not None:
                self.problems.add(f"{self.where(rec.src, rec.line)}: reference: {rec.reference}: the same payment "
                                  f"reference of account {rec.account} as {self.where(first.src, first.line)}: "
                                  "each payment may appear once per import")
                continue
            seen[rec.key] = rec
            target = (rec.account, rec.invoice or "")
            if target in known_invoices:
                self.plan.invoice_ids[target] = known_invoices[target]
            elif rec.invoice and target not in imported:
                self.problems.add(f"{self.where(rec.src, rec.line)}: invoice: {rec.invoice}: account {rec.account} has "
                                  "no such invoice, in the store or in this import: import the invoice first, "
                                  "or leave the cell empty to apply the payment oldest first")
                continue
            old = existing.get(rec.key)
            if old is None:
                self.plan.payments_new.append(rec)
                counts["new"] += 1
                continue
            present = self.files[rec.src].present
            diff: dict[str, tuple[Any, Any]] = {}
            if old[1] != rec.paid_on:
                diff["paid_on"] = (old[1], rec.paid_on)
            if old[2] != rec.currency:
                diff["currency"] = (old[2], rec.currency)
            if old[3] != rec.amount:
                diff["amount_minor"] = (old[3], rec.amount)
            if "method" in present and old[5] != rec.method:
                diff["method"] = (old[5], rec.method)
            if diff:
                self.plan.payments_upd.append((old[0], rec, diff))
                counts["changed"] += 1
                name = f"account {rec.account} payment {rec.reference or rec.paid_on}"
                for field_name, (before, after) in diff.items():
                    money_field = field_name == "amount_minor"
                    self.plan.changes.append(FieldChange(
                        "payments", name, "amount" if money_field else field_name,
                        _fmt(before, old[2] if money_field else None),
                        _fmt(after, rec.currency if money_field else None)))
            else:
                counts["unchanged"] += 1


# ---------------------------------------------------------------------------------------------
# Writing


BULK_ROWS = 50_000


_ACCOUNT = itemgetter(2)   # InvoiceRec.account
_NUMBER = itemgetter(5)    # InvoiceRec.number
_NAME = itemgetter(3)      # InvoiceRec.name
_COUNTRY = itemgetter(4)   # InvoiceRec.country
_INVOICE_DATE = itemgetter(7)
_DUE_DATE = itemgetter(8)
_CURRENCY = itemgetter(9)
_AMOUNT = itemgetter(10)


@contextmanager
def _bulk_indexes(conn: sqlite3.Connection, table: str, adding: int) -> Iterator[None]:
    """For a big insert into a small table: drop the secondary indexes, rebuild them after.

    Building an index once, sorted, is several times faster than growing it row by row.  The
    statements come from sqlite_master, so schema.sql stays the only definition; all of it
    happens inside the caller's transaction.  A bigger page cache for the insert helps too.
    """
    existing = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if adding < BULK_ROWS or adding < existing:
        yield
        return
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while the big insert runs
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                           "AND sql IS NOT NULL", (table,)).fetchall()
    try:
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


def _sql_text(value: str) -> str:
    """A text literal for SQL (only for values the program made itself, such as a timestamp)."""
    return "'" + value.replace("'", "''") + "'"


def _next_id(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]


def write_plan(conn: sqlite3.Connection, plan: Plan, *, today: dt.date, user: str,
               files_meta: list[dict[str, Any]], summary: dict[str, Any]) -> int:
    """Execute the plan; the caller holds the write transaction.  Returns the import_batch id."""
    stamp = now_stamp()
    batch_id = conn.execute(
        "INSERT INTO import_batch (started_at, source, files, as_of, summary, user) VALUES (?, 'import', ?, ?, "
        "?, ?)", (stamp, json.dumps(files_meta, ensure_ascii=False), today.isoformat(),
                  json.dumps(summary, ensure_ascii=False), user)).lastrowid

    def log(entity: str, entity_id: int | None, account_id: int | None, before: Any, after: Any) -> None:
        audit.record(conn, user=user, action="import", entity=entity, entity_id=entity_id,
                     account_id=account_id, before=before, after=after, at=stamp)

    # Accounts (new ids in key order, so that invoices sorted by key insert in index order)
    account_ids: dict[str, int] = {row[0]: row[1] for row in conn.execute("SELECT key, id FROM account")}
    next_id = _next_id(conn, "account")
    rows = []
    for key in sorted(plan.accounts_new):
        want = plan.accounts_new[key]
        account_ids[key] = next_id
        rows.append((next_id, key, want.get("name") or key, want.get("currency"), want.get("country"),
                     want.get("segment"), want.get("sales_owner"), want.get("credit_limit"), want.get("phone"),
                     want.get("email"), want.get("address"), want.get("risk"), stamp, stamp, batch_id))
        next_id += 1
    conn.executemany(
        "INSERT INTO account (id, key, name, currency, country, segment, sales_owner, credit_limit_minor, "
        "phone, email, address, risk, created_at, updated_at, import_batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    for acct_id, key, diff in plan.accounts_upd:
        cols = [_ACCOUNT_COLUMN.get(name, name) for name in diff]
        conn.execute(f"UPDATE account SET {', '.join(c + ' = ?' for c in cols)}, updated_at = ? WHERE id = ?",
                     [after for _, after in diff.values()] + [stamp, acct_id])
        log("account", acct_id, acct_id, {c: b for c, (b, _) in zip(cols, diff.values())},
            {c: a for c, (_, a) in zip(cols, diff.values())})

    # Contacts
    conn.executemany(
        "INSERT INTO contact (account_id, name, role, email, phone, is_primary, created_at, import_batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(account_ids[c.account], c.name, c.values.get("role"), c.values.get("email"), c.values.get("phone"),
          c.values.get("is_primary", 0), stamp, batch_id) for c in plan.contacts_new])
    for contact_id, account, _name, diff in plan.contacts_upd:
        conn.execute(f"UPDATE contact SET {', '.join(c + ' = ?' for c in diff)} WHERE id = ?",
                     [after for _, after in diff.values()] + [contact_id])
        log("contact", contact_id, account_ids[account], {c: b for c, (b, _) in diff.items()},
            {c: a for c, (_, a) in diff.items()})

    # Invoices
    invoice_ids: dict[tuple[str, str], int] = dict(plan.invoice_ids)
    next_id = _next_id(conn, "invoice")
    new = plan.invoices_new
    # Grouped by account, the UNIQUE (account_id, number) index is filled a region at a time
    # instead of at random pages: a big file inserts much faster.
    order: list[int] | range = range(len(new))
    if len(new) >= BULK_ROWS:
        order = sorted(order, key=list(map(_ACCOUNT, new)).__getitem__)
    ordered = list(map(new.__getitem__, order))
    settled = {pos: plan.settled_new[k] for pos, k in enumerate(order) if k in plan.settled_new} \
        if plan.settled_new else {}
    ids = range(next_id, next_id + len(ordered))
    if plan.derived_new or plan.disputes_new or plan.payments_new:
        invoice_ids.update(zip(zip(map(_ACCOUNT, ordered), map(_NUMBER, ordered)), ids))
    special = set(settled)
    special.update(pos for pos, r in enumerate(ordered) if r[14] is not None or r[15] is not None)  # po, desc
    plain, plain_ids = ordered, ids
    if special:
        keep = [pos for pos in range(len(ordered)) if pos not in special]
        plain, plain_ids = [ordered[pos] for pos in keep], [ids[pos] for pos in keep]
    columns = ("INSERT INTO invoice (id, account_id, number, kind, invoice_date, due_date, currency, amount_minor, "
               "po_number, description, created_at, import_batch_id, settled_on) ")
    with _bulk_indexes(conn, "invoice", len(new)):
        # Binding a parameter costs about as much as SQLite's own work on it, so plain rows (no
        # PO, description or settled date: the bulk of a big file) bind 7 values and get the
        # constant ones as literals; their tuples are made by zip() in C, one at a time.
        conn.executemany(
            columns + "VALUES (?1, ?2, ?3, CASE WHEN ?7 < 0 THEN 'credit_note' ELSE 'invoice' END, ?4, ?5, ?6, ?7, "
            f"NULL, NULL, {_sql_text(stamp)}, {int(batch_id)}, NULL)",
            zip(plain_ids, map(account_ids.__getitem__, map(_ACCOUNT, plain)), map(_NUMBER, plain),
                map(_INVOICE_DATE, plain), map(_DUE_DATE, plain), map(_CURRENCY, plain), map(_AMOUNT, plain)))
        conn.executemany(
            columns + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ids[pos], account_ids[r.account], r.number, r.kind, r.invoice_date, r.due_date, r.currency, r.amount,
              r.po, r.desc, stamp, batch_id, settled.get(pos)) for pos in sorted(special) for r in (ordered[pos],)])
    touched: set[int] = set()
    for inv_id, r, diff in plan.invoices_upd:
        conn.execute(f"UPDATE invoice SET {', '.join(c + ' = ?' for c in diff)} WHERE id = ?",
                     [after for _, after in diff.values()] + [inv_id])
        log("invoice", inv_id, account_ids[r.account], {c: b for c, (b, _) in diff.items()},
            {c: a for c, (_, a) in diff.items()})
        touched.add(inv_id)

    def invoice_id(account: str, number: str) -> int:
        return invoice_ids[(account, number)]

    # Payments implied by invoice rows, each allocated to its own invoice
    next_id = _next_id(conn, "payment")
    pay_rows, alloc_rows = [], []
    for d in plan.derived_new:
        inv = invoice_id(d.account, d.invoice)
        pay_rows.append((next_id, account_ids[d.account], d.paid_on, d.currency, d.amount, "import", d.key,
                         stamp, batch_id))
        alloc_rows.append((inv, next_id, d.paid_on, d.amount, stamp))
        next_id += 1
    conn.executemany(
        "INSERT INTO payment (id, account_id, paid_on, currency, amount_minor, method, source_key, created_at, "
        "import_batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", pay_rows)
    conn.executemany(
        "INSERT INTO allocation (invoice_id, payment_id, applied_on, amount_minor, created_at) "
        "VALUES (?, ?, ?, ?, ?)", alloc_rows)
    touched.update(a[0] for a in alloc_rows if a[0] not in ids)  # new invoices were settled in the plan
    for pay_id, d, diff in plan.derived_upd:
        conn.execute("UPDATE payment SET paid_on = ?, currency = ?, amount_minor = ? WHERE id = ?",
                     (d.paid_on, d.currency, d.amount, pay_id))
        conn.execute("UPDATE allocation SET applied_on = ?, amount_minor = ? WHERE payment_id = ?",
                     (d.paid_on, d.amount, pay_id))
        log("payment", pay_id, account_ids[d.account], {c: b for c, (b, _) in diff.items()},
            {c: a for c, (_, a) in diff.items()})
        touched.add(invoice_id(d.account, d.invoice))
    for pay_id, key, old in plan.derived_del:
        touched.update(row[0] for row in conn.execute(
            "SELECT invoice_id FROM allocation WHERE payment_id = ?", (pay_id,)))
        conn.execute("DELETE FROM payment WHERE id = ?", (pay_id,))
        log("payment", pay_id, old[4], {"source_key": key, "paid_on": old[1], "currency": old[2],
                                        "amount_minor": old[3]}, None)
    ledger.recompute_settled(conn, touched)

    # Disputes
    conn.executemany(
        "INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, routed_to, status, "
        "opened_on, resolved_on, note, source_key, user, created_at, import_batch_id) "
        "VALUES (?, ?, ?, ?, 'other', 'billing', ?, ?, ?, ?, ?, ?, ?, ?)",
        [(account_ids[t.account], invoice_id(t.account, t.invoice), t.currency, t.amount, t.status, t.opened_on,
          t.resolved_on, "flagged as disputed in an imported export", t.key, user, stamp, batch_id)
         for t in plan.disputes_new])
    for dispute_id, key, diff in plan.disputes_upd:
        conn.execute(f"UPDATE dispute SET {', '.join(c + ' = ?' for c in diff)} WHERE id = ?",
                     [after for _, after in diff.values()] + [dispute_id])
        account_id = conn.execute("SELECT account_id FROM dispute WHERE id = ?", (dispute_id,)).fetchone()[0]
        log("dispute", dispute_id, account_id, {c: b for c, (b, _) in diff.items()},
            {c: a for c, (_, a) in diff.items()})

    # Payments from payments files: applied to their invoice, else oldest open first
    work: list[tuple[str, int, int | None, PaymentRec]] = []
    next_id = _next_id(conn, "payment")
    for rec in plan.payments_new:
        conn.execute(
            "INSERT INTO payment (id, account_id, paid_on, currency, amount_minor, reference, method, source_key, "
            "created_at, import_batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (next_id, account_ids[rec.account], rec.paid_on, rec.currency, rec.amount, rec.reference, rec.method,
             rec.key, stamp, batch_id))
        work.append((rec.paid_on, rec.line, next_id, rec))
        next_id += 1
    for pay_id, rec, diff in plan.payments_upd:
        conn.execute(f"UPDATE payment SET {', '.join(c + ' = ?' for c in diff)} WHERE id = ?",
                     [after for _, after in diff.values()] + [pay_id])
        released = [row[0] for row in conn.execute("SELECT invoice_id FROM allocation WHERE payment_id = ?",
                                                   (pay_id,))]
        conn.execute("DELETE FROM allocation WHERE payment_id = ?", (pay_id,))
        ledger.recompute_settled(conn, released)
        log("payment", pay_id, account_ids[rec.account], {c: b for c, (b, _) in diff.items()},
            {c: a for c, (_, a) in diff.items()})
        work.append((rec.paid_on, rec.line, pay_id, rec))
    for paid_on, _line, pay_id, rec in sorted(work, key=lambda w: (w[0], w[1])):
        ledger.allocate_payment(
            conn, payment_id=pay_id, account_id=account_ids[rec.account], paid_on=dt.date.fromisoformat(paid_on),
            currency=rec.currency, amount_minor=rec.amount,
            invoice_id=invoice_id(rec.account, rec.invoice) if rec.invoice else None, created_at=stamp)

    log("import_batch", batch_id, None, None, {**summary, "files": files_meta})
    conn.execute("UPDATE import_batch SET finished_at = ? WHERE id = ?", (now_stamp(), batch_id))
    return batch_id
