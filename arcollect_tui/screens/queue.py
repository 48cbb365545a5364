"""The worklist: every account with an open item, in priority order, coloured by its stage.

What it costs at 100,000 accounts:

* one worker loads `services.worklist.queue(..., include_all=True)` and prepares, per row, a
  small bit mask of the quick filters it belongs to (`Prepared`); the UI thread then does no work
  per row to show the list;
* the table (`VirtualTable`) gets a lazy `QueueView`: a row is formatted only when the table
  reads it (the lines on screen);
* `/` filters in memory: a lowercase "key name" string per row, built once on the first
  keystroke, and a list comprehension per keystroke (about 10 ms at 100k rows).  Accounts
  found by invoice number or contact name come from `services.search` in an exclusive worker
  and are merged in when they arrive;
* quick filters and their counts are masks over the filtered rows; switching needs no reload.

The cursor stays on its account through a reload, a filter or a sort (`VirtualTable.set_rows`
with `QueueView.index_of_key`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, overload

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.app import SystemCommand
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from arcollect_tui.widgets.keybar import KeyBar
from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.screens.common import DateQuestion, SummaryBar, keep_from_collector, report_failure
from arcollect_tui.screens.messages import QueueLoaded, SearchMatched
from arcollect_tui.screens.session import Session
from arcollect_tui.screens.welcome import Welcome
from arcollect_tui.services.worklist import QueueRow
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, STAGES
from arcollect_tui.widgets.virtual_table import Column, Row, VirtualTable

# -- quick filters ------------------------------------------------------------------------------

FILTERS: tuple[str, ...] = ("needs", "today", "overdue", "hold", "all")
# The first load shows this many of the most urgent rows first (from the worklist cache's index),
# then the whole list: the first paint does not wait for 100,000 rows.
FIRST_PAGE = 200
FILTER_LABELS: dict[str, str] = {
    "needs": "Needs action", "today": "Due today", "overdue": "Overdue", "hold": "On hold", "all": "All",
}
BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FILTERS)}

# One character per flag (timeline.FLAGS); the legend is in the screen's help.
FLAG_SYMBOLS: dict[str, str] = {
    "promise": "P", "broken_promise": "B", "plan": "L", "dispute": "D",
    "escalated": "E", "distress": "!", "follow_up_due": "F", "suspended": "S",
}
FLAG_LEGEND = ", ".join(f"`{s}` {f.replace('_', ' ')}" for f, s in FLAG_SYMBOLS.items())

HELP = f"""\
The worklist as of the date in the header: every account with something open, the most urgent
first (the priority: days past due, amount overdue, stage, broken promises ...).  Each row is
coloured by its stage.  Columns: stage, key, name, currency, balance, overdue, **dpd** (days
past due of the oldest open invoice not in dispute), flags, next action and its date, last
contact.

**The daily loop**: work down *Needs action* (`1`): `enter` opens the account, `n` / `p` there
move to the next / previous one; `escape` comes back here.  `c` logs a call on the highlighted
account (here or on the account): `1`-`8` pick the outcome, `ctrl+s` saves, `ctrl+n` saves and
opens the next account of the queue (the cursor moves to it too).

Flags: {FLAG_LEGEND}.

Quick filters: `1` needs action, `2` due today, `3` overdue, `4` on hold (a promise, a plan or
disputes hold the next action), `5` all; `t` / `T` step through the stages.  The counts are of
the rows that match the `/` filter.  `/` filters as you type by key or name, and by invoice
number or contact name (two characters or more).  `o` / `O` change the sort column / reverse it
(or click a header).  `w` views the portfolio as of another date (**WHAT-IF**); `escape` returns
to today.
"""

STAGE_STYLES: dict[str, str] = {stage: "stage-" + stage.replace("_", "-") for stage in STAGES}


def stage_variable(stage: str) -> str:
    """The theme variable of a stage's colour (`$stage-warned` in CSS)."""
    return STAGE_STYLES.get(stage, "stage-current")


def _is_on_hold(row: QueueRow) -> bool:
    a = row.assessment
    if a is not None:
        return a.hold is not None
    # Rows read back from the cache carry no assessment: a waiting next action and a holding flag.
    return (row.next_action is not None and not row.needs_action
            and any(f in row.flags for f in ("promise", "plan", "dispute")))


