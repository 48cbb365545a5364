"""One account in full: where it is on the timeline and why, what it owes, and its whole story.

Top to bottom in the order a collector reads it: name and key; the timeline ladder with the dated
steps ahead; the reason, hold and next action; the priority breakdown; balances with aging; open
invoices; activity; contacts; promises, plans, disputes, escalations and the suspension steps.

Loaded in a thread worker through `services.accounts.account_detail` (no SQL here), ending in an
`AccountLoaded` message.  `n` / `p` load the next / previous account of the queue in place (the
queue hands in `neighbours`), so triage never goes back and forth through screens.  Every value
from the data goes in as literal, cleaned text (`common.literal`, `Text(clean(...))`).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.screens.common import NavTable, literal, money, number
from arcollect_tui.screens.ladder import LadderState, TimelineLadder
from arcollect_tui.screens.messages import AccountLoaded
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import BUCKETS, AccountDetail, account_detail
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS

Neighbours = Callable[[str, int], "str | None"]
"""`neighbours(key, step)`: the key `step` rows away in the queue as shown (+1 next, -1 previous)."""

RECENT_ACTIVITIES = 50

HELP = """\
One account as of the date in the header.

**The ladder** shows the eight stages of the collection timeline left to right: Current,
Reminder, Follow-up, Warning due, Warned, Suspension due, Suspended, Referred.  The account's
stage is the coloured chip; the marker under it says since when, and whether a promise, a plan
or disputes hold it there.  Under the ladder: the dated steps ahead (when the next stage or
action becomes possible).

**Why** is the timeline's reason; **Next** is what to do and by when.  **Priority** lists the
parts of the worklist's score and their points (they add up to the total).  Then balances per
currency with aging buckets, open invoices, activity, contacts, promises and plans with their
standing, disputes, escalations, and warnings, suspensions, reinstatements and referrals with
who approved them.

