"""Command palette (`ctrl+p`): jump to an account by key or name.

The search runs in a thread (`asyncio.to_thread`), never on the UI thread.  Hit prompts are
`Content` built from cleaned text, never markup: the palette parses a plain `str` prompt, and
`Matcher.highlight` parses its candidate too, so neither is used for names.  The help line holds
only numbers and currency codes.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content

from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import AccountRow, list_accounts
from arcollect_tui.text import clean

MAX_HITS = 20


def _find(session: Session, query: str) -> list[AccountRow]:
    with session.reading() as db:
        return list_accounts(db, session.today, search=query, limit=MAX_HITS,
                             default_currency=session.config.default_currency)


def _score(row: AccountRow, query: str) -> float:
    q = query.casefold()
    key, name = row.key.casefold(), row.name.casefold()
    if key == q:
        return 1.0
    if key.startswith(q):
        return 0.9
    if name.startswith(q):
        return 0.8
    return 0.6


class AccountsProvider(Provider):
    async def search(self, query: str) -> Hits:
        query = query.strip()
        session: Session | None = getattr(self.app, "session", None)
        if not query or session is None:
            return
        rows = await asyncio.to_thread(_find, session, query)
        for row in rows:
            label = Content(clean(f"{row.key}  {row.name}"))
            amount = display_minor(to_minor(row.balance, row.currency), row.currency)
            yield Hit(_score(row, query), label, partial(self._open, session, row.key),
                      text=clean(f"{row.key} {row.name}"),
                      help=f"Open account · balance {amount} {row.currency} · dpd {row.days_past_due}")

    def _open(self, session: Session, key: str) -> None:
        from arcollect_tui.screens.account import AccountScreen

        self.app.push_screen(AccountScreen(session, key))