def mask_of(row: QueueRow, today: dt.date) -> int:
    mask = BITS["all"]
    if row.needs_action:
        mask |= BITS["needs"]
    if row.next_action is not None and row.next_action_due == today:
        mask |= BITS["today"]
    if row.overdue > 0:
        mask |= BITS["overdue"]
    if _is_on_hold(row):
        mask |= BITS["hold"]
    return mask


@dataclass
class Prepared:
    """The loaded worklist and what the screen derives from it once (in the worker)."""

    as_of: dt.date
    rows: list[QueueRow]
    masks: list[int]
    position: dict[str, int]                    # account key -> index in rows
    overdue: dict[str, Decimal]                 # per currency
    stages: dict[str, int]                      # rows per stage
    _search: list[str] | None = field(default=None, repr=False)
    _orders: dict[tuple[str, bool], list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, rows: list[QueueRow], as_of: dt.date) -> Prepared:
        overdue: dict[str, Decimal] = {}
        for r in rows:
            if r.overdue > 0:
                overdue[r.currency] = overdue.get(r.currency, Decimal(0)) + r.overdue
        prepared = cls(as_of, rows, [mask_of(r, as_of) for r in rows],
                       {r.account: i for i, r in enumerate(rows)}, dict(sorted(overdue.items())),
                       Counter(r.stage for r in rows))
        prepared.search_strings()  # here in the loading worker, not on the first filter keystroke
        return prepared

    def search_strings(self) -> list[str]:
        """Lowercase "key<tab>name" per row (about 90 ms at 100k rows: `build` makes them)."""
        if self._search is None:
            self._search = [f"{r.account}\t{r.name}".casefold() for r in self.rows]
        return self._search

    def order(self, column: str, reverse: bool) -> list[int]:
        """Row indices sorted by `column` (`priority`: the service's order), cached."""
        key = (column, reverse)
        if key not in self._orders:
            indices = list(range(len(self.rows)))
            if column != "priority":
                getter = SORT_KEYS[column]
                rows = self.rows
                indices.sort(key=lambda i: getter(rows[i]))  # stable: ties keep priority order
            if reverse:
                indices.reverse()
            self._orders[key] = indices
        return self._orders[key]


_FAR = dt.date.max


def _last_contact(row: QueueRow) -> dt.date | None:
    return row.assessment.last_contact if row.assessment is not None else None


SORT_KEYS: dict[str, Callable[[QueueRow], object]] = {
    "stage": lambda r: STAGES.index(r.stage) if r.stage in STAGES else -1,
    "key": lambda r: r.account.casefold(),
    "name": lambda r: r.name.casefold(),
    "currency": lambda r: r.currency,
    "balance": lambda r: r.balance,
    "overdue": lambda r: r.overdue,
    "dpd": lambda r: r.days_past_due,
    "flags": lambda r: len(r.flags),
    "next_action": lambda r: r.next_action or "\uffff",
    "due": lambda r: r.next_action_due or _FAR,
    "last_contact": lambda r: _last_contact(r) or dt.date.min,
}
SORTS: tuple[str, ...] = ("priority", *SORT_KEYS)
SORT_LABELS: dict[str, str] = {
    "priority": "priority", "stage": "stage", "key": "key", "name": "name", "currency": "currency",
    "balance": "balance", "overdue": "overdue", "dpd": "days past due", "flags": "flags",
    "next_action": "next action", "due": "due date", "last_contact": "last contact",
}


def amount(value: Decimal, currency: str) -> str:
    return display_minor(to_minor(value, currency), currency)


def _due(row: QueueRow) -> str:
    return row.next_action_due.isoformat() if row.next_action_due else ""


def _last(row: QueueRow) -> str:
    last = _last_contact(row)
    return last.isoformat() if last else ""


CELLS: dict[str, Callable[[QueueRow], str]] = {
    "stage": lambda r: r.stage_label,
    "key": lambda r: r.account,
    "name": lambda r: r.name,
    "currency": lambda r: r.currency,
    "balance": lambda r: amount(r.balance, r.currency),
    "overdue": lambda r: amount(r.overdue, r.currency),
    "dpd": lambda r: str(r.days_past_due),
    "flags": lambda r: "".join(FLAG_SYMBOLS.get(f, "?") for f in r.flags),
    "next_action": lambda r: r.next_action or "",
    "due": _due,
    "last_contact": _last,
}