`n` / `p` open the next / previous account of the queue in place (fast triage); `escape` goes
back to the queue.  `tab` moves between the tables; the page scrolls with the mouse or
`page up` / `page down`.
"""

class AccountScreen(Screen[None]):
    CSS_PATH = "account.tcss"
    HELP = HELP
    AUTO_FOCUS = "#body"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]

    BINDINGS = [
        Binding("escape", "back", "Back", id="account.back"),
        Binding("n", "neighbour(1)", "Next", id="account.next"),
        Binding("p", "neighbour(-1)", "Previous", id="account.previous"),
    ]

    def __init__(self, session: Session, key: str, *, neighbours: Neighbours | None = None) -> None:
        super().__init__()
        self.session = session
        self.account_key = key
        self.neighbours = neighbours
        self.detail: AccountDetail | None = None

    # ------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static(Text("Loading…"), id="title")
            yield TimelineLadder(id="ladder")
            yield Static(id="why")
            with Horizontal(id="figures"):
                with Vertical(id="priority-box"):
                    yield Label("Priority", id="priority-label", classes="section")
                    yield Static(id="priority")
                with Vertical(id="balances-box"):
                    yield Label("Balances and aging", classes="section")
                    yield Static(id="balances")
            yield from _section("invoices", "Open invoices")
            yield from _section("activities", "Activity")
            yield from _section("contacts", "Contacts")
            yield from _section("promises", "Promises")
            with Vertical(id="plans-box", classes="box"):
                yield Label("Payment plans", classes="section")
                yield Static(id="plans")
            yield from _section("disputes", "Disputes")
            yield from _section("escalations", "Escalations")
            yield from _section("steps", "Warnings, suspensions, reinstatements, referrals")
            with Vertical(id="history-box", classes="box"):
                yield Label("Stage history", classes="section")
                yield Static(id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.title = clean(self.account_key)  # the Header shows titles as literal text
        self._table("invoices").add_columns(
            "invoice", "kind", "dated", "due", _right("dpd"), "cur", _right("amount"), _right("open"),
            _right("disputed"))
        self._table("activities").add_columns("date", "channel", "outcome", "contact", "note", "follow-up", "by")
        self._table("contacts").add_columns("name", "role", "phone", "email", "primary")
        self._table("promises").add_columns("made", "pay by", "cur", _right("amount"), _right("paid"), "standing",
                                            "invoices", "note")
        self._table("disputes").add_columns("opened", "invoice", "cur", _right("amount"), "reason", "routed to",
                                            "owner", "status", "resolved", "note")
        self._table("escalations").add_columns("opened", "to", "reason", "owner", "closed", "outcome")
        self._table("steps").add_columns("date", "step", "approved by", "role", "rule", "note")
        self.load(self.account_key)

    def _table(self, name: str) -> NavTable:
        return self.query_one(f"#{name}", NavTable)

    # ------------------------------------------------------------------------------ data

    @work(thread=True, exit_on_error=False, exclusive=True, group="account")
    def load(self, key: str) -> None:
        from arcollect_tui.services.worklist import priority_settings

        session = self.session
        weights, fx = priority_settings(session.config)
        with session.reading() as db:
            detail = account_detail(db, key, session.today, default_currency=session.config.default_currency,
                                    policy=session.config.policy, weights=weights, fx=fx)
        if not get_current_worker().is_cancelled:
            self.post_message(AccountLoaded(detail))

    def on_account_loaded(self, message: AccountLoaded) -> None:
        d = message.detail
        if d.key != self.account_key:  # an older load that finished late
            return
        self.detail = d
        with self.app.batch_update():  # one repaint for the whole account, not one per section
            self._show(d)

    def _show(self, d: AccountDetail) -> None:
        self.query_one("#title", Static).update(title(d))
        ladder = self.query_one(TimelineLadder)
        ladder.state = ladder_state(d)
        ladder.display = d.assessment is not None
        self.query_one("#why", Static).update(why(d))
        self.query_one("#priority-label", Label).update(
            Text(f"Priority {d.priority.score:.2f}" if d.priority else "Priority"))
        self.query_one("#priority", Static).update(priority_text(d))
        self.query_one("#balances", Static).update(balances_text(d))
        self._fill("invoices", (
            [literal(i.number), Text("credit note" if i.kind == "credit_note" else ""),
             Text(i.invoice_date.isoformat()), Text(i.due_date.isoformat()), number(i.days_past_due),
             Text(i.currency), money(i.amount, i.currency), money(i.open_amount, i.currency),
             money(i.disputed, i.currency) if i.disputed else Text("")]
            for i in d.open_invoices), always=True)
        self._fill("activities", (
            [_date(a.occurred_on), literal(a.channel), literal(a.outcome), literal(a.contact), literal(a.note),
             _date(a.follow_up_on), literal(a.user)]
            for a in d.activities[:RECENT_ACTIVITIES]), always=True)
        self._fill("contacts", (
            [literal(c.name), literal(c.role), literal(c.phone), literal(c.email), Text("yes" if c.primary else "")]
            for c in d.contacts), always=True)
        self._fill("promises", promise_rows(d))
        plans = plans_text(d)
        self.query_one("#plans", Static).update(plans)
        self.query_one("#plans-box").display = bool(d.plans)
        self._fill("disputes", (
            [_date(s.opened_on), literal(s.invoice), Text(s.currency), money(s.amount, s.currency),
             literal(s.reason), literal(s.routed_to), literal(s.owner), literal(s.status), _date(s.resolved_on),
             literal(s.note)]
            for s in d.disputes))
        self._fill("escalations", (
            [_date(e.opened_on), literal(e.target), literal(e.reason), literal(e.owner), _date(e.closed_on),
             literal(e.outcome)]
            for e in d.escalations))
        self._fill("steps", (
            [_date(e.on_date), literal(e.kind), literal(e.approved_by),
             literal(e.approver_role), literal(e.rule), literal(e.note)]
            for e in d.suspension_events))
        self.query_one("#history", Static).update(history_text(d))
        self.query_one("#history-box").display = bool(d.stage_history)

    def _fill(self, name: str, rows: Iterable[list[Text]], *, always: bool = False) -> None:
        """Replace a table's rows; an empty optional section is hidden, a kept one says 'none'."""
        table = self._table(name)
        table.clear()
        for row in rows:
            table.add_row(*row)
        box = self.query_one(f"#{name}-box")
        box.display = always or table.row_count > 0
        box.query_one(".empty", Static).display = table.row_count == 0
        table.display = table.row_count > 0

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load leaves a sentence in place of the title (the app also notifies)."""
        if event.worker.group == "account" and event.state is WorkerState.ERROR:
            self.query_one("#title", Static).update(Text(clean(str(event.worker.error))))

    # ------------------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`n` / `p` exist only when the queue handed in its order."""
        if action == "neighbour":
            return self.neighbours is not None
        return True

    def action_neighbour(self, step: int) -> None:
        if self.neighbours is None:
            return
        key = self.neighbours(self.account_key, step)
        if key is None:
            self.notify("This is the last account of the queue." if step > 0
                        else "This is the first account of the queue.", markup=False, timeout=2)
            return
        self.account_key = key
        self.title = clean(key)
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self.load(key)

    def action_back(self) -> None:
        self.app.pop_screen()


