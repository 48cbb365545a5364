"""One account in full: where it is on the timeline and why, what it owes, and its whole story.

Top to bottom in the order a collector reads it: name and key; the timeline ladder with the dated
steps ahead; the reason, hold and next action; the priority breakdown; balances with aging; open
invoices; activity; contacts; promises, plans, disputes, escalations and the suspension steps.

What it costs (issue 4: an account visible within 50 ms of `enter` at 100,000 accounts):

* the app has one account screen (`open_account` installs it on first use) and every account,
  `n` / `p` included, is shown on it in place: no screen is composed, styled and laid out per
  account, and going back leaves it mounted (the queue below it was never unmounted either);
* it is five widgets, because style matching, layout, focus changes and painting all cost per
  widget (seven DataTables in a hundred widgets took 0.6 s to appear): the head (name, ladder,
  why) is one `AccountHead`; priority and balances are one `Sections`, the read-only blocks
  (invoices, activity, contacts ...) another, drawn as `Grid`s (`widgets/section.py`), not
  DataTables; the keys are one `KeyBar` (`widgets/keybar.py`), not a `Footer` that composes a
  widget per key again each time the screen is shown;
* the first frame shows what the worklist already knows about the account (`preview`: its
  `QueueRow`: name, stage, reason, next action, flags, balances, priority); the full detail is
  read in a thread worker once that frame is painted (`services.accounts.account_detail`, no SQL
  here, about 20 ms), then replaces the header and fills the sections in one batch;
* no widget's `render` asks for its own size (`AccountHead`, `KeyBar` and `Grid` get the
  width from Rich's render options): during a layout that makes Textual arrange every widget of
  the screen, visible or not.

Every value from the data goes in as literal, cleaned text (`common.literal`, `Text(clean(...))`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.priority import Priority
from arcollect_tui.screens.common import literal, money, number
from arcollect_tui.screens.ladder import LADDER_CLASSES, LadderState, ladder_text
from arcollect_tui.screens.messages import AccountLoaded
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import BUCKETS, AccountDetail, account_detail
from arcollect_tui.services.worklist import QueueRow
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, Assessment
from arcollect_tui.widgets.keybar import KeyBar
from arcollect_tui.widgets.section import Block, Col, Grid, Sections

Neighbours = Callable[[str, int], "str | None"]
"""`neighbours(key, step)`: the key `step` rows away in the queue as shown (+1 next, -1 previous)."""
Preview = Callable[[str], "QueueRow | None"]
"""`preview(key)`: the worklist's row of `key`, if it has one (the first frame is painted from it)."""

LOADING = "Loading invoices, activity and contacts…"
BALANCES = "Balances and aging"
SIDE_BY_SIDE = 140  # priority and balances in two columns from this width (else one under the other)
PREVIEW_WAIT = 0.5  # seconds a load waits at most for the preview's frame
SCREEN_NAME = "account"
"""The name `open_account` installs the app's one account screen under."""
RECENT_ACTIVITIES = 50

HELP = """\
One account as of the date after its key (marked WHAT-IF when the worklist views another date).

**The ladder** shows the eight stages of the collection timeline left to right: Current,
Reminder, Follow-up, Warning due, Warned, Suspension due, Suspended, Referred.  The account's
stage is the coloured chip; the marker under it says since when, and whether a promise, a plan
or disputes hold it there.  Under the ladder: the dated steps ahead (when the next stage or
action becomes possible).

**Why** is the timeline's reason; **Next** is what to do and by when.  **Priority** lists the
parts of the worklist's score and their points (they add up to the total).  Then balances per
currency with aging buckets, open invoices, activity (the latest 50), contacts, promises and
plans with their standing, disputes, escalations, and warnings, suspensions, reinstatements and
referrals with who approved them.

`n` / `p` open the next / previous account of the queue in place (fast triage); `escape` goes
back to the queue.  The page scrolls with the arrow keys, `j` / `k`, `page up` / `page down`,
`home` / `end` and the mouse.
"""

INVOICE_COLUMNS = (Col("invoice"), Col("kind", cut=True), Col("dated"), Col("due"), Col("dpd", "right"),
                   Col("cur"), Col("amount", "right"), Col("open", "right"), Col("disputed", "right"))
ACTIVITY_COLUMNS = (Col("date"), Col("channel", cut=True), Col("outcome", cut=True), Col("contact", wrap=True),
                    Col("note", below=True), Col("follow-up"), Col("by", cut=True))