class QueueView(Sequence[Row]):
    """The rows to show, formatted only when the table reads them."""

    def __init__(self, prepared: Prepared, indices: list[int], columns: Sequence[str]) -> None:
        self.prepared = prepared
        self.indices = indices
        self.getters = tuple(CELLS[c] for c in columns)

    def __len__(self) -> int:
        return len(self.indices)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = self.prepared.rows[self.indices[index]]
        return Row(row.account, tuple(get(row) for get in self.getters), STAGE_STYLES.get(row.stage))

    def row_at(self, index: int) -> QueueRow:
        return self.prepared.rows[self.indices[index]]

    def index_of_key(self, key: str) -> int | None:
        at = self.prepared.position.get(key)
        if at is None:
            return None
        try:
            return self.indices.index(at)  # a C-speed scan: about 1 ms at 100k rows
        except ValueError:
            return None


# -- widgets ------------------------------------------------------------------------------------

COLUMNS: tuple[Column, ...] = (
    Column("stage", "Stage", width=14), Column("key", "Key", width=12), Column("name", "Name"),
    Column("currency", "Cur", width=3), Column("balance", "Balance", width=12, justify="right"),
    Column("overdue", "Overdue", width=12, justify="right"), Column("dpd", "Dpd", width=4, justify="right"),
    Column("flags", "Flags", width=5), Column("next_action", "Next action"),
    Column("due", "Due", width=10), Column("last_contact", "Contact", width=10),
)
# Narrower than this, the column is left out (least useful first); name and next action share the rest.
DROP_BELOW: dict[str, int] = {"last_contact": 140, "balance": 128, "due": 100}
NAME_MIN, NEXT_MIN = 16, 10


def columns_for(width: int) -> list[Column]:
    """Fixed widths (no sampling of rows, so nothing moves as the rows change)."""
    kept = [c for c in COLUMNS if width >= DROP_BELOW.get(c.key, 0)]
    used = sum(c.width or 0 for c in kept) + 2 * len(kept) + 2  # cells, padding, scrollbar
    spare = max(NAME_MIN + NEXT_MIN, width - used)
    name_width = max(NAME_MIN, min(44, spare * 6 // 10))
    widths = {"name": name_width, "next_action": max(NEXT_MIN, spare - name_width)}
    return [Column(c.key, c.label, widths[c.key], c.justify) if c.key in widths else c for c in kept]


class QueueTable(VirtualTable):
    ROW_STYLES = tuple(STAGE_STYLES.values())
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="queue.open")]


class Tabs(Static):
    """The quick filters with their counts, the active one highlighted."""


# -- the screen ---------------------------------------------------------------------------------

