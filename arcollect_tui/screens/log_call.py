"""The call-log form: `c` on the worklist or an account logs a call (or an email, a meeting, a note).

The keyboard starts on the outcome: `1`-`8` pick the CONTRACT's eight outcomes in its order
(`9` sent and `0` other follow, for emails and notes) whenever a text field does not have focus;
`ctrl+s` saves, `ctrl+n` saves and goes to the next account, `escape` cancels.  The common case,
no answer with a follow-up in two days, is `c` `1` `ctrl+s`.

Validation runs as you type: each date shows what it was read as (`shortdates.parse_when`), an
amount is checked in the currency's minor digits (`money.parse_amount`), and nothing is saved
while anything is wrong.  The follow-up date is proposed from the outcome (`[policy.follow_up_days]`;
for a promise, counted from its pay-by date) and follows the outcome until the collector edits it.

Decisions:

* **The form saves, then closes.**  The write (`services.actions.log_activity`) runs in a thread
  worker while the form is still open; the form is dismissed with the result only when it is
  written.  A refusal by the service (InputError) is shown in the form and nothing typed is lost.
  `escape` is refused while a save is running, so "cancel" never races a write that lands anyway.
* **A new contact name** cannot be recorded as a contact (`log_activity` only takes the account's
  contacts); the form keeps it at the head of the note, `Contact: NAME (new).`, and logs the
  activity without a contact.
* **Data the form needs** (contacts, the promise currency and amount) is read in a worker through
  `services.forms.call_form`; a `ctrl+s` pressed before it arrives saves as soon as it does.
* Calls are logged *as of today*: on a what-if date `c` says so and opens nothing.
* **Keys in one burst** (fast typing, a paste, `tmux send-keys c 4 Tab fri C-s`) land where they
  were meant to: see the note on `LogCallScreen.BINDINGS`; keys that come before the fields exist
  wait for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from arcollect_tui.errors import InputError
from arcollect_tui.money import MoneyError, display_minor, format_minor, parse_amount, to_minor
from arcollect_tui.screens.session import Session
from arcollect_tui.services.actions import CHANNELS, EXTRA_OUTCOMES, OUTCOMES, LogResult
from arcollect_tui.services.forms import CallForm
from arcollect_tui.shortdates import describe, parse_when
from arcollect_tui.text import clean

# Keys 1-8: the CONTRACT's outcomes in its order; 9 and 0: the extra outcomes of `log`.
OUTCOME_KEYS: dict[str, str] = {
    **{str(i): code for i, code in enumerate(OUTCOMES, 1)},
    "9": EXTRA_OUTCOMES[0], "0": EXTRA_OUTCOMES[1],
}
OUTCOME_LABELS: dict[str, str] = {
    "no_answer": "No answer", "voicemail": "Voicemail", "reached": "Reached", "promise": "Promise to pay",
    "refused": "Refused", "dispute": "Dispute", "wrong_contact": "Wrong contact", "paid_claimed": "Says paid",
    "sent": "Sent", "other": "Other",
}
# The fields in `tab` order (the order on screen).
FIELD_ORDER: tuple[str, ...] = (
    "outcome", "pay-by", "amount", "follow-up", "contact", "new-contact", "channel", "note")
NONE_CONTACT = "\x00none"
NEW_CONTACT = "\x00new"

HELP = """\
Log what happened on this account, dated today.

**Outcome** first: `1` no answer, `2` voicemail, `3` reached, `4` promise to pay, `5` refused,
`6` dispute, `7` wrong contact, `8` says paid (`9` sent, `0` other, for emails and notes).  The
number keys work whenever a text field does not have the cursor; `left` / `right` also move
through the choices, `tab` / `shift+tab` between the fields.

**Follow-up** is proposed from the outcome (the `[policy.follow_up_days]` setting; for a
promise, from its pay-by date) until you type your own.  Dates: `2026-11-27`, `27 nov`, `+3d`,
`+2w`, `+1m`, `today`, `tomorrow` / `tmr`, a weekday (`fri`: the next one after today), `eow`
(this week's Friday), `eom` (the month's last day, today on that day).  Leave it empty for no
follow-up.  What a date was read as shows beside it as you type.

