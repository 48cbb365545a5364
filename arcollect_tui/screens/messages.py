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
    so that the UI thread does nothing per row.  A load first posts the most urgent page
    (`partial`, for a fast first paint), then the whole list.
    """

    request: int
    as_of: dt.date
    prepared: object
    partial: bool = False        # only the most urgent page: the whole list follows


@dataclass
class SearchMatched(Message):
    """Accounts whose invoice number or contact name contains `text` (services.search)."""

    text: str
    keys: frozenset[str]