class QueueScreen(Screen[None]):
    CSS_PATH = "queue.tcss"
    HELP = HELP
    AUTO_FOCUS = "#queue"
    TITLE = "Worklist"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="queue.filter"),
        Binding("escape", "escape", "Back", id="queue.escape"),
        Binding("1", "quick('needs')", "Needs action", show=False, id="queue.filter_needs"),
        Binding("2", "quick('today')", "Due today", show=False, id="queue.filter_today"),
        Binding("3", "quick('overdue')", "Overdue", show=False, id="queue.filter_overdue"),
        Binding("4", "quick('hold')", "On hold", show=False, id="queue.filter_hold"),
        Binding("5", "quick('all')", "All", show=False, id="queue.filter_all"),
        Binding("t", "stage(1)", "Stage", id="queue.stage_next"),
        Binding("T", "stage(-1)", "Previous stage", show=False, id="queue.stage_previous"),
        Binding("o", "sort", "Sort", id="queue.sort"),
        Binding("O", "reverse", "Reverse sort", show=False, id="queue.reverse"),
        Binding("w", "what_if", "What-if date", id="queue.what_if"),
        Binding("r", "reload", "Reload", show=False, id="queue.reload"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.what_if: dt.date | None = None
        self._what_if_session: Session | None = None
        self._loaded_once = False
        self.prepared: Prepared | None = None
        self.view: QueueView | None = None
        self.quick = "needs"
        self.stage: str | None = None
        self.search = ""
        self.search_keys: frozenset[str] = frozenset()
        self.sort = "priority"
        self.reverse = False
        self.counts: dict[str, int] = {}
        self._request = 0

    @property
    def as_of(self) -> dt.date:
        return self.what_if or self.session.today

    @property
    def active_session(self) -> Session:
        """The session screens opened from here read with (its *today* is the what-if date)."""
        return self._what_if_session or self.session

    def compose(self) -> ComposeResult:
        yield SummaryBar(id="summary")
        yield Input(placeholder="/ filter by key, name, invoice number or contact", id="filter")
        yield Tabs(id="tabs")
        table = QueueTable(columns_for(self.app.size.width), empty_message="Loading the worklist…", id="queue")
        yield table
        if getattr(self.app, "show_welcome", False):
            yield Welcome(id="welcome")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(SummaryBar).show_loading(self.as_of, self.what_if is not None)
        self.reload()

    def on_resize(self) -> None:
        table = self.query_one(QueueTable)
        columns = columns_for(self.size.width)
        if [c.key for c in columns] == [c.key for c in table.columns]:
            table.set_columns(columns)
        else:  # other columns: the rows must give other cells
            table.set_columns(columns)
            if self.view is not None:
                self.view = QueueView(self.view.prepared, self.view.indices, [c.key for c in columns])
                table.set_rows(self.view)

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._request += 1
        self.load(self._request, self.as_of)

    @work(thread=True, exit_on_error=False, exclusive=True, group="queue")
    def load(self, request: int, as_of: dt.date) -> None:
        from arcollect_tui.services.worklist import priority_settings, queue

        session = self.session
        config = session.config
        weights, fx = priority_settings(config)
        with session.reading() as db:
            # The worklist's cache holds one date: a what-if date must not evict today's rows.
            cached = as_of == session.today
            if cached and not self._loaded_once:
                # First paint: the most urgent page straight from the cache's index, then the rest.
                first = queue(db, as_of, config.policy, weights, limit=FIRST_PAGE, fx=fx,
                              default_currency=config.default_currency)
                if get_current_worker().is_cancelled:
                    return
                self.post_message(QueueLoaded(request, as_of, Prepared.build(first, as_of), partial=True))
            rows = queue(db, as_of, config.policy, weights, include_all=True, fx=fx,
                         default_currency=config.default_currency, use_cache=cached)
        prepared = Prepared.build(rows, as_of)
        if not get_current_worker().is_cancelled:
            self.post_message(QueueLoaded(request, as_of, prepared))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if message.request != self._request:
            return  # a newer load is on its way
        assert isinstance(message.prepared, Prepared)
        self.prepared = message.prepared
        summary = self.query_one(SummaryBar)
        if message.partial:
            summary.show_loading(message.as_of, self.what_if is not None)
        else:
            self._loaded_once = True
            summary.show(self.prepared, self.session.today, self.what_if is not None)
        table = self.query_one(QueueTable)
        table.empty_message = "No account in this view."
        self.apply()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        text = report_failure(self, event)
        if text is not None and event.worker.group == "queue":
            self.query_one(QueueTable).empty_message = f"Could not load the worklist: {text}  (r retries)"

    # -- filtering and sorting ----------------------------------------------------------------

    def apply(self) -> None:
        """Show the prepared rows through the current search, stage, quick filter and sort."""
        prepared = self.prepared
        if prepared is None:
            return
        if prepared is not self._kept:
            self._kept = prepared
            keep_from_collector(len(prepared.rows))  # its rows live as long as it is shown
        order = prepared.order(self.sort, self.reverse)
        candidates = order
        query = self.search.strip().casefold()
        if query:
            candidates = self._matching(prepared, order, query)
        if self.stage is not None:
            rows = prepared.rows
            stage = self.stage
            candidates = [i for i in candidates if rows[i].stage == stage]
        masks = prepared.masks
        by_mask = Counter(masks[i] for i in candidates) if candidates is not order else \
            self._all_masks(prepared)
        self.counts = {name: sum(n for m, n in by_mask.items() if m & bit) for name, bit in BITS.items()}
        bit = BITS[self.quick]
        shown = candidates if self.quick == "all" else [i for i in candidates if masks[i] & bit]
        table = self.query_one(QueueTable)
        self.view = QueueView(prepared, shown, [c.key for c in table.columns])
        table.sort_column = None if self.sort == "priority" else self.sort
        table.sort_reverse = self.reverse
        table.set_rows(self.view)
        self._show_tabs()

    _kept: Prepared | None = None
    _matched: tuple[Prepared, list[int], str, list[int]] | None = None

    def _matching(self, prepared: Prepared, order: list[int], query: str) -> list[int]:
        """The rows of `order` whose key or name contains `query`, or found elsewhere (search_keys).

        A query that extends the last one (one more letter typed) narrows the last result instead
        of scanning every row again; not when accounts found elsewhere are to be merged in."""
        strings = prepared.search_strings()
        keys = self.search_keys
        candidates = order
        last = self._matched
        if not keys and last is not None and last[0] is prepared and last[1] is order and query.startswith(last[2]):
            candidates = last[3]
        if keys:
            rows = prepared.rows
            found = [i for i in candidates if query in strings[i] or rows[i].account in keys]
        else:
            found = [i for i in candidates if query in strings[i]]
        self._matched = (prepared, order, query, found)
        return found

    _mask_counts: tuple[Prepared, Counter[int]] | None = None

    def _all_masks(self, prepared: Prepared) -> Counter[int]:
        if self._mask_counts is None or self._mask_counts[0] is not prepared:
            self._mask_counts = (prepared, Counter(prepared.masks))
        return self._mask_counts[1]

    def _show_tabs(self) -> None:
        parts: list[Content] = []
        for i, name in enumerate(FILTERS, 1):
            text = f" {i} {FILTER_LABELS[name]} {self.counts.get(name, 0):,} "
            parts.append(Content.styled(text, "reverse bold" if name == self.quick else ""))
        stage = STAGE_LABELS.get(self.stage, self.stage) if self.stage else "any"
        parts.append(Content(f"  t stage: {stage}"))
        if self.search:
            parts.append(Content.assemble("  filter: ", (clean(self.search), "bold")))
        self.query_one(Tabs).update(Content("").join(parts))

    def action_quick(self, name: str) -> None:
        if name in BITS:
            self.quick = name
            self.apply()

    def action_stage(self, step: int) -> None:
        choices: list[str | None] = [None, *STAGES]
        self.stage = choices[(choices.index(self.stage) + step) % len(choices)]
        self.apply()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reverse = self.sort in ("balance", "overdue", "dpd", "flags", "last_contact")  # largest first
        self.apply()
        self.notify(f"Sorted by {SORT_LABELS[self.sort]}", timeout=2)

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.apply()

    def sort_by(self, column: str, reverse: bool | None = None) -> None:
        if column in SORTS:
            self.reverse = (not self.reverse if column == self.sort else False) if reverse is None else reverse
            self.sort = column
            self.apply()

    @on(VirtualTable.HeaderSelected, "#queue")
    def _header_clicked(self, event: VirtualTable.HeaderSelected) -> None:
        self.sort_by(event.column_key)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        had_filter = bool(self.search)
        self.search = event.value
        self.search_keys = frozenset()  # found for the older text: the new text's are on their way
        self.apply()
        self.find_elsewhere(self.search)
        if had_filter != bool(self.search):
            self.refresh_bindings()  # `escape` clears a filter; the footer is rebuilt only then

    @work(thread=True, exit_on_error=False, exclusive=True, group="queue-search")
    def find_elsewhere(self, text: str) -> None:
        from arcollect_tui.services.search import find_by_invoice_or_contact

        with self.session.reading() as db:
            found = find_by_invoice_or_contact(db, text)
        if not get_current_worker().is_cancelled:
            self.post_message(SearchMatched(text, frozenset(m.key for m in found)))

    def on_search_matched(self, message: SearchMatched) -> None:
        if message.text != self.search:
            return
        if message.keys != self.search_keys:
            self.search_keys = message.keys
            self.apply()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(QueueTable).focus()

    def action_focus_filter(self) -> None:
        # Focus now, not later (`focus()` defers): keys typed right after `/` must reach the filter.
        self.set_focus(self.query_one("#filter", Input))

    def action_escape(self) -> None:
        """Step back one level: leave the filter field, then today again, then clear the filter."""
        field = self.query_one("#filter", Input)
        if field.has_focus:
            self.query_one(QueueTable).focus()
        elif self.what_if is not None:
            self.set_what_if(None)
        elif field.value:
            field.value = ""  # Input.Changed re-applies

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":
            return self.query_one("#filter", Input).has_focus or self.what_if is not None or bool(self.search)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    # -- what-if ------------------------------------------------------------------------------

    def action_what_if(self) -> None:
        def chosen(day: dt.date | None) -> None:
            if day is not None:
                self.set_what_if(None if day == self.session.today else day)

        self.app.push_screen(DateQuestion("View the portfolio as of", self.as_of), chosen)

    def set_what_if(self, day: dt.date | None) -> None:
        if self._what_if_session is not None:
            self._what_if_session.close()
            self._what_if_session = None
        self.what_if = day
        if day is not None:
            self._what_if_session = Session(self.session.db_path, day, self.session.config)
        self.query_one(SummaryBar).show_loading(self.as_of, day is not None)
        self.reload()
        self.refresh_bindings()

    def on_unmount(self) -> None:
        if self._what_if_session is not None:
            self._what_if_session.close()

    # -- opening ------------------------------------------------------------------------------

    def neighbour(self, key: str, step: int) -> str | None:
        """The key `step` rows away from `key` in the queue as shown (the account screen's n / p)."""
        view = self.view
        if view is None:
            return None
        at = view.index_of_key(key)
        if at is None:
            return None
        target = at + step
        return view.row_at(target).account if 0 <= target < len(view) else None

    @on(VirtualTable.RowSelected, "#queue")
    def _open(self, event: VirtualTable.RowSelected) -> None:
        self.open_account(event.key)

    def open_account(self, key: str) -> None:
        """On the app's one account screen (updated in place), its header painted from our row."""
        from arcollect_tui.screens.account import open_account

        open_account(self.app, self.active_session, key, neighbours=self.neighbour, preview=self.row_of)

    def row_of(self, key: str) -> QueueRow | None:
        """The loaded worklist's row of `key`, if any."""
        prepared = self.prepared
        at = prepared.position.get(key) if prepared is not None else None
        return prepared.rows[at] if at is not None else None

    # -- the call-log form (`c`, screens/log_call.py) ------------------------------------------

    def current_account_key(self) -> str | None:
        """The highlighted account, which `c` logs a call on."""
        return self.query_one(QueueTable).cursor_key

    def call_logged(self, key: str, and_next: bool) -> None:
        """After a call on `key` was saved: reload, the cursor kept on its account; with `and_next`,
        the cursor moves to the account after it and that account opens (the logged one may leave
        the view when the reload comes, the next one is chosen from the list as it was shown)."""
        following = self.neighbour(key, 1) if and_next else None
        if following is not None:
            self.query_one(QueueTable).move_to_key(following)
        self.reload()
        if following is not None:
            self.open_account(following)
        elif and_next:
            self.notify("That was the last account of the queue.", markup=False, timeout=3)

    _stale = False

    def mark_stale(self) -> None:
        """A call was logged on a screen above: reload when this screen is shown again."""
        self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    # -- palette commands ---------------------------------------------------------------------

    def commands(self) -> list[SystemCommand]:
        """This screen's actions for the command palette (`App.get_system_commands`)."""
        out = [SystemCommand(f"Show: {FILTER_LABELS[name]}", f"Quick filter ({i})",
                             lambda name=name: self.action_quick(name))
               for i, name in enumerate(FILTERS, 1)]
        out += [SystemCommand(f"Show stage: {STAGE_LABELS[s]}", "Only accounts at this stage",
                              lambda s=s: self._set_stage(s)) for s in STAGES]
        out.append(SystemCommand("Show every stage", "Clear the stage filter", lambda: self._set_stage(None)))
        out += [SystemCommand(f"Sort by {SORT_LABELS[c]}", "Sort the worklist (o; O reverses)",
                              lambda c=c: self.sort_by(c, c in ("balance", "overdue", "dpd")))
                for c in SORTS]
        out.append(SystemCommand("What-if date…", "View the portfolio as of another date (w)", self.action_what_if))
        if self.what_if is not None:
            out.append(SystemCommand("Back to today", "Leave the what-if date", lambda: self.set_what_if(None)))
        return out

    def _set_stage(self, stage: str | None) -> None:
        self.stage = stage
        self.apply()


