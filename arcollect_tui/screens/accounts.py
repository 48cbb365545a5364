"""The account list: a page at a time, filtered as you type, loaded in a worker.

A DataTable builds every row it is given, so the screen never gives it more than one page
(PAGE_SIZE rows); `]` and `[` move between pages.  A page costs one indexed query whatever
the portfolio's size (services.accounts.list_accounts).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arcollect_tui.screens.common import NavTable, literal, money, number
from arcollect_tui.screens.messages import AccountsLoaded
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import AccountRow, count_accounts, list_accounts
from arcollect_tui.text import clean

PAGE_SIZE = 200
NAME_WIDTH = 44  # long names are cut with an ellipsis; the account screen shows them whole

HELP = """\
The accounts in the database, by key, with what each owes as of the date in the header:
**balance** (everything open), **overdue** (open and past due) and **dpd** (days past due of the
oldest open invoice not in dispute).  Amounts are in the account's main currency; `+1` after the
currency means it owes in one more currency too (open the account to see all).

Press `/` and type to filter by key or name; `escape` returns to the list, and clears the
filter from there.  `enter` opens the highlighted account.
"""


class AccountTable(NavTable):
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="accounts.open")]


class AccountsScreen(Screen[None]):
    CSS_PATH = "accounts.tcss"
    HELP = HELP
    AUTO_FOCUS = "#accounts"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="accounts.filter"),
        Binding("escape", "escape", "Clear filter", id="accounts.clear_filter"),
        Binding("right_square_bracket", "page(1)", "Next page", id="accounts.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="accounts.previous_page"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.search = ""
        self.page_offset = 0
        self.total = 0
        self._request = 0
        self._loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ to filter by key or name", id="filter")
        yield AccountTable(id="accounts")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(AccountTable)
        table.add_column("key", key="key")
        table.add_column("name", key="name", width=NAME_WIDTH)
        table.add_column("cur", key="currency")
        table.add_column(Text("balance", justify="right"), key="balance")
        table.add_column(Text("overdue", justify="right"), key="overdue")
        table.add_column(Text("dpd", justify="right"), key="dpd")
        table.loading = True
        self.reload()

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self._request += 1
        self.load_page(self._request, self.search, self.page_offset)

    @work(thread=True, exit_on_error=False, exclusive=True, group="accounts")
    def load_page(self, request: int, search: str, offset: int) -> None:
        session = self.session
        with session.reading() as db:
            rows = list_accounts(db, session.today, search=search, limit=PAGE_SIZE, offset=offset,
                                 default_currency=session.config.default_currency)
            total = count_accounts(db, search=search)
        if not get_current_worker().is_cancelled:
            self.post_message(AccountsLoaded(request, search, offset, total, tuple(rows)))

    def on_accounts_loaded(self, message: AccountsLoaded) -> None:
        if message.request != self._request:
            return  # a newer filter or page is on its way
        table = self.query_one(AccountTable)
        table.loading = False
        table.clear()
        for row in message.rows:
            table.add_row(*self._cells(row), key=row.key)
        self.total = message.total
        self._loaded = True
        self._show_status()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load says so in the status line (the app also notifies)."""
        if event.state is WorkerState.ERROR:
            self.query_one(AccountTable).loading = False
            self.query_one("#status", Static).update(Text(clean(str(event.worker.error))))

    @staticmethod
    def _cells(row: AccountRow) -> list[Text]:
        extra = len(row.other_currencies)
        cur = row.currency + (f" +{extra}" if extra else "")
        name = literal(row.name)
        name.overflow, name.no_wrap = "ellipsis", True
        return [literal(row.key), name, Text(cur), money(row.balance, row.currency),
                money(row.overdue, row.currency), number(row.days_past_due)]

    def _show_status(self) -> None:
        status = self.query_one("#status", Static)
        if self.total == 0 and not self.search:
            status.update(Text("No accounts yet: import a file (arcollect import FILE) or build a demo "
                               "(arcollect demo)."))
        elif self.total == 0:
            status.update(Text.assemble("No account matches ", (repr(self.search), "bold"), "."))
        else:
            last = min(self.page_offset + PAGE_SIZE, self.total)
            status.update(Text(f"Accounts {self.page_offset + 1:,}-{last:,} of {self.total:,}"
                               + ("" if last == self.total and self.page_offset == 0 else "   [ ] change page")))

    # -- filter ------------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.search = event.value
        self.page_offset = 0
        self.reload()
        self.refresh_bindings()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(AccountTable).focus()

    def action_focus_filter(self) -> None:
        # Focus now, not later (`focus()` defers): keys typed right after `/` must reach the filter.
        self.set_focus(self.query_one("#filter", Input))

    def action_escape(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus:
            self.query_one(AccountTable).focus()
        elif field.value:
            field.value = ""  # Input.Changed reloads

    # -- paging and opening ------------------------------------------------------------------

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < self.total:
            self.page_offset = offset
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":
            if not self._loaded:
                return False
            offset = self.page_offset + int(parameters[0]) * PAGE_SIZE  # type: ignore[call-overload]
            return 0 <= offset < self.total
        if action == "escape":
            return bool(self.search) or self.query_one("#filter", Input).has_focus
        return True

    @on(DataTable.RowSelected, "#accounts")
    def _open(self, event: DataTable.RowSelected) -> None:
        from arcollect_tui.screens.account import AccountScreen

        key = event.row_key.value
        if key is not None:
            self.app.push_screen(AccountScreen(self.session, key))

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # `escape` applies while the filter has focus, or a filter is set