# ---------------------------------------------------------------------------------- pieces

def _section(name: str, heading: str) -> ComposeResult:
    with Vertical(id=f"{name}-box", classes="box"):
        yield Label(heading, classes="section")
        yield Static(Text("none", style="italic"), classes="empty")
        yield NavTable(id=name)


def _right(heading: str) -> Text:
    return Text(heading, justify="right")


def _date(value: dt.date | None) -> Text:
    return Text(value.isoformat() if value else "")


def title(d: AccountDetail) -> Text:
    """Name, key and the account's own facts; every data value literal."""
    text = Text()
    text.append(clean(d.name), style="bold")
    text.append("   ")
    text.append(clean(d.key))
    facts = [clean(v) for v in (d.segment, d.country, d.sales_owner and f"owner {d.sales_owner}",
                                d.risk and f"risk {d.risk}") if v]
    if d.credit_limit is not None:
        facts.append(f"credit limit {display_minor(to_minor(d.credit_limit, d.credit_limit_currency), d.credit_limit_currency)}"
                     f" {d.credit_limit_currency}")
    if facts:
        text.append("\n" + " · ".join(facts), style="dim")
    if d.distress:
        text.append("\ndistress", style="bold")
        if d.distress_note:
            text.append(f": {clean(d.distress_note)}")
    return text


def ladder_state(d: AccountDetail) -> LadderState | None:
    a = d.assessment
    if a is None:
        return None
    since = at_least = None
    if d.stage_history and d.stage_history[-1][1] == a.stage:
        since = d.stage_history[-1][0]
        at_least = len(d.stage_history) == 1
    hold = None
    if a.hold is not None:
        hold = a.hold.text + (f", until {a.hold.until.isoformat()}" if a.hold.until else "")
    return LadderState(a.stage, since, bool(at_least), hold, tuple((c.on, c.text) for c in a.coming))


def why(d: AccountDetail) -> Text:
    """Stage, reason, hold, next action and flags: the lines a collector acts on."""
    text = Text()
    a = d.assessment
    if a is None:
        text.append(f"Days past due: {d.days_past_due}")
        return text
    text.append("Stage  ", style="bold")
    text.append(a.label)
    text.append(f"   {a.dpd} days past due" if a.dpd else "   nothing past due")
    text.append("\nWhy    ", style="bold")
    text.append(clean(a.reason))
    if a.hold is not None:
        text.append("\nHold   ", style="bold")
        text.append(clean(a.hold.text))
        text.append(f" (since {a.hold.since.isoformat()}"
                    + (f", until {a.hold.until.isoformat()})" if a.hold.until else ", until the disputes are resolved)"))
    text.append("\nNext   ", style="bold")
    if a.next_action:
        text.append(clean(a.next_action))
        if a.next_action_due:
            due = a.next_action_due
            late = (d.as_of - due).days
            text.append(f"  by {due.isoformat()}", style="bold")
            if late > 0:
                text.append(f" ({late} days overdue)")
            elif late == 0:
                text.append(" (today)")
    else:
        text.append("nothing to do")
    if a.flags:
        text.append("\nFlags  ", style="bold")
        text.append(", ".join(f.replace("_", " ") for f in a.flags))
    contact = []
    if a.last_contact:
        contact.append(f"last contact {a.last_contact.isoformat()}")
    if a.follow_up_on:
        contact.append(f"follow-up {a.follow_up_on.isoformat()}")
    if contact:
        text.append("\n       " + " · ".join(contact), style="dim")
    return text


