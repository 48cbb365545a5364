"""Letter templates: shipped defaults, overridable per user, placeholders checked when loaded.

A template is a UTF-8 text file: a first line `Subject: ...`, a blank line, then the body.
Placeholders are `string.Template`'s: `$name` or `${name}`, and `$$` for a dollar sign.  The
shipped defaults live in the package (`arcollect_tui/templates/NAME.txt`); a file
`<config folder>/templates/NAME.txt` replaces one (the config folder is the folder of the config
file in use).  Loading checks every placeholder: an unknown one, one that the template cannot
have (`$plan_schedule` in a reminder), or a stray `$` is an error naming the file, the line and
the placeholder, so a typo never reaches a customer.

Why `string.Template` and not Jinja: letters need substitution only, no logic; `Template` cannot
run code, and a value is inserted once and never read again as a template, so a customer named
`$signature` or `${bank_details}` stays that text.  A block placeholder (a table, the bank details,
the signature) alone on its line is indented as that line is, and its line is dropped when the
block is empty.  Rendering escapes nothing (the message is plain text, there is no HTML part) but
strips control characters from every value (`text.clean`), and the subject is one line.

`compose` gathers the values for one account as of *today* from `services.accounts` and the
timeline (amounts with the currency's minor digits and code, dates ISO) and picks the recipient:
the primary contact's email, else the first contact with one, else the account's own.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from peewee import SqliteDatabase

from arcollect_tui.config import Config, default_config_path
from arcollect_tui.errors import InputError
from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.text import clean

NAMES: tuple[str, ...] = (
    "first_reminder", "second_reminder", "suspension_warning", "suspension_notice", "reinstatement",
    "promise_confirmation", "plan_confirmation", "payment_instructions", "account_statement",
)

# Every template may use these.
COMMON: dict[str, str] = {
    "today": "the date of the letter (--today), YYYY-MM-DD",
    "account_key": "the account key, as imported",
    "account_name": "the account's name",
    "contact_name": "the recipient contact's name (\"Accounts Payable\" when the address is the account's own)",
    "contact_email": "the address the message goes to",
    "open_invoices": "a table of every open invoice and credit note: number, dates, days past due, open amount",
    "past_due_invoices": "a table of the invoices past due",
    "totals": "a table per currency: open, past due, in dispute",
    "aging": "a table per currency: current, 1-30, 31-60, 61-90, 91+ days past due, total",
    "total_open": "what is open, per currency (\"1,500.00 USD; 120,000 JPY\")",
    "total_past_due": "what is past due and not in dispute, per currency",
    "days_past_due": "days since the due date of the oldest past-due invoice not in dispute",
    "oldest_due_date": "the due date of the oldest past-due invoice not in dispute (empty when none)",
    "next_due_date": "the next due date of an invoice not yet due (empty when none)",
    "signature": "[mail] signature (several lines allowed; default \"Accounts Receivable\")",
    "collector": "the collector's name (the config's user)",
    "sender": "[mail] sender, the From address",
    "bank_details": "the [bank] table as lines (bank, beneficiary, IBAN, BIC, account and routing numbers, reference)",
}
SPECIFIC: dict[str, dict[str, str]] = {
    "suspension_warning": {
        "warning_date": "the date of the valid approved warning",
        "suspension_date": "the first day suspension is possible: the warning date plus the notice days",
        "notice_days": "[policy] warning_notice_days",
    },
    "suspension_notice": {"suspension_date": "the date the service was suspended"},
    "reinstatement": {"reinstatement_date": "the date the suspension was lifted"},
    "promise_confirmation": {
        "promise_amount": "the promised amount with its currency",
        "promise_date": "the date it will be paid by",
        "promise_invoices": "the invoices it covers, comma-separated",
    },
    "plan_confirmation": {
        "plan_total": "the plan's total with its currency",
        "plan_down_payment": "its down payment with its currency",
        "plan_instalments": "the number of instalments after the down payment",
        "plan_frequency": "weekly, biweekly, monthly or custom",
        "plan_schedule": "a table of the instalments: number, due date, amount",
    },
}
BLOCKS = frozenset({"open_invoices", "past_due_invoices", "totals", "aging", "bank_details", "signature",
                    "plan_schedule"})
DEFAULT_SIGNATURE = "Accounts Receivable"
NO_BANK_DETAILS = "Our bank details are printed on every invoice; reply to this message if you need them again."
# [bank] keys in the order they are printed, and their labels.
BANK_FIELDS: tuple[tuple[str, str], ...] = (
    ("bank_name", "Bank"), ("account_name", "Beneficiary"), ("iban", "IBAN"), ("bic", "BIC/SWIFT"),
    ("account_number", "Account number"), ("routing_number", "Routing number / sort code"),
    ("address", "Bank address"), ("reference", "Payment reference"),
)


def allowed(name: str) -> dict[str, str]:
    return {**COMMON, **SPECIFIC.get(name, {})}


# --------------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class LetterTemplate:
    name: str
    source: str                   # the file it came from ("<package>/..." for a shipped default)
    subject: str
    body: tuple[str, ...]         # the body's lines
    first_body_line: int          # the file's line number of body[0]
    placeholders: frozenset[str]  # those it uses


def template_dir(config: Config) -> Path:
    """`<folder of the config file in use>/templates` (the default config folder when there is none)."""
    base = config.source.parent if config.source is not None else default_config_path().parent
    return base / "templates"


def _check_name(name: str) -> str:
    if name not in NAMES:
        raise InputError(f"--template: {name!r}: unknown template: expected one of {', '.join(NAMES)}")
    return name


def load_template(name: str, override_dir: Path | None = None) -> LetterTemplate:
    """The user's override when `<override_dir>/NAME.txt` exists, else the shipped default; checked."""
    _check_name(name)
    if override_dir is not None:
        path = Path(override_dir) / f"{name}.txt"
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{path}: not UTF-8 text: save the template as UTF-8") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read the template: {exc.strerror}") from None
            return parse_template(name, text, str(path))
    text = resources.files("arcollect_tui").joinpath(f"templates/{name}.txt").read_text(encoding="utf-8")
    return parse_template(name, text, f"<package>/arcollect_tui/templates/{name}.txt")


