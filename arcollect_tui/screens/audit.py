"""The audit trail on screen: every change, newest first, with who, when, what and the values
before and after; whether the hash chain holds.

Rows are read in a thread worker (`audit.entries` and `audit.verify`; no SQL here) and arrive as
one message.  `/` filters the loaded rows as you type (account, user, action, entity, change).
Every value is untrusted text (notes, names, imported cells): shown through `Text`, cleaned.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arcollect_tui.screens.session import Session
from arcollect_tui.text import clean

# The newest rows loaded; a trail of millions is read with `arcollect audit show` filters.
LIMIT = 5000

HELP = """\
The audit trail: one row per change (a call logged, an import, a warning, a backup...), newest
first, written in the same transaction as the change and chained by hashes, so a row changed
behind arcollect's back breaks the chain (`arcollect audit verify` names the row). The top line
says whether the chain holds. `/` filters as you type; the panel below shows the highlighted
row's values before and after.
"""


class AuditLoaded(Message):
    """The worker's result: the rows, and what `audit.verify` said of the whole chain."""

    def __init__(self, rows: list[dict[str, Any]], checked: int, broken_at: int | None, why: str) -> None:
        super().__init__()
        self.rows, self.checked, self.broken_at, self.why = rows, checked, broken_at, why


def _change(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True,
                                                           separators=(",", ":"))
    return clean(text)


def _haystack(row: dict[str, Any]) -> str:
    return " ".join(str(v) for v in (row["account"] or "", row["user"], row["action"], row["entity"],
                                     _change(row["after"]), _change(row["before"]))).casefold()


class AuditScreen(Screen[None]):
    CSS_PATH = "audit.tcss"
    HELP = HELP
    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("slash", "focus_filter", "Filter", id="audit.filter"),
        Binding("r", "reload", "Reload", id="audit.reload"),
    ]

    def __init__(self, session: Session, account: str | None = None) -> None:
        super().__init__()
        self.session, self.account = session, account
        self.rows: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="audit-body"):
            yield Static(Text("Audit trail: loading…"), id="audit-status")
            yield Input(placeholder="/ filter: account, user, action, change", id="audit-filter")
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text(""), id="audit-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "at (UTC)", "user", "action", "entity", "account", "change")
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def load(self) -> None:
        from arcollect_tui import audit
        from arcollect_tui.services.facts import account_id_of

        with self.session.reading() as db:
            conn = db.connection()
            account_id = account_id_of(conn, self.account) if self.account else None
            rows = audit.entries(conn, account_id=account_id, limit=LIMIT)
            checked, bad, why = audit.verify(conn)
        if not get_current_worker().is_cancelled:
            self.post_message(AuditLoaded(rows, checked, bad, why))

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        self.rows = message.rows
        whose = f" of account {clean(self.account)}" if self.account else ""
        if message.broken_at is None:
            status = Text(f"Audit trail{whose}: {len(self.rows):,} rows shown (newest first); "
                          f"the hash chain holds over all {message.checked:,} rows")
        else:
            status = Text(f"Audit trail{whose}: THE HASH CHAIN IS BROKEN at row {message.broken_at}: "
                          f"{message.why}", style="bold red")
        self.query_one("#audit-status", Static).update(status)
        self.apply()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "audit" and event.state is WorkerState.ERROR:
            self.query_one("#audit-status", Static).update(Text(clean(f"Audit trail: {event.worker.error}")))

    def apply(self) -> None:
        needle = self.query_one(Input).value.strip().casefold()
        self.shown = [r for r in self.rows if needle in _haystack(r)] if needle else list(self.rows)
        table = self.query_one(DataTable)
        table.clear()
        for r in self.shown:
            entity = r["entity"] + (f"#{r['entity_id']}" if r["entity_id"] is not None else "")
            change = _change(r["after"] if r["after"] is not None else r["before"])
            table.add_row(Text(str(r["id"])), Text(r["at"]), Text(clean(r["user"])), Text(clean(r["action"])),
                          Text(clean(entity)), Text(clean(r["account"] or "")),
                          Text(change if len(change) <= 80 else change[:79] + "…"), key=str(r["id"]))
        self._show_detail(0 if self.shown else None)

    def _show_detail(self, index: int | None) -> None:
        detail = self.query_one("#audit-detail", Static)
        if index is None or index >= len(self.shown):
            detail.update(Text("no audit rows match" if self.rows else ""))
            return
        r = self.shown[index]
        text = Text()
        text.append(f"row {r['id']}  {r['at']}  {clean(r['user'])}  {clean(r['action'])}\n", style="bold")
        for label in ("before", "after"):
            value = r[label]
            shown = "—" if value is None else clean(json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
                                                     if not isinstance(value, str) else value)
            text.append(f"{label}: ", style="bold")
            text.append(shown + "\n")
        detail.update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    @on(Input.Changed, "#audit-filter")
    def _filter_changed(self) -> None:
        self.apply()

    @on(Input.Submitted, "#audit-filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if self.query_one(Input).has_focus and self.query_one(Input).value:
            self.query_one(Input).value = ""
            self.query_one(DataTable).focus()
            return
        self.dismiss()
