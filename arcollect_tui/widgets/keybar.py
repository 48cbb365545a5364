"""The screen's keys on one line, like Textual's `Footer`, drawn by one widget.

Why not `Footer`: it is a widget per key, and it composes them again whenever the screen's
bindings change, which they do each time the screen is shown; on the account screen that was
10-20 ms of every `enter` and `n`.  `KeyBar` renders the same line (the keys of the active
bindings that are shown, dimmed when disabled, the command palette's key on the right) from
`screen.active_bindings`, and only repaints when the line changes.  A click on a key presses it.

The colours are the footer's theme variables, so it looks like the footer in every theme.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Entry = tuple[str, str, str, bool]
"""(key, key as shown, description, enabled)"""


class _Line:
    """The bar laid out at the width it is rendered at (`render` does not ask for the size)."""

    def __init__(self, bar: KeyBar) -> None:
        self.bar = bar

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.bar.line(options.max_width)


class KeyBar(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description", "keybar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._entries: tuple[tuple[Entry, ...], Entry | None] = ((), None)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each entry as drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        entries = self.entries(screen)
        if entries != self._entries:
            self._entries = entries
            self.refresh()

    def entries(self, screen: Screen) -> tuple[tuple[Entry, ...], Entry | None]:
        """The keys shown (one per action, in binding order) and the command palette's key."""
        shown: list[Entry] = []
        actions: set[str] = set()
        palette: Entry | None = None
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            entry = (binding.key, self.app.get_key_display(binding), binding.description, bool(enabled))
            if binding.action == "app.command_palette" or binding.key == self.app.COMMAND_PALETTE_BINDING:
                if self.app.ENABLE_COMMAND_PALETTE:
                    palette = entry
                continue
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(entry)
        return tuple(shown), palette

    def render(self) -> _Line:
        return _Line(self)

    def line(self, width: int) -> Text:
        """The bar at `width` cells (the palette's key right-aligned); remembers where each key is."""
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        disabled = self.get_component_rich_style("keybar--disabled")
        entries, palette = self._entries
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        for key, display, description, enabled in entries:
            start = text.cell_len
            text.append(f" {display} ", key_style if enabled else key_style + disabled)
            text.append(f"{description} ", description_style if enabled else description_style + disabled)
            spans.append((start, text.cell_len, key))
        if palette is not None:
            key, display, description, _ = palette
            label = f"▏{display} {description.lower()} "
            text.append(" " * max(1, width - text.cell_len - cell_len(label)))
            start = text.cell_len
            text.append(label, description_style)
            spans.append((start, text.cell_len, key))
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