CONTACT_COLUMNS = (Col("name", wrap=True), Col("role", wrap=True), Col("phone"), Col("email", wrap=True),
                   Col("primary", cut=True))
PROMISE_COLUMNS = (Col("made"), Col("pay by"), Col("cur"), Col("amount", "right"), Col("paid", "right"),
                   Col("standing", cut=True), Col("invoices", wrap=True), Col("note", below=True))
DISPUTE_COLUMNS = (Col("opened"), Col("invoice"), Col("cur"), Col("amount", "right"), Col("reason", wrap=True),
                   Col("routed to", cut=True), Col("owner", wrap=True), Col("status", cut=True), Col("resolved"),
                   Col("note", below=True))
ESCALATION_COLUMNS = (Col("opened"), Col("to", cut=True), Col("reason", wrap=True), Col("owner", wrap=True),
                      Col("closed"), Col("outcome", wrap=True))
STEP_COLUMNS = (Col("date"), Col("step", cut=True), Col("approved by", wrap=True), Col("role", cut=True),
                Col("rule", wrap=True), Col("note", below=True))


class _Head:
    """The head laid out at the width Rich renders it at (the ladder fits itself to it)."""

    def __init__(self, head: AccountHead) -> None:
        self.head = head

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        head = self.head
        yield head.heading
        if head.ladder is not None:
            yield Text("")
            yield ladder_text(head.ladder, max(1, options.max_width), head.get_component_rich_style)
        if head.reasons.plain:
            yield Text("")
            yield head.reasons


class AccountHead(Widget):
    """The top of the page in one widget: name, key and facts; the timeline ladder with the
    coming steps; stage, why, hold, next action and flags (fewer widgets: a faster first frame)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(LADDER_CLASSES)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.heading = Text("Loading…")
        self.ladder: LadderState | None = None
        self.reasons = Text("")

    def show(self, heading: Text, ladder: LadderState | None, reasons: Text) -> None:
        self.heading, self.ladder, self.reasons = heading, ladder, reasons
        self.refresh(layout=True)

    def render(self) -> _Head:
        return _Head(self)


class AccountBody(VerticalScroll):
    """The scrolling page; `j` / `k` scroll like the arrow keys (CONTRACT: j/k move)."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll Down", show=False, id="account.down"),
        Binding("k", "scroll_up", "Scroll Up", show=False, id="account.up"),
    ]


