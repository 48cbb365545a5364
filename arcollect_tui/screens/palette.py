"""Command palette (`ctrl+p`): jump to an account by key, name, invoice number or contact.

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
from arcollect_tui.services.search import Match, find_by_invoice_or_contact
from arcollect_tui.text import clean

MAX_HITS = 20


def _find(session: Session, query: str) -> tuple[list[AccountRow], list[Match]]:
    with session.reading() as db:
        rows = list_accounts(db, session.today, search=query, limit=MAX_HITS,
                             default_currency=session.config.default_currency)
        return rows, find_by_invoice_or_contact(db, query, limit=MAX_HITS)


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
        rows, matches = await asyncio.to_thread(_find, session, query)
        shown = {row.key for row in rows}
        for match in matches:
            if match.key in shown:
                continue
            shown.add(match.key)
            yield Hit(0.5, Content(clean(f"{match.key}  {match.name}")), partial(self._open, session, match.key),
                      text=clean(f"{match.key} {match.name}"),
                      help=Content(clean(f"Open account · has {match.via}")))
        for row in rows:
            label = Content(clean(f"{row.key}  {row.name}"))
            amount = display_minor(to_minor(row.balance, row.currency), row.currency)
            yield Hit(_score(row, query), label, partial(self._open, session, row.key),
                      text=clean(f"{row.key} {row.name}"),
                      help=f"Open account · balance {amount} {row.currency} · dpd {row.days_past_due}")

    def _open(self, session: Session, key: str) -> None:
        """Through the worklist when it is there (it passes n / p neighbours and a what-if date)."""
        from arcollect_tui.screens.account import AccountScreen
        from arcollect_tui.screens.queue import QueueScreen

        queue = next((s for s in self.app.screen_stack if isinstance(s, QueueScreen)), None)
        if queue is not None:
            queue.open_account(key)
        else:
            self.app.push_screen(AccountScreen(session, key))
