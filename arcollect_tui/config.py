"""Settings and the collection policy: one immutable object, built once and passed in.

Read from TOML (`--config`, `$ARCOLLECT_CONFIG`, else `config.toml` in the user's config
folder); every key has a built-in default, and every key is checked on load: an unknown key or
a value of the wrong kind is an error that names the key.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_data_path

from decimal import Decimal, InvalidOperation

from arcollect_tui.errors import InputError
from arcollect_tui.money import CURRENCY_EXPONENTS
from arcollect_tui.plans import ApprovalMatrix
from arcollect_tui.priority import PriorityWeights

APP_NAME = "arcollect"


def default_db_path() -> Path:
    env = os.environ.get("ARCOLLECT_DB")
    return Path(env) if env else user_data_path(APP_NAME) / "arcollect.db"


def default_config_path() -> Path:
    env = os.environ.get("ARCOLLECT_CONFIG")
    return Path(env) if env else user_config_path(APP_NAME) / "config.toml"


@dataclass(frozen=True)
class FollowUpDays:
    """`[policy.follow_up_days]`: the follow-up date the call-log form proposes for each outcome.

    Days after today, except `promise`: days after the promised pay-by date (0 = on that date, to
    check that the money came).  The collector can always change the proposed date.
    """

    no_answer: int = 2
    voicemail: int = 2
    reached: int = 7
    promise: int = 0
    refused: int = 1
    dispute: int = 7
    wrong_contact: int = 1
    paid_claimed: int = 3

    def for_outcome(self, outcome: str) -> int | None:
        """The setting for `outcome`; None for outcomes without one (`sent`, `other`)."""
        value = getattr(self, outcome, None) if outcome in _FOLLOW_UP_OUTCOMES else None
        return value if isinstance(value, int) else None


_FOLLOW_UP_OUTCOMES = frozenset(f.name for f in dataclasses.fields(FollowUpDays))
FOLLOW_UP_MAX_DAYS = 366


@dataclass(frozen=True)
class Policy:
    """The Invoice Collection and Account Suspension Timeline (CONTRACT defaults)."""

    reminder_from_dpd: int = 1
    follow_up_from_dpd: int = 15
    warning_from_dpd: int = 30
    warning_notice_days: int = 10
    warning_valid_days: int = 30
    referral_from_dpd: int = 90
    promise_tolerance_days: int = 2
    plan_grace_days: int = 5
    follow_up_days: FollowUpDays = field(default_factory=FollowUpDays)


@dataclass(frozen=True)
class ImportSettings:
    # How to read slash dates when nothing in a file settles the order: "MDY", "DMY" or "".
    date_order: str = ""


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    sender: str = ""
    signature: str = ""          # the letters' closing; several lines allowed


@dataclass(frozen=True)
class BankSettings:
    """`[bank]`: where customers pay; printed by the payment-instructions and statement templates."""

    bank_name: str = ""
    account_name: str = ""       # the beneficiary
    iban: str = ""
    bic: str = ""
    account_number: str = ""
    routing_number: str = ""     # ABA routing number or sort code
    address: str = ""
    reference: str = ""          # what customers should quote with a payment


@dataclass(frozen=True)
class BackupSettings:
    """`[backup]`: the rotating backup the app takes when it opens."""

    keep: int = 7                # the newest N are kept; 0 turns it off
    folder: str = ""             # default: `backups/` next to the database


@dataclass(frozen=True)
class Config:
    user: str = ""
    default_currency: str = "USD"
    policy: Policy = field(default_factory=Policy)
    import_: ImportSettings = field(default_factory=ImportSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    priority: PriorityWeights = field(default_factory=PriorityWeights)
    bank: BankSettings = field(default_factory=BankSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    approval: ApprovalMatrix = field(default_factory=ApprovalMatrix)
    # [fx]: 1 unit of CUR = rate units of `fx_base`, to compare overdue amounts across currencies.
    fx_base: str = ""
    fx: dict[str, Decimal] = field(default_factory=dict)
    source: Path | None = None

    @property
    def user_name(self) -> str:
        if self.user:
            return self.user
        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "collector"


# TOML table -> (dataclass field on Config, dataclass type)
_TABLES = {"policy": ("policy", Policy), "import": ("import_", ImportSettings), "mail": ("mail", MailSettings),
           "priority": ("priority", PriorityWeights), "bank": ("bank", BankSettings),
           "backup": ("backup", BackupSettings)}
_TOP = {"user": str, "default_currency": str}
_CHOICES = {
    ("import", "date_order"): {"", "MDY", "DMY"},
    ("mail", "security"): {"starttls", "tls", "none"},
}


def load_config(path: Path | None = None) -> Config:
    """Load and validate; a missing default file means built-in defaults."""
    explicit = path is not None or "ARCOLLECT_CONFIG" in os.environ
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise InputError(f"{path}: config file not found: create it or leave out --config")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the config: {exc.strerror}") from None
    return config_from_dict(data, source=path)


def config_from_dict(data: dict[str, Any], source: Path | None = None) -> Config:
    where = str(source) if source else "config"
    problems: list[str] = []
    top: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for key, value in data.items():
        if key == "fx":
            top.update(_fx(value, where, problems))
        elif key == "approval":
            try:
                tables["approval"] = ApprovalMatrix.from_mapping(value, where)
            except InputError as exc:
                problems.extend(exc.problems)
        elif key in _TABLES:
            if not isinstance(value, dict):
                problems.append(f"{where}: [{key}] must be a table")
                continue
            attr, cls = _TABLES[key]
            tables[attr] = _build(cls, key, value, where, problems)
        elif key in _TOP:
            if not isinstance(value, _TOP[key]):
                problems.append(f"{where}: {key}: {value!r}: expected text")
            else:
                top[key] = value
        else:
            problems.append(f"{where}: {key}: unknown setting (known: {', '.join(sorted([*_TOP, *_TABLES, 'fx', 'approval']))})")
    if "default_currency" in top:
        top["default_currency"] = top["default_currency"].strip().upper()
        if top["default_currency"] not in CURRENCY_EXPONENTS:
            problems.append(f"{where}: default_currency: {data['default_currency']!r}: expected an ISO 4217 code")
    if "policy" in tables and not problems:
        problems.extend(_policy_problems(tables["policy"], where))
    if problems:
        raise InputError(problems)
    return Config(**top, **tables, source=source)


def _fx(table: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """`[fx] base = "USD"` and `EUR = "1.08"` (1 EUR = 1.08 USD); rates as strings or numbers."""
    if not isinstance(table, dict):
        problems.append(f"{where}: [fx] must be a table")
        return {}
    base = table.get("base", "")
    if not isinstance(base, str) or base.strip().upper() not in CURRENCY_EXPONENTS:
        problems.append(f"{where}: [fx] base: {base!r}: expected the ISO 4217 code the rates convert to")
        return {}
    rates: dict[str, Decimal] = {}
    for code, value in table.items():
        if code == "base":
            continue
        if code.upper() not in CURRENCY_EXPONENTS:
            problems.append(f"{where}: [fx] {code}: unknown currency: expected an ISO 4217 code")
            continue
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise InvalidOperation
            rate = Decimal(str(value).strip())
            if not rate.is_finite() or rate <= 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"{where}: [fx] {code}: {value!r}: expected a positive rate such as \"1.08\"")
            continue
        rates[code.upper()] = rate
    rates[base.strip().upper()] = Decimal(1)
    return {"fx_base": base.strip().upper(), "fx": rates}


def _policy_problems(p: Policy, where: str) -> list[str]:
    """The ladder must climb: each step after the one before, and a warning must outlive its notice."""
    out = []
    if p.reminder_from_dpd < 1:
        out.append(f"{where}: [policy] reminder_from_dpd: {p.reminder_from_dpd}: expected 1 or more")
    ladder = ["reminder_from_dpd", "follow_up_from_dpd", "warning_from_dpd", "referral_from_dpd"]
    for lower, higher in zip(ladder, ladder[1:]):
        if getattr(p, lower) > getattr(p, higher):
            out.append(f"{where}: [policy] {higher}: {getattr(p, higher)}: expected at least "
                       f"{lower} ({getattr(p, lower)})")
    if p.warning_notice_days > p.warning_valid_days:
        out.append(f"{where}: [policy] warning_valid_days: {p.warning_valid_days}: expected at least "
                   f"warning_notice_days ({p.warning_notice_days}), or no suspension could ever follow a warning")
    for f in dataclasses.fields(p.follow_up_days):
        days = getattr(p.follow_up_days, f.name)
        if days > FOLLOW_UP_MAX_DAYS:
            out.append(f"{where}: [policy.follow_up_days] {f.name}: {days}: "
                       f"expected at most {FOLLOW_UP_MAX_DAYS} days")
    return out


def _build(cls: type, table: str, values: dict[str, Any], where: str, problems: list[str]) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        name = f"[{table}] {key}"
        f = fields.get(key)
        if f is None:
            problems.append(f"{where}: {name}: unknown setting (known: {', '.join(fields)})")
            continue
        if dataclasses.is_dataclass(f.default_factory):  # a nested table: [policy.follow_up_days]
            if not isinstance(value, dict):
                problems.append(f"{where}: {name}: {value!r}: expected a table [{table}.{key}]")
            else:
                kwargs[key] = _build(f.default_factory, f"{table}.{key}", value, where, problems)
            continue
        expected = type(f.default)
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{where}: {name}: {value!r}: expected a whole number")
            continue
        if expected is int and value < 0:
            problems.append(f"{where}: {name}: {value!r}: expected zero or more")
            continue
        if expected is str and not isinstance(value, str):
            problems.append(f"{where}: {name}: {value!r}: expected text")
            continue
        choices = _CHOICES.get((table, key))
        if choices is not None and value not in choices:
            problems.append(f"{where}: {name}: {value!r}: expected one of {', '.join(repr(c) for c in sorted(choices))}")
            continue
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - guarded above
        problems.append(f"{where}: [{table}]: {exc}")
        return cls()