class AccountScreen(Screen[None]):
    # account.tcss, read as this class's default CSS rather than named in CSS_PATH: a screen's
    # CSS_PATH is loaded when the screen is first pushed, and that parses every stylesheet of the
    # app again and restyles every widget of every screen (20-40 ms added to the first `enter`).
    DEFAULT_CSS = (Path(__file__).parent / "account.tcss").read_text(encoding="utf-8")
    HELP = HELP
    AUTO_FOCUS = "#body"

    BINDINGS = [
        Binding("escape", "back", "Back", id="account.back"),
        Binding("n", "neighbour(1)", "Next", id="account.next"),
        Binding("p", "neighbour(-1)", "Previous", id="account.previous"),
    ]

    def __init__(self, session: Session, key: str | None = None, *, neighbours: Neighbours | None = None,
                 preview: Preview | None = None) -> None:
        super().__init__()
        self.session = session
        self.account_key = key
        self.neighbours = neighbours
        self.preview = preview
        self.detail: AccountDetail | None = None
        """The account in full, once loaded (None while the first frame shows only the preview)."""

    # ------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with AccountBody(id="body"):
            yield AccountHead(id="head")
            yield Sections(side_by_side=SIDE_BY_SIDE, id="figures")
            yield Sections(placeholder=LOADING, id="details")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.account_key is not None:
            self._go(self.account_key)

    # ------------------------------------------------------------------------------ showing

    def show(self, session: Session, key: str, *, neighbours: Neighbours | None = None,
             preview: Preview | None = None) -> None:
        """Show account `key` (read with `session`) on this screen, in place."""
        self.session = session
        self.neighbours = neighbours
        self.preview = preview
        self.account_key = key
        if self.is_mounted:
            self._go(key)  # else on_mount does it
            self.refresh_bindings()  # n / p come and go with `neighbours`

    def current_account_key(self) -> str | None:
        """The account shown (the app's `c` logs a call on it)."""
        return self.account_key

    def reload(self) -> None:
        """Read the account shown again (after a write, e.g. a logged call)."""
        if self.account_key is not None:
            self.load(self.account_key)

    def _go(self, key: str) -> None:
        """This frame: what the worklist knows (or "Loading…"); the full detail when it is read."""
        self.detail = None
        self.title = clean(key)
        row = self.preview(key) if self.preview is not None else None
        with self.app.batch_update():
            if row is not None and row.account == key:
                self._show_preview(row)
            else:
                self._show_nothing(key)
            self.query_one("#details", Sections).show(placeholder=LOADING)
            self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        painted = threading.Event()
        self.call_after_refresh(painted.set)
        self.load(key, after=painted)

    def _as_of(self) -> str:
        """`as of DATE`, marked WHAT-IF when it is not the app's today."""
        today = getattr(getattr(self.app, "session", None), "today", self.session.today)
        what_if = "WHAT-IF " if self.session.today != today else ""
        return f"{what_if}as of {self.session.today.isoformat()}"

    def _show_nothing(self, key: str) -> None:
        heading = Text.assemble(("Loading…", "bold"), "   ", clean(key), "   ", (self._as_of(), "dim"))
        self.query_one(AccountHead).show(heading, None, Text(""))
        self.query_one("#figures", Sections).show()

    def _show_preview(self, row: QueueRow) -> None:
        self.query_one(AccountHead).show(title_text(row.name, row.account, self._as_of()),
                                         preview_ladder_state(row), why(glance_of_row(row), self.session.today))
        self.query_one("#figures", Sections).show(
            Block(f"Priority {row.breakdown.score:.2f}", priority_text(row.breakdown)),
            Block(BALANCES, row_balances_text(row)))

    # ------------------------------------------------------------------------------ data

    @work(thread=True, exit_on_error=False, exclusive=True, group="account")
    def load(self, key: str, after: threading.Event | None = None) -> None:
        """Read the account in full; `after`: first wait (a little) until the preview is painted,
        so that this thread does not compete with that frame for the interpreter."""
        from arcollect_tui.services.worklist import priority_settings

        if after is not None:
            after.wait(PREVIEW_WAIT)
        session = self.session
        weights, fx = priority_settings(session.config)
        with session.reading() as db:
            detail = account_detail(db, key, session.today, default_currency=session.config.default_currency,
                                    policy=session.config.policy, weights=weights, fx=fx)
        if not get_current_worker().is_cancelled:
            self.post_message(AccountLoaded(detail))

    def on_account_loaded(self, message: AccountLoaded) -> None:
        d = message.detail
        if d.key != self.account_key or d.as_of != self.session.today:  # an older load that ended late
            return
        self.detail = d
        with self.app.batch_update():  # one repaint for the whole account, not one per section
            self._show(d)

    def _show(self, d: AccountDetail) -> None:
        self.query_one(AccountHead).show(title(d, self._as_of()), ladder_state(d), why(glance_of(d), d.as_of))
        self.query_one("#figures", Sections).show(
            Block(f"Priority {d.priority.score:.2f}" if d.priority else "Priority", priority_text(d.priority)),
            Block(BALANCES, balances_text(d)))
        self.query_one("#details", Sections).show(*detail_blocks(d))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load leaves a sentence in place of the title (the app also notifies)."""
        if event.worker.group == "account" and event.state is WorkerState.ERROR:
            self.query_one(AccountHead).show(Text(clean(str(event.worker.error))), None, Text(""))
            self.query_one("#details", Sections).show(placeholder="")

    # ------------------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`n` / `p` exist only when the queue handed in its order."""
        if action == "neighbour":
            return self.neighbours is not None
        return True

    def action_neighbour(self, step: int) -> None:
        """Show the account `step` rows away in the queue (`n` +1, `p` -1), in place."""
        if self.neighbours is None or self.account_key is None:
            return
        key = self.neighbours(self.account_key, step)
        if key is None:
            self.notify("This is the last account of the queue." if step > 0
                        else "This is the first account of the queue.", markup=False, timeout=2)
            return
        self.account_key = key
        self._go(key)

    def action_back(self) -> None:
        self.app.pop_screen()


def open_account(app: App, session: Session, key: str, *, neighbours: Neighbours | None = None,
                 preview: Preview | None = None) -> AccountScreen:
    """Show `key` on the app's one account screen, installed on first use and updated in place
    after that; pushed unless it is already in the stack (then it shows the account where it is)."""
    if app.is_screen_installed(SCREEN_NAME):
        screen = app.get_screen(SCREEN_NAME, AccountScreen)
    else:
        screen = AccountScreen(session)
        app.install_screen(screen, SCREEN_NAME)
    screen.show(session, key, neighbours=neighbours, preview=preview)
    if screen not in app.screen_stack:
        app.push_screen(screen)
    return screen


