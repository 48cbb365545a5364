"""Messages the screens' workers post when they finish (past tense, plain data)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from arcollect_tui.services.accounts import AccountDetail, AccountRow


@dataclass
class AccountsLoaded(Message):
    """A page of the account list, for the request numbered `request` (older ones are dropped)."""

    request: int
    search: str
    offset: int
    total: int
    rows: tuple[AccountRow, ...]


@dataclass
class AccountLoaded(Message):
    detail: AccountDetail
