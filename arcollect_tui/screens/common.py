"""Small pieces the screens share: literal text for untrusted values, money, a j/k table."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from arcollect_tui.money import display_minor, to_minor
from arcollect_tui.text import clean


def literal(value: object, *, style: str = "", justify: str | None = None) -> Text:
    """Untrusted text as a widget shows it: control characters stripped, never parsed as markup."""
    return Text(clean("" if value is None else str(value)), style=style, justify=justify)  # type: ignore[arg-type]


def money(value: Decimal, currency: str) -> Text:
    return Text(display_minor(to_minor(value, currency), currency), justify="right")


def number(value: int) -> Text:
    return Text(str(value), justify="right")


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