# ---------------------------------------------------------------------------------- pieces

def _date(value: dt.date | None) -> Text:
    return Text(value.isoformat() if value else "")


def title_text(name: str, key: str, as_of: str = "") -> Text:
    text = Text()
    text.append(clean(name), style="bold")
    text.append("   ")
    text.append(clean(key))
    if as_of:
        text.append(f"   {as_of}", style="dim")
    return text


def title(d: AccountDetail, as_of: str = "") -> Text:
    """Name, key (and the date it is seen as of), then the account's own facts; all literal."""
    text = title_text(d.name, d.key, as_of)
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


def ladder_hold(a: Assessment) -> str | None:
    """The hold as the ladder's marker says it: `promise ... , until DATE`."""
    if a.hold is None:
        return None
    return a.hold.text + (f", until {a.hold.until.isoformat()}" if a.hold.until else "")


def ladder_state(d: AccountDetail) -> LadderState | None:
    a = d.assessment
    if a is None:
        return None
    since = at_least = None
    if d.stage_history and d.stage_history[-1][1] == a.stage:
        since = d.stage_history[-1][0]
        at_least = len(d.stage_history) == 1
    return LadderState(a.stage, since, bool(at_least), ladder_hold(a), tuple((c.on, c.text) for c in a.coming))


def preview_ladder_state(row: QueueRow) -> LadderState:
    """The stage (and the hold) as the worklist has them; since when and the coming steps follow."""
    a = row.assessment
    if a is not None:
        return LadderState(a.stage, hold=ladder_hold(a), coming=tuple((c.on, c.text) for c in a.coming))
    return LadderState(row.stage, hold=row.hold)


@dataclass(frozen=True)
class Glance:
    """The lines under the ladder: from the full detail, or at once from the worklist's row."""

    stage_label: str | None            # None: the account is not on the timeline (no policy)
    dpd: int
    reason: str = ""
    hold: str | None = None            # the whole hold line
    next_action: str | None = None
    next_action_due: dt.date | None = None
    flags: tuple[str, ...] = ()
    last_contact: dt.date | None = None
    follow_up_on: dt.date | None = None


def glance_of_assessment(a: Assessment) -> Glance:
    hold = None
    if a.hold is not None:
        until = f", until {a.hold.until.isoformat()})" if a.hold.until else ", until the disputes are resolved)"
        hold = f"{a.hold.text} (since {a.hold.since.isoformat()}{until}"
    return Glance(a.label, a.dpd, a.reason, hold, a.next_action, a.next_action_due, a.flags, a.last_contact,
                  a.follow_up_on)


def glance_of(d: AccountDetail) -> Glance:
    return Glance(None, d.days_past_due) if d.assessment is None else glance_of_assessment(d.assessment)


def glance_of_row(row: QueueRow) -> Glance:
    """A row read back from the worklist's cache has no assessment: its hold is only the kind."""
    if row.assessment is not None:
        return glance_of_assessment(row.assessment)
    return Glance(row.stage_label, row.days_past_due, row.reason, row.hold, row.next_action, row.next_action_due,
                  row.flags, row.last_contact)


def why(g: Glance, as_of: dt.date) -> Text:
    """Stage, reason, hold, next action and flags: the lines a collector acts on."""
    text = Text()
    if g.stage_label is None:
        text.append(f"Days past due: {g.dpd}")
        return text
    text.append("Stage  ", style="bold")
    text.append(g.stage_label)
    text.append(f"   {g.dpd} days past due" if g.dpd else "   nothing past due")
    text.append("\nWhy    ", style="bold")
    text.append(clean(g.reason))
    if g.hold is not None:
        text.append("\nHold   ", style="bold")
        text.append(clean(g.hold))
    text.append("\nNext   ", style="bold")
    if g.next_action:
        text.append(clean(g.next_action))
        if g.next_action_due:
            due = g.next_action_due
            late = (as_of - due).days
            text.append(f"  by {due.isoformat()}", style="bold")
            if late > 0:
                text.append(f" ({late} days overdue)")
            elif late == 0:
                text.append(" (today)")
    else:
        text.append("nothing to do")
    if g.flags:
        text.append("\nFlags  ", style="bold")
        text.append(", ".join(f.replace("_", " ") for f in g.flags))
    contact = []
    if g.last_contact:
        contact.append(f"last contact {g.last_contact.isoformat()}")
    if g.follow_up_on:
        contact.append(f"follow-up {g.follow_up_on.isoformat()}")
    if contact:
        text.append("\n       " + " · ".join(contact), style="dim")
    return text


