"""One account: who it is, what it owes per currency, its open invoices, contacts, recent activity.

Loaded in a worker through services.accounts.account_detail; every value from the data goes in
as literal text.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arcollect_tui.screens.common import NavTable, literal, money, number
from arcollect_tui.screens.messages import AccountLoaded
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import BUCKETS, AccountDetail, account_detail
from arcollect_tui.text import clean

RECENT_ACTIVITIES = 20

HELP = """\
One account as of the date in the header.  The summary shows, per currency, the balance, what
is overdue, what is in dispute, and the aging buckets.  Below: the open invoices (oldest due
first; credit notes count negative), the contacts (primary first) and the most recent
activities.  `tab` moves between the tables; `escape` goes back to the list.
"""


class AccountScreen(Screen[None]):
    CSS_PATH = "account.tcss"
    HELP = HELP
    AUTO_FOCUS = "#invoices"

    BINDINGS = [Binding("escape", "back", "Back", id="account.back")]

    def __init__(self, session: Session, key: str) -> None:
        super().__init__()
        self.session = session
        self.account_key = key
        self.detail: AccountDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static(id="summary")
            yield Label("Open invoices", classes="section")
            yield NavTable(id="invoices")
            yield Label("Contacts", classes="section")
            yield NavTable(id="contacts")
            yield Label("Recent activities", classes="section")
            yield NavTable(id="activities")
        yield Footer()

    def on_mount(self) -> None:
        self.title = clean(self.account_key)  # the Header shows titles as literal text
        invoices = self.query_one("#invoices", NavTable)
        invoices.add_columns("invoice", "kind", "dated", "due", Text("dpd", justify="right"), "cur",
                             Text("amount", justify="right"), Text("open", justify="right"),
                             Text("disputed", justify="right"))
        self.query_one("#contacts", NavTable).add_columns("name", "role", "email", "phone", "primary")
        self.query_one("#activities", NavTable).add_columns("date", "channel", "outcome", "contact", "note")
        for table in self.query(NavTable):
            table.loading = True
        self.load(self.account_key)

    @work(thread=True, exit_on_error=False, exclusive=True, group="account")
    def load(self, key: str) -> None:
        session = self.session
        with session.reading() as db:
            detail = account_detail(db, key, session.today, default_currency=session.config.default_currency)
        if not get_current_worker().is_cancelled:
            self.post_message(AccountLoaded(detail))

    def on_account_loaded(self, message: AccountLoaded) -> None:
        d = self.detail = message.detail
        self.query_one("#summary", Static).update(summary(d))
        invoices = self.query_one("#invoices", NavTable)
        for i in d.open_invoices:
            invoices.add_row(
                literal(i.number), Text("credit note" if i.kind == "credit_note" else ""),
                Text(i.invoice_date.isoformat()), Text(i.due_date.isoformat()), number(i.days_past_due),
                Text(i.currency), money(i.amount, i.currency), money(i.open_amount, i.currency),
                money(i.disputed, i.currency) if i.disputed else Text(""),
            )
        contacts = self.query_one("#contacts", NavTable)
        for c in d.contacts:
            contacts.add_row(literal(c.name), literal(c.role), literal(c.email), literal(c.phone),
                             Text("yes" if c.primary else ""))
        activities = self.query_one("#activities", NavTable)
        for a in d.activities[:RECENT_ACTIVITIES]:
            activities.add_row(Text(a.occurred_on.isoformat()), literal(a.channel), literal(a.outcome),
                               literal(a.contact), literal(a.note))
        for table in self.query(NavTable):
            table.loading = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load leaves a sentence in place of the summary (the app also notifies)."""
        if event.state is WorkerState.ERROR:
            self.query_one("#summary", Static).update(Text(clean(str(event.worker.error))))
            for table in self.query(NavTable):
                table.loading = False

    def action_back(self) -> None:
        self.app.pop_screen()


def summary(d: AccountDetail) -> Text:
    """Name and key, then one line per currency; every data value literal."""
    text = Text()
    text.append(clean(d.name), style="bold")
    text.append("   ")
    text.append(clean(d.key))
    if d.distress:
        text.append("   distress", style="bold")
        if d.distress_note:
            text.append(f": {clean(d.distress_note)}")
    text.append(f"\nDays past due: {d.days_past_due}")
    if not d.balances:
        text.append("\nNothing open.")
    for b in d.balances:
        text.append(f"\n{b.currency}  ", style="bold")
        text.append_text(_amount("balance", b.balance, b.currency))
        text.append_text(_amount("overdue", b.overdue, b.currency))
        text.append_text(_amount("disputed", b.disputed, b.currency))
        text.append("\n     ")
        for name, value in zip(BUCKETS, b.buckets):
            text.append_text(_amount(name, value, b.currency))
    return text


def _amount(label: str, value, currency: str) -> Text:
    shown = money(value, currency).plain
    return Text.assemble(f"  {label} ", (shown, "bold"))
