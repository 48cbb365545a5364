"""Small pieces the screens share: literal text for untrusted values, money, a j/k table, the
summary bar at the top of the worklist, and the small date question of the what-if view."""

from __future__ import annotations

import datetime as dt
import gc
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, STAGES

if TYPE_CHECKING:
    from arcollect_tui.screens.queue import Prepared


KEEP_FROM = 10_000
"""Rows from which a worklist is worth taking out of the garbage collector's reach."""


def keep_from_collector(rows: int) -> bool:
    """Take every object alive now out of the cyclic garbage collector's reach (`gc.freeze`),
    when a worklist of `rows` rows (at least KEEP_FROM) is shown; True when it did.

    The rows (dataclasses, tuples, dicts) live as long as the list is shown, and at 100,000 rows
    every full collection walked them again: 0.3 to 0.6 s with the UI frozen, at whatever moment
    the collector chose (an account opening, a keystroke).  Frozen objects are still freed by
    reference counting when the list is replaced (rows hold no cycles); only cyclic garbage among
    them is never collected, so the young generations are collected first and small lists,
    where a full collection costs a few milliseconds, are left alone.
    """
    if rows < KEEP_FROM:
        return False
    gc.collect(1)
    gc.freeze()
    return True


def literal(value: object, *, style: str = "", justify: str | None = None) -> Text:
    """Untrusted text as a widget shows it: control characters stripped, never parsed as markup."""
    return Text(clean("" if value is None else str(value)), style=style, justify=justify)  # type: ignore[arg-type]


def money(value: Decimal, currency: str) -> Text:
    return Text(display_minor(to_minor(value, currency), currency), justify="right")


def number(value: int) -> Text:
    return Text(str(value), justify="right")


def stage_style(stage: str) -> str:
    """The Content style of a stage's colour: its semantic theme variable (`$stage-warned`)."""
    return "$stage-" + stage.replace("_", "-")


def report_failure(node: DOMNode, event: Worker.StateChanged) -> str | None:
    """A failed worker becomes an error notice (literal text), never a crash; returns the text.

    `Worker.StateChanged` does not bubble, so each screen that starts workers calls this from
    its own `on_worker_state_changed`.
    """
    if event.state is not WorkerState.ERROR:
        return None
    error = event.worker.error
    text = clean(str(error)) or type(error).__name__
    node.notify(text, title="Could not load", severity="error", markup=False, timeout=8)
    return text


class NavTable(DataTable):
    """A row-cursor DataTable that also moves with j/k."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)


class SummaryBar(Static):
    """Two lines: the as-of date (WHAT-IF when it is not today) and the portfolio's figures:
    overdue per currency and accounts per stage, each stage in its colour."""

    DEFAULT_CSS = """
    SummaryBar {
        height: 2;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SummaryBar.-what-if {
        background: $warning 30%;
    }
    """

    def show_loading(self, as_of: dt.date, what_if: bool) -> None:
        self.set_class(what_if, "-what-if")
        self.update(Content.assemble(self._date_line(as_of, None, what_if), "\nLoading the worklist…"))

    def show(self, prepared: Prepared, today: dt.date, what_if: bool) -> None:
        self.set_class(what_if, "-what-if")
        overdue = "  ".join(f"{cur} {display_minor(to_minor(v, cur), cur)}" for cur, v in prepared.overdue.items())
        stages: list[Content | tuple[str, str] | str] = []
        for stage in STAGES:
            count = prepared.stages.get(stage, 0)
            if count:
                stages += [(f"● {STAGE_LABELS[stage]}", stage_style(stage)), f" {count:,}  "]
        line1 = self._date_line(prepared.as_of, today, what_if)
        line1 = Content.assemble(line1, f"   overdue {overdue or 'none'}")
        self.update(Content.assemble(line1, "\n", *stages))

    @staticmethod
    def _date_line(as_of: dt.date, today: dt.date | None, what_if: bool) -> Content:
        if what_if:
            real = f" (today is {today.isoformat()}; escape returns)" if today else ""
            return Content.assemble(("WHAT-IF", "bold reverse $warning"),
                                    (f" as of {as_of.isoformat()}", "bold"), real)
        return Content.assemble(("arcollect", "bold"), f"  as of {as_of.isoformat()}")


class DateQuestion(ModalScreen[dt.date | None]):
    """Ask for a date (ISO `YYYY-MM-DD`); `enter` answers, `escape` answers None."""

    DEFAULT_CSS = """
    DateQuestion {
        align: center middle;
        background: $background 60%;
    }
    DateQuestion > Vertical {
        width: 50;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    DateQuestion #date-problem {
        color: $error;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="date_question.cancel")]

    def __init__(self, question: str, initial: dt.date) -> None:
        super().__init__()
        self.question = question
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question))
            yield Input(self.initial.isoformat(), placeholder="YYYY-MM-DD", id="date")
            yield Label(Content("enter: view   escape: cancel"), id="date-problem")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#date", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.query_one("#date-problem", Label).update(
                Content(f"{clean(text)!r}: expected a date as YYYY-MM-DD"))
            return
        self.dismiss(day)

    def action_cancel(self) -> None:
        self.dismiss(None)
