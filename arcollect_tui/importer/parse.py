"""Rows -> typed records: skip title/section/total rows, decide the date order, check every cell.

Problems are collected (never raised one by one) so that the user sees all of them at once.
The invoices loop is the hot path of a million-row import: it works on tuples, caches date and
currency parsing, and reads plain amounts such as `1234.50` without the general parser.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Callable, NamedTuple

from arcollect_tui import money
from arcollect_tui.dates import DateError, Order, is_ambiguous, parse_date, slash_order_evidence
from arcollect_tui.importer.presets import REQUIRED, Layout, norm
from arcollect_tui.importer.reader import RawTable
from arcollect_tui.money import MoneyError
from arcollect_tui.text import clean

MAX_PROBLEMS = 1000

# Rows are data when these cells are filled; otherwise they may be headings, totals, notes.
KEY_FIELDS = {
    "invoices": ("invoice", "invoice_date"),
    "payments": ("date", "amount"),
    "accounts": ("account", "name"),
    "contacts": ("account", "name"),
}
_TOTAL = re.compile(r"^(\*+|(grand\s+)?totals?\b.*|sub-?totals?\b.*|.*\btotals?(\s*\(.*\))?)$", re.I)
_RULE = re.compile(r"^[-=_|+\s]+$")
_ICON = re.compile(r"@[0-9A-Z]{2}(\\Q[^@]*)?@\s*")
_PLAIN = re.compile(r"(-?)(\d{1,18})(?:\.(\d+))?")
_YES = frozenset({"yes", "y", "true", "1", "x", "disputed", "ja", "oui", "si", "sí"})
_NO = frozenset({"no", "n", "false", "0", "", "-", "nein", "non"})
_DEBIT = frozenset({"s", "d", "debit", "dr", "soll"})
_CREDIT = frozenset({"h", "c", "credit", "cr", "haben"})


class Problems(list):
    """A list of problem lines that stops growing (but keeps counting) past MAX_PROBLEMS."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def add(self, text: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(text)
        else:
            self.dropped += 1

    def lines(self) -> list[str]:
        out = list(self)
        if self.dropped:
            out.append(f"... and {self.dropped} more problems")
        return out


def show(value: str) -> str:
    value = clean(value).strip()
    if not value:
        return "(empty)"
    return value if len(value) <= 80 else value[:77] + "..."