**Promise to pay**: the amount (proposed: what is past due and not in dispute, in the account's
main currency, in its minor digits: none for JPY) and the date it will be paid by.

`ctrl+s` saves, `ctrl+n` saves and opens the next account of the queue, `escape` cancels
(nothing is saved).  Nothing is saved while a field is wrong: the form says what to fix.
"""


# ------------------------------------------------------------------------------------ results

@dataclass(frozen=True)
class CallDraft:
    """What the form will write: plain values, checked."""

    key: str
    outcome: str
    channel: str
    contact: str | None
    note: str | None
    follow_up: dt.date | None
    promise_amount: Decimal | None = None
    promise_on: dt.date | None = None


@dataclass(frozen=True)
class CallSaved:
    """The form's result: what was written, and whether the collector asked for the next account."""

    result: LogResult
    and_next: bool


@dataclass
class CallFormLoaded(Message):
    form: CallForm


@dataclass
class CallLogged(Message):
    saved: CallSaved


@dataclass
class CallNotLogged(Message):
    problems: list[str]


# ------------------------------------------------------------------------------------ a choice

@dataclass(frozen=True)
class Option:
    value: str
    label: str          # shown literally (contact names are untrusted)
    key: str = ""       # the key that picks it, shown before the label


class Choice(Widget, can_focus=True):
    """One of a few options laid out as chips over as many lines as the width needs.

    `left` / `right` (or a click) change the choice; the screen binds any number keys.  Labels are
    literal `Content`, never markup.
    """

    DEFAULT_CSS = """
    Choice {
        height: auto;
        width: 1fr;
    }
    """
    BINDINGS = [
        Binding("left", "step(-1)", "Previous choice", show=False, id="choice.previous"),
        Binding("right", "step(1)", "Next choice", show=False, id="choice.next"),
    ]

    @dataclass
    class Changed(Message):
        choice: Choice
        value: str | None

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[Option], *, value: str | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options: tuple[Option, ...] = tuple(options)
        self._index = self._index_of(value)
        self._regions: list[tuple[int, int, int, int]] = []   # (line, start, end, option index)

    @property
    def value(self) -> str | None:
        return None if self._index is None else self.options[self._index].value

    def _index_of(self, value: str | None) -> int | None:
        return next((i for i, o in enumerate(self.options) if o.value == value), None)

    def select(self, value: str | None) -> None:
        """Choose `value` (None: nothing chosen); posts Changed when the choice changes."""
        index = self._index_of(value)
        if index != self._index:
            self._index = index
            self.refresh()
            self.post_message(self.Changed(self, self.value))

    def set_options(self, options: Sequence[Option], value: str | None) -> None:
        self.options = tuple(options)
        self._index = None
        self.refresh(layout=True)
        self.select(value)

    def action_step(self, step: int) -> None:
        if not self.options:
            return
        index = 0 if self._index is None and step > 0 else (len(self.options) - 1 if self._index is None
                                                             else (self._index + step) % len(self.options))
        self.select(self.options[index].value)

    def _chip(self, i: int) -> Content:
        option = self.options[i]
        label = clean(option.label)
        if i == self._index:
            style = "bold reverse $accent" if self.has_focus else "bold reverse"
            return Content.styled(f" {option.key} {label} " if option.key else f" {label} ", style)
        if option.key:
            return Content.assemble(" ", (option.key, "bold $accent"), f" {label} ")
        return Content(f" {label} ")

    def _lines(self, width: int) -> list[list[tuple[int, Content]]]:
        lines: list[list[tuple[int, Content]]] = [[]]
        used = 0
        for i in range(len(self.options)):
            chip = self._chip(i)
            size = chip.cell_length
            if lines[-1] and used + 1 + size > width:
                lines.append([])
                used = 0
            used += size + (1 if lines[-1] else 0)
            lines[-1].append((i, chip))
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(max(1, width))))

    def render(self) -> Content:
        out: list[Content] = []
        self._regions = []
        for n, line in enumerate(self._lines(max(1, self.size.width))):
            x = 0
            pieces: list[Content] = []
            for i, chip in line:
                if pieces:
                    pieces.append(Content(" "))
                    x += 1
                self._regions.append((n, x, x + chip.cell_length, i))
                pieces.append(chip)
                x += chip.cell_length
            out.append(Content.assemble(*pieces))
        return Content("\n").join(out)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for line, start, end, i in self._regions:
            if line == offset.y and start <= offset.x < end:
                self.select(self.options[i].value)
                return

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


