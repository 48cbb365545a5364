"""Messages the screens' workers post when they finish (past tense, plain data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.message import Message

from arcollect_tui.services.accounts import AccountDetail


@dataclass
class AccountLoaded(Message):
    detail: AccountDetail


@dataclass
class QueueLoaded(Message):
    """The worklist as of `as_of` (every account with an open item), ready to show.

    `prepared` is the screen's own per-row data (`screens.queue.Prepared`), built in the worker
    so that the UI thread does nothing per row.
    """

    request: int
    as_of: dt.date
    prepared: object


@dataclass
class SearchMatched(Message):
    """Accounts whose invoice number or contact name contains `text` (services.search)."""

    text: str
    keys: frozenset[str]