def priority_text(p: Priority | None) -> Text:
    """One line per part: points right-aligned, the part, why; they add up to the score."""
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


def _totals(text: Text, currency: str, balance, overdue, disputed) -> None:  # type: ignore[no-untyped-def]
    text.append(f"{currency}  ", style="bold")
    for label, value in (("balance", balance), ("overdue", overdue), ("disputed", disputed)):
        text.append(f"{label} ")
        text.append(money(value, currency).plain, style="bold")
        text.append("  ")


def balances_text(d: AccountDetail) -> Text:
    """Per currency: balance, overdue, disputed, then the aging buckets."""
    text = Text()
    if not d.balances:
        return Text("Nothing open.", style="italic")
    for i, b in enumerate(d.balances):
        if i:
            text.append("\n")
        _totals(text, b.currency, b.balance, b.overdue, b.disputed)
        text.append("\n     ")
        for name, value in zip(BUCKETS, b.buckets):
            text.append(f"{name} ", style="dim")
            text.append(money(value, b.currency).plain)
            text.append("  ")
    return text


def row_balances_text(row: QueueRow) -> Text:
    """The worklist's figures (its main currency); the aging buckets come with the detail."""
    text = Text()
    _totals(text, row.currency, row.balance, row.overdue, row.disputed)
    return text


def detail_blocks(d: AccountDetail) -> list[Block]:
    """Invoices, activity and contacts always ("none" when empty); the other blocks when they
    have something to show."""
    def grid(columns: Sequence[Col], rows: list[list[Text]]) -> Grid | None:
        return Grid(columns, rows) if rows else None

    shown = d.activities[:RECENT_ACTIVITIES]
    blocks = [
        Block("Open invoices", grid(INVOICE_COLUMNS, invoice_rows(d))),
        Block("Activity" + (f" (the latest {len(shown)} of {len(d.activities)})" if len(shown) < len(d.activities)
                            else ""), grid(ACTIVITY_COLUMNS, activity_rows(shown))),
        Block("Contacts", grid(CONTACT_COLUMNS, [
            [literal(c.name), literal(c.role), literal(c.phone), literal(c.email), Text("yes" if c.primary else "")]
            for c in d.contacts])),
    ]
    optional = (
        ("Promises", grid(PROMISE_COLUMNS, promise_rows(d))),
        ("Payment plans", plans_text(d) if d.plans else None),
        ("Disputes", grid(DISPUTE_COLUMNS, [
            [_date(s.opened_on), literal(s.invoice), Text(s.currency), money(s.amount, s.currency),
             literal(s.reason), literal(s.routed_to), literal(s.owner), literal(s.status), _date(s.resolved_on),
             literal(s.note)]
            for s in d.disputes])),
        ("Escalations", grid(ESCALATION_COLUMNS, [
            [_date(e.opened_on), literal(e.target), literal(e.reason), literal(e.owner), _date(e.closed_on),
             literal(e.outcome)]
            for e in d.escalations])),
        ("Warnings, suspensions, reinstatements, referrals", grid(STEP_COLUMNS, step_rows(d))),
        ("Stage history", history_text(d) if d.stage_history else None),
    )
    blocks += [Block(heading, body) for heading, body in optional if body is not None]
    return blocks


def invoice_rows(d: AccountDetail) -> list[list[Text]]:
    return [[literal(i.number), Text("credit note" if i.kind == "credit_note" else ""),
             Text(i.invoice_date.isoformat()), Text(i.due_date.isoformat()), number(i.days_past_due),
             Text(i.currency), money(i.amount, i.currency), money(i.open_amount, i.currency),
             money(i.disputed, i.currency) if i.disputed else Text("")]
            for i in d.open_invoices]


def activity_rows(activities: Iterable) -> list[list[Text]]:  # type: ignore[type-arg]
    return [[_date(a.occurred_on), literal(a.channel), literal(a.outcome), literal(a.contact), literal(a.note),
             _date(a.follow_up_on), literal(a.user)]
            for a in activities]


def step_rows(d: AccountDetail) -> list[list[Text]]:
    return [[_date(e.on_date), literal(e.kind), literal(e.approved_by), literal(e.approver_role), literal(e.rule),
             literal(e.note)]
            for e in d.suspension_events]


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