# ------------------------------------------------------------------------------------ the form

def _row(label: str, *widgets: Widget, id: str | None = None, spaced: bool = False) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), *widgets, classes="field -spaced" if spaced else "field",
                      id=id)


class LogCallScreen(ModalScreen["CallSaved | None"]):
    CSS_PATH = "log_call.tcss"
    HELP = HELP
    TITLE = "Log a call"
    AUTO_FOCUS = None  # on_mount focuses the outcome before replaying early keys

    # Keys typed (or sent by a script) in one burst, `c 4 tab fri ctrl+s`, must land where they
    # were meant to.  Textual routes a key to the focused widget's queue and runs its bindings
    # there, in order; priority bindings run at once, as the key arrives.  So the keys that
    # decide where the next keys go (the outcome, which shows or hides fields, and tab) are
    # priority; save and cancel are not, so that they come after the text typed before them.
    # A text field still takes the digits typed into it (Textual drops bindings on keys a
    # focused Input uses).
    BINDINGS = [
        Binding("ctrl+s", "save(False)", "Save", id="log_call.save"),
        Binding("ctrl+n", "save(True)", "Save and next", id="log_call.save_next"),
        Binding("escape", "cancel", "Cancel", id="log_call.cancel"),
        Binding("tab", "focus_field(1)", "Next field", show=False, priority=True, id="log_call.next_field"),
        Binding("shift+tab", "focus_field(-1)", "Previous field", show=False, priority=True,
                id="log_call.previous_field"),
        # A modal screen hides the app's own keys: help is asked for here.
        Binding("question_mark", "app.help", "Help", id="log_call.help"),
        *[Binding(key, f"outcome('{code}')", OUTCOME_LABELS[code], show=False, priority=True,
                  id=f"log_call.outcome_{key}")
          for key, code in OUTCOME_KEYS.items()],
    ]

    def __init__(self, session: Session, key: str) -> None:
        super().__init__()
        self.session = session
        self.account_key = key
        self.today = session.today
        self.date_order = session.config.import_.date_order
        self.follow_up_days = session.config.policy.follow_up_days
        self.form: CallForm | None = None
        self.saving = False
        self._pending_save: bool | None = None     # ctrl+s before the data came: save when it does
        self._attempted = False                    # a save was tried: show every problem
        self._auto: dict[str, str] = {}            # input id -> the value the form proposed
        self._load_failed: str | None = None
        self._ready = False                        # mounted: the fields exist
        self._settled = False                      # and the keys sent before that have arrived
        self._early: list[tuple[Callable[..., None], tuple[object, ...]]] = []

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="log-call"):
            yield Static(self._title(), id="lc-title")
            yield _row("Outcome", Choice([Option(code, OUTCOME_LABELS[code], key)
                                          for key, code in OUTCOME_KEYS.items()], id="outcome"), spaced=True)
            yield _row("Pay by", Input(placeholder="fri, +1w, 2026-12-04", id="pay-by"),
                       Static(id="pay-by-hint", classes="hint"), id="pay-by-row")
            yield _row("Amount", Input(placeholder="amount", id="amount"),
                       Static(id="amount-hint", classes="hint"), id="amount-row")
            yield _row("Follow-up", Input(placeholder="none", id="follow-up"),
                       Static(id="follow-up-hint", classes="hint"))
            yield _row("Contact", Choice([Option(NONE_CONTACT, "(loading…)")], id="contact"))
            yield _row("New name", Input(placeholder="the person you spoke to", id="new-contact"),
                       id="new-contact-row")
            yield _row("Channel", Choice([Option(c, c) for c in CHANNELS], value="call", id="channel"))
            yield _row("Note", Input(placeholder="what was said", id="note"))
            yield Static(id="lc-status")
        yield Footer()

    def _title(self) -> Content:
        form = self.form
        head = Content.styled("Log a call", "bold $primary")
        if form is None:
            return Content.assemble(head, "  ", (clean(self.account_key), "bold"))
        cur = form.currency
        owed = (f"{cur} {display_minor(to_minor(form.overdue, cur), cur)} past due" if form.overdue
                else f"{cur} {display_minor(to_minor(form.balance, cur), cur)} open")
        return Content.assemble(head, "  ", (clean(form.key), "bold"), "  ", clean(form.name),
                                ("  ·  ", "dim"), f"{form.stage_label}, {owed}")

    def on_mount(self) -> None:
        self.query_one("#pay-by-row").display = False
        self.query_one("#amount-row").display = False
        self.query_one("#new-contact-row").display = False
        self.set_focus(self.query_one("#outcome"))
        self.validate()
        self.load()
        self._ready = True
        for action, args in self._early:
            action(*args)
        self._early.clear()
        self.call_later(self._settle)  # after the keys already queued for this screen

    def _settle(self) -> None:
        self._settled = True

    def _too_early(self, action: Callable[..., None], *args: object) -> bool:
        """Keep a key that came before the fields exist (`c 1 ctrl+s` in one burst) for on_mount."""
        if self._ready:
            return False
        self._early.append((action, args))
        return True

    def on_key(self, event: events.Key) -> None:
        """Characters typed in the burst that opened the form reached the screen itself (no field
        had focus yet): they belong to the field that has it once the earlier keys are done."""
        if self._settled or not (event.character and event.character.isprintable()):
            return
        event.stop()
        if not self._ready:
            self._early.append((self._type, (event.character,)))
        else:
            self._type(event.character)

    def _type(self, character: str) -> None:
        if isinstance(self.focused, Input):
            self.focused.insert_text_at_cursor(character)

    def action_focus_field(self, step: int) -> None:
        """`tab` / `shift+tab` through the fields shown, in the form's order.

        The form keeps its own order: Textual's focus chain sorts by layout position, which a
        row shown a moment ago (`4` shows the promise's fields) does not have until the next
        refresh, and a `tab` typed right after the `4` must already go to the pay-by date.
        """
        if self._too_early(self.action_focus_field, step):
            return
        fields = [w for w in (self.query_one(f"#{name}") for name in FIELD_ORDER)
                  if w.display and (w.parent is None or w.parent.display)]
        if not fields:
            return
        at = fields.index(self.focused) if self.focused in fields else (-1 if step > 0 else 0)
        self.set_focus(fields[(at + step) % len(fields)])

    # -- data ---------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, group="log-call-load")
    def load(self) -> None:
        from arcollect_tui.services.forms import call_form

        session = self.session
        with session.reading() as db:
            form = call_form(db, self.account_key, self.today, policy=session.config.policy,
                             default_currency=session.config.default_currency)
        self.post_message(CallFormLoaded(form))

    def on_call_form_loaded(self, message: CallFormLoaded) -> None:
        form = self.form = message.form
        self.query_one("#lc-title", Static).update(self._title())
        options = [Option(c.name, c.name + (f" ({c.role})" if c.role else "") + (" ★" if c.primary else ""))
                   for c in form.contacts]
        options += [Option(NONE_CONTACT, "nobody named"), Option(NEW_CONTACT, "new name…")]
        self.query_one("#contact", Choice).set_options(options, options[0].value)
        self._propose("amount", format_minor(to_minor(form.suggested_promise, form.currency), form.currency)
                      if form.suggested_promise > 0 else "")
        self.validate()
        if self._pending_save is not None:
            and_next, self._pending_save = self._pending_save, None
            self.action_save(and_next)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read or write is said in the form (literal text), never a crash."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = clean(str(error)) or type(error).__name__
        if event.worker.group == "log-call-load":
            self._load_failed = text
            self._pending_save = None
            what = "load the account"
        else:
            self.saving = False
            what = "save"
        self._status(Content.styled(f"Could not {what}: {text}", "$error"))

    # -- as you type ----------------------------------------------------------------------------

    def _value(self, id: str) -> str:
        return self.query_one(f"#{id}", Input).value

    def _propose(self, id: str, value: str) -> None:
        """Put the form's proposal in a field, unless the collector has typed there."""
        field = self.query_one(f"#{id}", Input)
        if field.value == self._auto.get(id, ""):
            self._auto[id] = value
            field.value = value

    def _follow_up_proposal(self) -> str:
        outcome = self.query_one("#outcome", Choice).value
        if outcome is None:
            return ""
        days = self.follow_up_days.for_outcome(outcome)
        if days is None:
            return ""
        if outcome == "promise":
            try:
                pay_by = parse_when(self._value("pay-by"), self.today, date_order=self.date_order)
            except ValueError:
                return ""
            return (pay_by + dt.timedelta(days=days)).isoformat()
        return (self.today + dt.timedelta(days=days)).isoformat()

    def action_outcome(self, code: str) -> None:
        if self._too_early(self.action_outcome, code):
            return
        self.query_one("#outcome", Choice).select(code)
        self._outcome_changed()  # now, not when the message arrives: a ctrl+s may come first

    @on(Choice.Changed, "#outcome")
    def _outcome_changed(self) -> None:
        promise = self.query_one("#outcome", Choice).value == "promise"
        self.query_one("#pay-by-row").display = promise
        self.query_one("#amount-row").display = promise
        self._propose("follow-up", self._follow_up_proposal())
        self.validate()

    @on(Choice.Changed, "#contact")
    def _contact_changed(self) -> None:
        self.query_one("#new-contact-row").display = self.query_one("#contact", Choice).value == NEW_CONTACT
        self.validate()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id == "pay-by":
            self._propose("follow-up", self._follow_up_proposal())
        self.validate()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    # -- checking -------------------------------------------------------------------------------

    def _date(self, id: str, label: str, problems: list[str], *, required: bool) -> dt.date | None:
        text = self._value(id).strip()
        hint = self.query_one(f"#{id}-hint", Static)
        day: dt.date | None = None
        problem = None
        if not text:
            if required:
                problems.append(f"{label}: missing: a promise needs the date it will be paid by")
            hint.update(Content.styled("required", "$error" if self._attempted else "")
                        if required else Content("no follow-up"))
        else:
            try:
                day = parse_when(text, self.today, date_order=self.date_order)
            except ValueError as exc:
                problem = f"{label}: {clean(str(exc))}"
            else:
                if day < self.today:
                    problem = (f"{label}: {day.isoformat()} is before today ({self.today.isoformat()}): "
                               "expected today or later")
                    day = None
                else:
                    hint.update(Content(f"→ {describe(day, self.today)}"))
        if problem:
            hint.update(Content.styled(problem.split(": ", 1)[1], "$error"))
            problems.append(problem)
        self.query_one(f"#{id}", Input).set_class(problem is not None, "-problem")
        return day

    def _amount(self, problems: list[str]) -> Decimal | None:
        hint = self.query_one("#amount-hint", Static)
        form = self.form
        text = self._value("amount").strip()
        problem = None
        value: Decimal | None = None
        if form is None:
            hint.update(Content("loading…"))
            return None
        currency = form.currency
        overdue = display_minor(to_minor(form.overdue, currency), currency)
        if not text:
            problems.append(f"Amount: missing: a promise needs the amount, in {currency}")
            hint.update(Content.styled(f"required, in {currency} (past due {overdue})",
                                       "$error" if self._attempted else ""))
        else:
            try:
                value = parse_amount(text, currency)
                to_minor(value, currency)
                if value <= 0:
                    problem = f"Amount: {text}: expected an amount above zero"
            except MoneyError as exc:
                problem = f"Amount: {clean(str(exc))}"
        if problem:
            hint.update(Content.styled(problem.split(": ", 1)[1], "$error"))
            problems.append(problem)
            value = None
        elif value is not None:
            hint.update(Content(f"{currency} {display_minor(to_minor(value, currency), currency)}"
                                f"  (past due {overdue})"))
        self.query_one("#amount", Input).set_class(problem is not None, "-problem")
        return value

    def validate(self) -> tuple[CallDraft | None, list[str]]:
        """Check every field, show what each says, and return the draft when nothing is wrong."""
        problems: list[str] = []
        outcome = self.query_one("#outcome", Choice).value
        if outcome is None:
            problems.append("Outcome: choose one (keys 1-8)")
        promise_on = amount = None
        if outcome == "promise":
            promise_on = self._date("pay-by", "Pay by", problems, required=True)
            amount = self._amount(problems)
        follow_up = self._date("follow-up", "Follow-up", problems, required=False)
        contact_choice = self.query_one("#contact", Choice).value
        note = clean(self._value("note")).strip() or None
        contact: str | None = None
        if self.form is None:
            problems.append(f"Account: {self._load_failed or 'still loading'}")
        elif contact_choice == NEW_CONTACT:
            name = clean(self._value("new-contact")).strip()
            if not name:
                problems.append("New name: missing: type the name of the person, or pick a contact")
            else:
                note = f"Contact: {name} (new)." + (f" {note}" if note else "")
        elif contact_choice not in (None, NONE_CONTACT):
            contact = contact_choice
        self._show_problems(problems)
        if problems or outcome is None:
            return None, problems
        return CallDraft(self.account_key, outcome, self.query_one("#channel", Choice).value or "call",
                         contact, note, follow_up, amount, promise_on), []

    def _status(self, content: Content) -> None:
        self.query_one("#lc-status", Static).update(content)

    def _show_problems(self, problems: list[str]) -> None:
        if self.saving:
            return
        if not problems:
            self._status(Content.styled("Ready: ctrl+s saves, ctrl+n saves and opens the next account", "$success"))
        elif self._attempted:
            self._status(Content.styled("Not saved: " + "; ".join(problems), "$error"))
        else:  # before a save is tried, what is only missing is a to-do, not an error
            todo = [p for p in problems if p.startswith("Outcome:") or ": missing:" in p]
            wrong = [p for p in problems if p not in todo and not p.startswith("Account: still loading")]
            if wrong:
                self._status(Content.styled("; ".join(wrong), "$error"))
            elif any(p.startswith("Outcome:") for p in todo):
                self._status(Content("Choose the outcome: keys 1-8"))
            else:
                self._status(Content("To save, fill in: " + ", ".join(p.split(":", 1)[0].lower() for p in todo)))

    # -- saving -------------------------------------------------------------------------------

    def action_save(self, and_next: bool = False) -> None:
        if self._too_early(self.action_save, and_next) or self.saving:
            return
        if self.form is None and self._load_failed is None:
            self._pending_save = and_next
            self._status(Content("Saving when the account has loaded…"))
            return
        self._attempted = True
        draft, problems = self.validate()
        if draft is None:
            self._focus_first_problem(problems)
            return
        self.saving = True
        self._status(Content("Saving…"))
        self.save(draft, and_next)

    def _focus_first_problem(self, problems: list[str]) -> None:
        fields = {"Outcome": "#outcome", "Pay by": "#pay-by", "Amount": "#amount", "Follow-up": "#follow-up",
                  "New name": "#new-contact"}
        for problem in problems:
            target = fields.get(problem.split(":", 1)[0])
            if target:
                try:
                    self.set_focus(self.query_one(target))
                except NoMatches:
                    pass
                return

    @work(thread=True, exit_on_error=False, group="log-call-save")
    def save(self, draft: CallDraft, and_next: bool) -> None:
        from arcollect_tui.services.actions import log_activity

        session = self.session
        config = session.config
        try:
            with session.reading() as db:
                result = log_activity(
                    db, draft.key, today=self.today, user=config.user_name, policy=config.policy,
                    outcome=draft.outcome, channel=draft.channel, contact=draft.contact, note=draft.note,
                    follow_up=draft.follow_up, promise_amount=draft.promise_amount, promise_on=draft.promise_on,
                    default_currency=config.default_currency)
        except InputError as exc:
            self.post_message(CallNotLogged(exc.problems))
            return
        self.post_message(CallLogged(CallSaved(result, and_next)))

    def on_call_logged(self, message: CallLogged) -> None:
        self.saving = False
        self.dismiss(message.saved)

    def on_call_not_logged(self, message: CallNotLogged) -> None:
        self.saving = False
        self._status(Content.styled("Not saved: " + "; ".join(clean(p) for p in message.problems), "$error"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return not self.saving
        return True

    def action_cancel(self) -> None:
        if self._too_early(self.action_cancel):
            return
        if not self.saving:
            self.dismiss(None)


# ------------------------------------------------------------------------------------ wiring

def saved_text(saved: CallSaved) -> str:
    """The notice after a save, e.g. `K001: no answer logged; follow up Wed 25 Nov 2026, in 2 days`."""
    r = saved.result
    parts = [f"{clean(r.account)}: {OUTCOME_LABELS.get(r.outcome, r.outcome).lower()} logged"]
    if r.promise_amount is not None and r.promise_currency and r.promise_on:
        amount = display_minor(to_minor(r.promise_amount, r.promise_currency), r.promise_currency)
        parts.append(f"promise of {r.promise_currency} {amount} by {r.promise_on.isoformat()}")
    if r.follow_up_on:
        parts.append(f"follow up {describe(r.follow_up_on, r.occurred_on)}")
    return "; ".join(parts)


def open_log_call(app: App, screen: Screen, session: Session) -> None:
    """`c`: open the form on the active screen's account (`current_account_key()`), then refresh.

    After a save the screen is told through `call_logged(key, and_next)` when it has that method
    (the worklist: reload, keeping the cursor, or open the next account); otherwise an account
    screen reloads (`load(key)`) or, for "save and next", moves on with `action_neighbour(1)`.
    Worklists further down the stack reload when they are shown again (`mark_stale()`).
    """
    key_of = getattr(screen, "current_account_key", None)
    if not callable(key_of):
        return
    key = key_of()
    if key is None:
        app.notify("No account is highlighted.", markup=False, timeout=3)
        return
    as_of = getattr(screen, "as_of", None) or getattr(getattr(screen, "session", None), "today", None)
    if as_of is not None and as_of != session.today:
        app.notify(f"Calls are logged as of today ({session.today}): leave the what-if date first (escape).",
                   markup=False, severity="warning", timeout=5)
        return

    def done(saved: CallSaved | None) -> None:
        if saved is None:
            return
        app.notify(saved_text(saved), title="Logged", markup=False, timeout=4)
        for other in app.screen_stack:
            if other is not screen and callable(getattr(other, "mark_stale", None)):
                other.mark_stale()
        handler = getattr(screen, "call_logged", None)
        if callable(handler):
            handler(key, saved.and_next)
            return
        if saved.and_next and callable(getattr(screen, "action_neighbour", None)) \
                and screen.check_action("neighbour", (1,)) is not False:
            screen.action_neighbour(1)
            if getattr(screen, "account_key", None) != key:
                return  # moved on: the next account is loading
        if callable(getattr(screen, "reload", None)):
            screen.reload()
        elif callable(getattr(screen, "load", None)):
            screen.load(getattr(screen, "account_key", key))

    app.push_screen(LogCallScreen(session, key), done)