def _reason(exc: Exception, value: str) -> str:
    """The library's message without the value it starts with (the value is shown already)."""
    msg = str(exc)
    for prefix in (repr(value.strip()) + " ", repr(value.strip()) + ": "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg


@dataclass
class FileRows:
    """One file after the header: its data rows (line, raw values in `fields` order)."""

    table: RawTable
    layout: Layout
    fields: tuple[str, ...]
    data: list[tuple[int, tuple[str, ...]]]
    header_line: int = 0
    rows: int = 0                  # data rows (kept when `data` is let go after parsing)
    skipped: Counter = field(default_factory=Counter)
    date_order: Order | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def present(self) -> frozenset[str]:
        return frozenset(self.fields)

    def label(self, canonical: str) -> str:
        """The header as written, with the canonical name when they differ."""
        i = self.layout.mapping.get(canonical)
        if i is None:
            return canonical
        written = self.layout.headers[i]
        return written if norm(written) == norm(canonical) else f"{written} ({canonical})"

    def problem(self, line: int, canonical: str, value: str, what: str) -> str:
        return f"{self.name}:{line}: {self.label(canonical)}: {show(value)}: {what}"


def split_rows(table: RawTable, layout: Layout, problems: Problems) -> FileRows:
    """Separate data rows from title, blank, section and total rows (counted by reason)."""
    fields = tuple(layout.mapping)
    idxs = [layout.mapping[f] for f in fields]
    getter: Callable[[list[str]], tuple[str, ...]]
    if len(idxs) == 1:
        only = idxs[0]
        getter = lambda cells: (cells[only],)  # noqa: E731
    else:
        getter = itemgetter(*idxs)  # type: ignore[assignment]
    fr = FileRows(table, layout, fields, [], header_line=table.rows[layout.header_index][0])
    skipped = fr.skipped
    for _line, cells in table.rows[: layout.header_index]:
        skipped["title" if any(c.strip() for c in cells) else "blank"] += 1
    ncols = len(layout.headers)
    keys = [fields.index(k) for k in KEY_FIELDS[layout.kind] if k in fields]
    k1, k2 = (keys + keys)[:2] if keys else (0, 0)
    required_cols = {layout.mapping[c] for c in REQUIRED[layout.kind] if c in layout.mapping}
    status_at = fields.index("status") if "status" in fields else None
    not_posted = layout.preset.not_posted
    strip_icons = layout.preset.strip_icons
    report_rows = layout.preset.report_rows
    append = fr.data.append
    for line, cells in table.rows[layout.header_index + 1:]:
        if strip_icons:
            cells = [_ICON.sub("", c) for c in cells]
        n = len(cells)
        if n != ncols:
            if n > ncols:
                if any(c.strip() for c in cells[ncols:]):
                    problems.add(f"{table.name}:{line}: row: {n} fields, but the header (line "
                                 f"{table.rows[layout.header_index][0]}) has {ncols}: check the delimiter "
                                 "and quote any field that contains it")
                    continue
                cells = cells[:ncols]
            else:
                cells = cells + [""] * (ncols - n)
        values = getter(cells)
        if values[k1].strip() and values[k2].strip():
            if status_at is not None and norm(values[status_at]) in not_posted:
                skipped["not_posted"] += 1
                continue
            append((line, values))
            continue
        stripped = [c.strip() for c in cells]
        filled = [(i, c) for i, c in enumerate(stripped) if c]
        if not filled:
            skipped["blank"] += 1
        elif _TOTAL.match(filled[0][1]):
            skipped["total"] += 1
        elif all(_RULE.match(c) for _, c in filled):
            skipped["blank"] += 1
        elif len(filled) == 1 and (report_rows or filled[0][0] not in required_cols):
            skipped["section"] += 1
        else:
            append((line, values))  # a data row with missing cells: parsing reports them
    fr.rows = len(fr.data)
    return fr


def decide_date_order(fr: FileRows, fallback: Order | None, problems: Problems) -> None:
    """One order per file for slash dates (`3/4/2026`): evidence first, then the config."""
    positions = [fr.fields.index(f) for f in ("invoice_date", "due_date", "paid_date", "date") if f in fr.fields]
    values: set[str] = set()
    for p in positions:
        values.update(raw.strip() for raw in set(map(itemgetter(p), map(itemgetter(1), fr.data))))
    evidence: dict[str, str] = {}
    for value in values:
        ev = slash_order_evidence(value)
        if ev and ev not in evidence:
            evidence[ev] = value
    if len(evidence) == 2:
        dmy, mdy = evidence["DMY"], evidence["MDY"]
        problems.add(f"{fr.name}:{_first_line(fr, positions, dmy)}: dates: {dmy}: day-first, but line "
                     f"{_first_line(fr, positions, mdy)} has {mdy}, month-first: a file must use one order; "
                     "fix the file (or split it by date order)")
        return
    if evidence:
        fr.date_order = next(iter(evidence))  # type: ignore[assignment]
        return
    fr.date_order = fallback
    ambiguous = {v for v in values if is_ambiguous(v)} if fallback is None else set()
    for line, v in fr.data if ambiguous else ():
        value = next((v[p].strip() for p in positions if v[p].strip() in ambiguous), None)
        if value is not None:
            problems.add(f"{fr.name}:{line}: dates: {value}: could be day-first or month-first, and no date in "
                         "the file settles it (none has a first or second field above 12): set "
                         "[import] date_order = \"MDY\" or \"DMY\" in the config")
            return


def _first_line(fr: FileRows, positions: list[int], value: str) -> int:
    for line, v in fr.data:
        if any(v[p].strip() == value for p in positions):
            return line
    return 0


@lru_cache(maxsize=65536)
def date_iso(text: str, order: Order | None) -> str:
    """A date cell -> `YYYY-MM-DD` (cached: exports repeat the same few thousand dates)."""
    return parse_date(text, order).isoformat()


# Far above any real invoice, and well inside SQLite's 64-bit integers.
MAX_MINOR = 10 ** 15


def amount_minor(text: str, currency: str, exp: int) -> int:
    """An amount cell -> integer minor units; `1234.50` skips the general parser."""
    m = _PLAIN.fullmatch(text)
    value: int | None = None
    if m is not None:
        sign, whole, frac = m.groups()
        if frac is None:
            value = int(whole) * 10 ** exp
        elif len(frac) <= exp:
            value = int(whole + frac.ljust(exp, "0"))
        if value is not None and sign:
            value = -value
    if value is None:
        value = money.to_minor(money.parse_amount(text, currency), currency)
    if not -MAX_MINOR <= value <= MAX_MINOR:
        raise MoneyError(f"is too large: at most {money.format_minor(MAX_MINOR, currency)} {currency}")
    return value


def text_cell(value: str) -> str:
    value = value.strip()
    return value if value.isprintable() else clean(value).strip()


# ---------------------------------------------------------------------------------------------
# Records


class InvoiceRec(NamedTuple):
    """One invoice row, typed.  `open`, `paid` and `disputed` are None when the file has no
    such column (the store then keeps what it has); `paid` is "" for a row without a date;
    `disputed` is 0 (no), -1 (the whole amount) or an amount in minor units.  A tuple, built
    with `tuple.__new__`, because a million of them are made per big import."""

    src: int
    line: int
    account: str
    name: str | None
    country: str | None
    number: str
    kind: str
    invoice_date: str
    due_date: str
    currency: str
    amount: int
    open: int | None
    paid: str | None
    disputed: int | None
    po: str | None
    desc: str | None


_new_invoice = tuple.__new__


@dataclass
class PaymentRec:
    src: int
    line: int
    account: str
    name: str | None
    paid_on: str
    currency: str
    amount: int
    invoice: str | None
    reference: str | None
    method: str | None
    key: str = ""


@dataclass
class AccountRec:
    src: int
    line: int
    account: str
    values: dict[str, object]      # only the columns the file has


@dataclass
class ContactRec:
    src: int
    line: int
    account: str
    account_name: str | None
    name: str
    values: dict[str, object]


def _currency_reader(fr: FileRows, default: str | None, problems: Problems):
    cache: dict[str, tuple[str, int] | None] = {}

    def read(line: int, text: str) -> tuple[str, int] | None:
        hit = cache.get(text)
        if hit is not None or text in cache:
            if hit is None:
                problems.add(fr.problem(line, "currency", text, "expected an ISO 4217 code such as USD"))
            return hit
        value = text.strip()
        if not value and default:
            value = default
        try:
            code = money.normalise_currency(value)
            result: tuple[str, int] | None = (code, money.CURRENCY_EXPONENTS[code])
        except MoneyError:
            result = None
        cache[text] = result
        if result is None:
            problems.add(fr.problem(line, "currency", text, "expected an ISO 4217 code such as USD"))
        return result

    return read


def _key_cell(fr: FileRows, line: int, canonical: str, raw: str, problems: Problems, limit: int = 200) -> str | None:
    value = text_cell(raw)
    if not value:
        problems.add(fr.problem(line, canonical, raw, "required: this row has no value"))
        return None
    if len(value) > limit:
        problems.add(fr.problem(line, canonical, raw, f"longer than {limit} characters"))
        return None
    return value


def parse_invoices(fr: FileRows, src: int, default_currency: str, problems: Problems,
                   tick: Callable[[int], None]) -> list[InvoiceRec]:
    """Type every invoice row.  The hot path: locals, inline fast paths, caches per file."""
    f = fr.fields

    def at(name: str) -> int | None:
        return f.index(name) if name in f else None

    i_acct, i_name, i_country = at("account"), at("name"), at("country")
    i_inv, i_idate, i_ddate, i_amt = at("invoice"), at("invoice_date"), at("due_date"), at("amount")
    i_cur, i_open, i_paid, i_disp = at("currency"), at("open_amount"), at("paid_date"), at("disputed")
    i_po, i_desc, i_dc = at("po_number"), at("description"), at("dc_indicator")
    assert i_inv is not None and i_idate is not None and i_ddate is not None and i_amt is not None
    key_at = i_acct if i_acct is not None else i_name
    assert key_at is not None
    key_field = "account" if i_acct is not None else "name"
    simple = i_open is None and i_paid is None and i_disp is None and i_dc is None
    order = fr.date_order
    preset = fr.layout.preset
    currency_of = _currency_reader(fr, default_currency if preset.default_currency else None, problems)
    currencies: dict[str, tuple[str, int]] = {}
    dates: dict[str, str] = {}
    out: list[InvoiceRec] = []
    append = out.append
    new = _new_invoice
    n_problems = len(problems)

    def date_of(line: int, canonical: str, raw: str) -> str | None:
        text = raw.strip()
        try:
            iso = date_iso(text, order)
        except DateError as exc:
            problems.add(fr.problem(line, canonical, text, _reason(exc, text)))
            return None
        dates[raw] = iso
        return iso

    for count, (line, v) in enumerate(fr.data, 1):
        if not count % 50000:
            tick(50000)
        account = v[key_at].strip()
        if not account.isprintable():
            account = clean(account).strip()
        number = v[i_inv].strip()
        if not number.isprintable():
            number = clean(number).strip()
        if not account or len(account) > 200 or not number:
            if not account or len(account) > 200:
                _key_cell(fr, line, key_field, v[key_at], problems)
            if not number:
                problems.add(fr.problem(line, "invoice", v[i_inv], "required: this row has no invoice number"))
            continue
        raw = v[i_idate]
        invoice_date = dates.get(raw) or date_of(line, "invoice_date", raw)
        raw = v[i_ddate]
        due_date = dates.get(raw) or date_of(line, "due_date", raw)
        raw = v[i_cur] if i_cur is not None else ""
        cur = currencies.get(raw)
        if cur is None:
            cur = currency_of(line, raw) if i_cur is not None else (
                default_currency, money.CURRENCY_EXPONENTS[default_currency])
            if cur is None:
                continue
            currencies[raw] = cur
        currency, exp = cur
        text = v[i_amt]
        whole, dot, frac = text.partition(".")
        if whole.isdigit() and whole.isascii() and len(whole) < 14 and (
                not dot or (frac.isdigit() and frac.isascii() and len(frac) <= exp)):
            amount = int(whole + frac.ljust(exp, "0"))
        else:
            text = text.strip()
            try:
                amount = amount_minor(text, currency, exp)
            except MoneyError as exc:
                problems.add(fr.problem(line, "amount", text, _reason(exc, text)))
                continue
        if invoice_date is None or due_date is None:
            continue
        if simple and amount >= 0:
            append(new(InvoiceRec, (
                src, line, account,
                (v[i_name].strip() or None) if i_name is not None else None,
                (v[i_country].strip() or None) if i_country is not None else None,
                number, "invoice", invoice_date, due_date, currency, amount, None, None, None,
                text_cell(v[i_po]) or None if i_po is not None else None,
                text_cell(v[i_desc]) or None if i_desc is not None else None)))
            continue
        rec = _invoice_details(fr, src, line, v, account, number, invoice_date, due_date, currency, exp, amount,
                               problems)
        if rec is not None:
            append(rec)
    tick(len(fr.data) % 50000)
    if len(problems) > n_problems:
        return []
    if i_name is not None or i_country is not None:  # untrusted text: clean the few that need it
        out = [r if (r.name is None or r.name.isprintable()) and (r.country is None or r.country.isprintable())
               else r._replace(name=clean(r.name).strip() or None, country=clean(r.country).strip() or None)
               for r in out]
    return out


def _invoice_details(fr: FileRows, src: int, line: int, v: tuple[str, ...], account: str, number: str,
                     invoice_date: str, due_date: str, currency: str, exp: int, amount: int,
                     problems: Problems) -> InvoiceRec | None:
    """The rest of an invoice row: sign conventions, open amount, paid date, dispute."""
    f = fr.fields
    preset = fr.layout.preset
    order = fr.date_order

    def cell(name: str) -> str | None:
        return v[f.index(name)] if name in f else None

    ok = True
    negate = False
    dc_raw = cell("dc_indicator")
    if dc_raw is not None:
        dc = dc_raw.strip().lower()
        if dc in _CREDIT:
            negate = True
            if amount > 0:
                amount = -amount
        elif dc and dc not in _DEBIT:
            problems.add(fr.problem(line, "dc_indicator", dc_raw, "expected S (debit) or H (credit)"))
            ok = False
    open_minor: int | None = None
    open_raw = cell("open_amount")
    if open_raw is not None:
        text = open_raw.strip()
        if text:
            try:
                open_minor = amount_minor(text, currency, exp)
            except MoneyError as exc:
                problems.add(fr.problem(line, "open_amount", text, _reason(exc, text)))
                ok = False
            else:
                if negate and open_minor > 0:
                    open_minor = -open_minor
        else:
            open_minor = amount
    paid: str | None = None
    paid_raw = cell("paid_date")
    if paid_raw is not None:
        text = paid_raw.strip()
        paid = ""
        if text:
            try:
                paid = date_iso(text, order)
            except DateError as exc:
                problems.add(fr.problem(line, "paid_date", text, _reason(exc, text)))
                ok = False
    disputed: int | None = None
    disp_raw = cell("disputed")
    if disp_raw is not None:
        text = disp_raw.strip()
        low = text.lower()
        if low in _NO:
            disputed = 0
        elif low in _YES or preset.code_disputes:
            disputed = -1
        else:
            try:
                disputed = amount_minor(text, currency, exp)
            except MoneyError:
                problems.add(fr.problem(line, "disputed", text, "expected yes, no or the disputed amount"))
                ok = False
            else:
                if disputed < 0 or (amount >= 0 and disputed > amount):
                    problems.add(fr.problem(line, "disputed", text,
                                            "a disputed amount is between 0 and the invoice amount"))
                    ok = False
    if not ok:
        return None
    kind = "invoice"
    if amount < 0:
        kind = "credit_note"
        if open_minor is not None and not amount <= open_minor <= 0:
            problems.add(fr.problem(line, "open_amount", open_raw or "",
                                    f"a credit note's open amount is between its amount "
                                    f"({money.format_minor(amount, currency)}) and 0"))
            return None
        if open_minor == 0 or paid:
            # Applied in full: what it paid shows in the open amounts of the invoices it was
            # applied to, so it has nothing left to tell the worklist.
            fr.skipped["applied_credit"] += 1
            return None
        if open_minor is not None:
            amount = open_minor  # partly applied: what is left of it is what still counts
        open_minor = paid = disputed = None
    elif open_minor is not None and not 0 <= open_minor <= amount:
        problems.add(fr.problem(line, "open_amount", open_raw or "",
                                f"expected an amount between 0 and the invoice amount "
                                f"({money.format_minor(amount, currency)})"))
        return None

    def text_of(name: str) -> str | None:
        raw = cell(name)
        return (text_cell(raw) or None) if raw is not None else None

    return InvoiceRec(src, line, account, text_of("name"), text_of("country"), number, kind, invoice_date, due_date,
                      currency, amount, open_minor, paid, disputed, text_of("po_number"), text_of("description"))


def _optional_text(fr: FileRows, v: tuple[str, ...], canonical: str) -> str | None:
    if canonical not in fr.fields:
        return None
    return text_cell(v[fr.fields.index(canonical)]) or None


def parse_payments(fr: FileRows, src: int, default_currency: str, problems: Problems) -> list[PaymentRec]:
    f = fr.fields
    key_field = "account" if "account" in f else "name"
    currency_of = _currency_reader(fr, default_currency if fr.layout.preset.default_currency else None, problems)
    out: list[PaymentRec] = []
    for line, v in fr.data:
        ok = True
        account = _key_cell(fr, line, key_field, v[f.index(key_field)], problems)
        text = v[f.index("date")].strip()
        try:
            paid_on = date_iso(text, fr.date_order)
        except DateError as exc:
            problems.add(fr.problem(line, "date", text, _reason(exc, text)))
            ok = False
        cur = (currency_of(line, v[f.index("currency")]) if "currency" in f
               else (default_currency, money.CURRENCY_EXPONENTS[default_currency]))
        if cur is None:
            continue
        text = v[f.index("amount")].strip()
        try:
            amount = amount_minor(text, cur[0], cur[1])
        except MoneyError as exc:
            problems.add(fr.problem(line, "amount", text, _reason(exc, text)))
            continue
        if amount <= 0:
            problems.add(fr.problem(line, "amount", text, "a payment is a positive amount (refunds are not imported)"))
            continue
        if not ok or account is None:
            continue
        out.append(PaymentRec(src, line, account, _optional_text(fr, v, "name"), paid_on, cur[0], amount,
                              _optional_text(fr, v, "invoice"), _optional_text(fr, v, "reference"),
                              _optional_text(fr, v, "method")))
    return out


ACCOUNT_TEXT = ("name", "country", "segment", "sales_owner", "phone", "email", "address", "risk")


def parse_accounts(fr: FileRows, src: int, default_currency: str, problems: Problems) -> list[AccountRec]:
    f = fr.fields
    out: list[AccountRec] = []
    key_field = "account" if "account" in f else "name"
    for line, v in fr.data:
        ok = True
        account = _key_cell(fr, line, key_field, v[f.index(key_field)], problems)
        values: dict[str, object] = {}
        for name in ACCOUNT_TEXT:
            if name in f:
                values[name] = text_cell(v[f.index(name)]) or None
        if not values.get("name"):
            if "name" in f:
                problems.add(fr.problem(line, "name", v[f.index("name")], "required: the account's name"))
                ok = False
        currency = default_currency
        if "currency" in f:
            text = v[f.index("currency")].strip()
            if text:
                try:
                    currency = money.normalise_currency(text)
                except MoneyError:
                    problems.add(fr.problem(line, "currency", text, "expected an ISO 4217 code such as USD"))
                    ok = False
                values["currency"] = currency
            else:
                values["currency"] = None
        if "credit_limit" in f:
            text = v[f.index("credit_limit")].strip()
            values["credit_limit"] = None
            if text:
                try:
                    limit = amount_minor(text, currency, money.CURRENCY_EXPONENTS.get(currency, 2))
                    if limit < 0:
                        raise MoneyError("a credit limit is zero or more")
                    values["credit_limit"] = limit
                except MoneyError as exc:
                    problems.add(fr.problem(line, "credit_limit", text, _reason(exc, text)))
                    ok = False
        if ok and account is not None:
            out.append(AccountRec(src, line, account, values))
    return out


def parse_contacts(fr: FileRows, src: int, problems: Problems) -> list[ContactRec]:
    f = fr.fields
    out: list[ContactRec] = []
    key_field = "account" if "account" in f else "account_name"
    for line, v in fr.data:
        ok = True
        account = _key_cell(fr, line, key_field, v[f.index(key_field)], problems)
        if "name" in f:
            name = text_cell(v[f.index("name")])
        else:
            name = " ".join(p for p in (_optional_text(fr, v, "first_name"), _optional_text(fr, v, "last_name")) if p)
        if not name:
            problems.add(fr.problem(line, "name", v[f.index("name")] if "name" in f else "",
                                    "required: the contact's name"))
            ok = False
        values: dict[str, object] = {}
        for col in ("role", "email", "phone"):
            if col in f:
                values[col] = text_cell(v[f.index(col)]) or None
        if "primary" in f:
            text = v[f.index("primary")].strip().lower()
            if text in _YES:
                values["is_primary"] = 1
            elif text in _NO:
                values["is_primary"] = 0
            else:
                problems.add(fr.problem(line, "primary", v[f.index("primary")], "expected yes or no"))
                ok = False
        if ok and account is not None:
            out.append(ContactRec(src, line, account, _optional_text(fr, v, "account_name"), name, values))
    return out