def priority_text(d: AccountDetail) -> Text:
    """One line per part: points right-aligned, the part, why; they add up to the score."""
    p = d.priority
    if p is None:
        return Text("no timeline", style="italic")
    text = Text()
    name_width = max((len(name) for name, _, _ in p.parts), default=0)
    for i, (name, points, reason) in enumerate(p.parts):
        if i:
            text.append("\n")
        text.append(f"{points:>7.2f}  ", style="bold")
        text.append(name.replace("_", " ").ljust(name_width + 1))
        text.append(clean(reason), style="dim")
    if not p.parts:
        text.append("no points", style="italic")
    return text


def balances_text(d: AccountDetail) -> Text:
    """Per currency: balance, overdue, disputed, then the aging buckets."""
    text = Text()
    if not d.balances:
        return Text("Nothing open.", style="italic")
    for i, b in enumerate(d.balances):
        if i:
            text.append("\n")
        text.append(f"{b.currency}  ", style="bold")
        for label, value in (("balance", b.balance), ("overdue", b.overdue), ("disputed", b.disputed)):
            text.append(f"{label} ")
            text.append(money(value, b.currency).plain, style="bold")
            text.append("  ")
        text.append("\n     ")
        for name, value in zip(BUCKETS, b.buckets):
            text.append(f"{name} ", style="dim")
            text.append(money(value, b.currency).plain)
            text.append("  ")
    return text


def promise_rows(d: AccountDetail) -> list[list[Text]]:
    """Promises newest first, each with its standing from the timeline (kept, open, broken ...)."""
    standings = {}
    if d.assessment is not None:
        for s in d.assessment.promises:
            standings[(s.promise.made_on, s.promise.pay_by, s.promise.currency, s.promise.amount_minor)] = s
    rows = []
    for p in d.promises:
        s = standings.get((p.made_on, p.pay_by, p.currency, to_minor(p.amount, p.currency)))
        if p.cancelled_on is not None:
            standing, paid = f"cancelled {p.cancelled_on.isoformat()}", Text("")
        elif s is not None:
            standing = s.status.replace("_", " ")
            paid = Text(display_minor(s.paid_minor, p.currency), justify="right")
        else:
            standing, paid = "", Text("")
        rows.append([_date(p.made_on), _date(p.pay_by), Text(p.currency), money(p.amount, p.currency), paid,
                     Text(standing, style="bold" if standing in ("broken", "partly kept") else ""),
                     literal(", ".join(p.invoices)), literal(p.note)])
    return rows


def plans_text(d: AccountDetail) -> Text:
    """Each plan: its terms and standing, then its instalments on one wrapped line."""
    standings = {}
    if d.assessment is not None:
        standings = {(s.plan.created_on, s.plan.currency): s for s in d.assessment.plans}
    text = Text()
    for i, p in enumerate(d.plans):
        if i:
            text.append("\n")
        s = standings.get((p.created_on, p.currency))
        cur = p.currency
        text.append(f"{p.created_on.isoformat()}  ", style="bold")
        text.append(f"{money(p.total, cur).plain} {cur}, down payment {money(p.down_payment, cur).plain}, "
                    f"{p.instalment_count} {clean(p.frequency)} instalments  ")
        text.append(s.status if s is not None else clean(p.status), style="bold")
        if s is not None:
            text.append(f"  paid {display_minor(s.paid_minor, cur)}")
            if s.next_due:
                text.append(f", next due {s.next_due.isoformat()}")
            if s.defaulted_on:
                text.append(f", defaulted {s.defaulted_on.isoformat()}")
        if p.approved_by:
            text.append(f"  approved by {clean(p.approved_by)}"
                        + (f" on {p.approved_on.isoformat()}" if p.approved_on else ""))
        elif p.status == "pending":
            text.append(f"  awaiting approval ({clean(p.required_role)})")
        if p.note:
            text.append(f"\n  {clean(p.note)}", style="dim")
        if p.instalments:
            text.append("\n  ")
            text.append("  ".join(f"#{x.seq} {x.due_on.isoformat()} {money(x.amount, cur).plain}"
                                  for x in p.instalments))
    return text


def history_text(d: AccountDetail) -> Text:
    """The stage changes, oldest first, on wrapped lines: `2025-05-21 Warning due → ...`."""
    text = Text()
    for i, (day, stage) in enumerate(d.stage_history):
        if i:
            text.append("  →  ", style="dim")
        text.append(day.isoformat(), style="dim")
        text.append(f" {STAGE_LABELS.get(stage, stage)}")
    return text