def load_all(override_dir: Path | None = None) -> list[LetterTemplate]:
    """Every template, each checked; all problems at once."""
    out, problems = [], []
    for name in NAMES:
        try:
            out.append(load_template(name, override_dir))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return out


def parse_template(name: str, text: str, source: str) -> LetterTemplate:
    """Split and check one template's text; InputError naming `source`, the line and the problem."""
    lines = text.replace("\r\n", "\n").split("\n")
    problems: list[str] = []
    first = lines[0] if lines else ""
    if not first.lower().startswith("subject:"):
        raise InputError(f"{source}:1: Subject: {first[:60]!r}: expected the first line to be "
                         "'Subject: ...', then a blank line, then the body")
    if len(lines) > 1 and lines[1].strip():
        problems.append(f"{source}:2: {lines[1][:60]!r}: expected a blank line after the Subject line")
    subject = first.split(":", 1)[1].strip()
    body = lines[2:]
    while body and not body[-1].strip():
        body.pop()
    used: set[str] = set()
    known = allowed(name)
    for number, line in [(1, subject)] + list(enumerate(body, start=3)):
        for m in string.Template.pattern.finditer(line):
            if m.group("escaped") is not None:
                continue
            placeholder = m.group("named") or m.group("braced")
            if placeholder is None:
                problems.append(f"{source}:{number}: placeholder: {line[m.start():m.start() + 12]!r}: a '$' that "
                                "starts no placeholder: write $$ for a dollar sign, or $name / ${name}")
                continue
            if placeholder not in known:
                owner = next((t for t, names in SPECIFIC.items() if placeholder in names), None)
                why = (f"only the {', '.join(t for t, n in SPECIFIC.items() if placeholder in n)} template has it"
                       if owner else "unknown")
                problems.append(f"{source}:{number}: placeholder: ${placeholder}: {why}: expected one of "
                                + ", ".join(f"${k}" for k in known))
                continue
            used.add(placeholder)
    if problems:
        raise InputError(problems)
    return LetterTemplate(name, source, subject, tuple(body), 3, frozenset(used))


# --------------------------------------------------------------------------------- rendering

def render(template: LetterTemplate, values: Mapping[str, str]) -> tuple[str, str]:
    """(subject, body).  Values are cleaned of control characters; the subject is one line."""
    safe = {k: clean(str(v), keep_newlines=k in BLOCKS) for k, v in values.items()}
    missing = sorted(template.placeholders - safe.keys())
    if missing:  # a programming error, not the user's: every allowed placeholder gets a value
        raise KeyError(f"no value for {', '.join(missing)} in {template.name}")
    subject = clean(string.Template(template.subject).substitute(safe)).strip()
    out: list[str] = []
    for line in template.body:
        stripped = line.strip()
        m = string.Template.pattern.fullmatch(stripped) if stripped.startswith("$") else None
        name = (m.group("named") or m.group("braced")) if m else None
        if name in BLOCKS:
            indent = line[: len(line) - len(line.lstrip())]
            block = safe[name].strip("\n")
            if block:  # an empty block takes its line with it
                out.extend((indent + part).rstrip() for part in block.split("\n"))
            continue
        out.append(string.Template(line).substitute(safe).rstrip())
    return subject, "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------------- composing

@dataclass(frozen=True)
class Letter:
    template: str
    account_id: int
    account: str                  # the key
    to_addr: str | None           # None: the account has no usable email address
    to_name: str | None
    subject: str
    body: str
    source: str                   # the template file


def _amount(value: Decimal, currency: str) -> str:
    return display_minor(to_minor(value, currency), currency, code=True)


def _table(rows: list[tuple[str, ...]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _per_currency(sums: dict[str, Decimal]) -> str:
    return "; ".join(_amount(v, c) for c, v in sorted(sums.items()) if v) or "nothing"


def _invoice_table(items: list[Any]) -> str:
    if not items:
        return "(none)"
    rows = [("Invoice", "Invoice date", "Due date", "Days past due", "Open amount", "")]
    for i in items:
        note = "credit note" if i.kind == "credit_note" else ("in dispute" if i.disputed > 0 else "")
        if i.kind == "invoice" and 0 < i.disputed < i.open_amount:
            note = f"{_amount(i.disputed, i.currency)} in dispute"
        rows.append((clean(i.number), i.invoice_date.isoformat(), i.due_date.isoformat(),
                     str(i.days_past_due) if i.days_past_due > 0 and i.kind == "invoice" else "",
                     _amount(i.open_amount, i.currency), note))
    return _table(rows, {3, 4})


def _bank_lines(config: Config) -> str:
    bank = getattr(config, "bank", None)
    if bank is None:
        return NO_BANK_DETAILS
    rows = []
    for key, label in BANK_FIELDS:
        value = bank.get(key) if isinstance(bank, Mapping) else getattr(bank, key, "")
        if isinstance(value, str) and value.strip():
            rows.append((label + ":", clean(value).strip()))
    return _table(rows, set()) if rows else NO_BANK_DETAILS


def values_for(detail: Any, name: str, *, today: dt.date, config: Config, to_addr: str | None,
               to_name: str | None) -> dict[str, str]:
    """Every placeholder the template `name` may use, from an `AccountDetail` (with its assessment).

    InputError when the account is not in the position the letter speaks of (no valid warning
    for a suspension warning, nothing past due for a reminder, no approved plan for a plan
    confirmation, ...): the message says what to do instead.
    """
    key = clean(detail.key)
    items = list(detail.open_invoices)
    past_due = [i for i in items if i.kind == "invoice" and i.days_past_due > 0 and i.open_amount > 0]
    undisputed = [i for i in past_due if i.open_amount > i.disputed]
    open_sums: dict[str, Decimal] = {}
    due_sums: dict[str, Decimal] = {}
    for i in items:
        open_sums[i.currency] = open_sums.get(i.currency, Decimal(0)) + i.open_amount
    for i in undisputed:
        due_sums[i.currency] = due_sums.get(i.currency, Decimal(0)) + i.open_amount - i.disputed
    totals = [("Currency", "Open", "Past due", "In dispute")]
    aging = [("Currency", "Current", "1-30", "31-60", "61-90", "91+", "Total")]
    for b in detail.balances:
        totals.append((b.currency, _amount(b.balance, b.currency), _amount(b.overdue, b.currency),
                       _amount(b.disputed, b.currency)))
        aging.append((b.currency, *(display_minor(to_minor(v, b.currency), b.currency) for v in b.buckets),
                      display_minor(to_minor(b.balance, b.currency), b.currency)))
    upcoming = [i.due_date for i in items if i.kind == "invoice" and i.due_date >= today]
    a = detail.assessment
    signature = getattr(config.mail, "signature", "") or DEFAULT_SIGNATURE
    values = {
        "today": today.isoformat(),
        "account_key": key,
        "account_name": clean(detail.name),
        "contact_name": clean(to_name) or "Accounts Payable",
        "contact_email": to_addr or "",
        "open_invoices": _invoice_table(items),
        "past_due_invoices": _invoice_table(past_due),
        "totals": _table(totals, {1, 2, 3}) if len(totals) > 1 else "(nothing open)",
        "aging": _table(aging, {1, 2, 3, 4, 5, 6}) if len(aging) > 1 else "(nothing open)",
        "total_open": _per_currency(open_sums),
        "total_past_due": _per_currency(due_sums),
        "days_past_due": str(detail.days_past_due),
        "oldest_due_date": min((i.due_date for i in undisputed), default=None),
        "next_due_date": min(upcoming, default=None),
        "signature": signature,
        "collector": config.user_name,
        "sender": config.mail.sender,
        "bank_details": _bank_lines(config),
    }
    values = {k: ("" if v is None else v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    policy = config.policy
    if name in ("first_reminder", "second_reminder"):
        if not undisputed:
            raise InputError(f"account: {key}: nothing is past due and undisputed as of {today}: "
                             "no reminder to send")
    elif name == "suspension_warning":
        if a is None or a.warning_on is None:
            raise InputError(f"account: {key}: no valid approved suspension warning as of {today}: record one "
                             f"with `arcollect warn {key} --approved-by NAME` (it queues this letter itself)")
        values.update(warning_date=a.warning_on.isoformat(), notice_days=str(policy.warning_notice_days),
                      suspension_date=(a.warning_on + dt.timedelta(days=policy.warning_notice_days)).isoformat())
    elif name == "suspension_notice":
        if a is None or a.suspended_on is None:
            raise InputError(f"account: {key}: not suspended as of {today}: suspend it first "
                             f"(`arcollect suspend {key} --approved-by NAME`)")
        values["suspension_date"] = a.suspended_on.isoformat()
    elif name == "reinstatement":
        steps = [e for e in detail.suspension_events if e.kind in ("suspension", "reinstatement")]
        if not steps or steps[-1].kind != "reinstatement":
            raise InputError(f"account: {key}: no reinstatement since its last suspension as of {today}: "
                             f"record it first (`arcollect reinstate {key}`)")
        values["reinstatement_date"] = steps[-1].on_date.isoformat()
    elif name == "promise_confirmation":
        promise = next((p for p in detail.promises if p.cancelled_on is None), None)
        if promise is None:
            raise InputError(f"account: {key}: no promise to pay as of {today}: record one first "
                             f"(`arcollect log {key} --promise AMOUNT --on DATE`)")
        values.update(promise_amount=_amount(promise.amount, promise.currency),
                      promise_date=promise.pay_by.isoformat(),
                      promise_invoices=", ".join(clean(n) for n in promise.invoices) or "the open balance")
    elif name == "plan_confirmation":
        plan = next((p for p in reversed(detail.plans) if p.status == "approved"), None)
        if plan is None:
            raise InputError(f"account: {key}: no approved payment plan as of {today}: a plan is confirmed "
                             "once approved (`arcollect plan approve ID ...`)")
        rows = [("No.", "Due date", "Amount")]
        for s in plan.instalments:
            rows.append(("down payment" if s.seq == 0 else str(s.seq), s.due_on.isoformat(),
                         _amount(s.amount, plan.currency)))
        values.update(plan_total=_amount(plan.total, plan.currency),
                      plan_down_payment=_amount(plan.down_payment, plan.currency),
                      plan_instalments=str(plan.instalment_count), plan_frequency=plan.frequency,
                      plan_schedule=_table(rows, {2}))
    return values


def compose(db: SqliteDatabase, key: str, name: str, *, today: dt.date, config: Config,
            override_dir: Path | None = None) -> Letter:
    """The letter `name` for account `key` as of `today`, rendered, with its recipient (or None)."""
    from arcollect_tui.services.accounts import account_detail
    from arcollect_tui.services.outbox import recipient

    template = load_template(name, override_dir if override_dir is not None else template_dir(config))
    detail = account_detail(db, key, today, default_currency=config.default_currency, policy=config.policy,
                            history_days=0)
    to = recipient(db.connection(), detail.account_id)
    to_addr, to_name = to if to is not None else (None, None)
    values = values_for(detail, name, today=today, config=config, to_addr=to_addr, to_name=to_name)
    subject, body = render(template, values)
    return Letter(name, detail.account_id, detail.key, to_addr, to_name, subject, body, template.source)
