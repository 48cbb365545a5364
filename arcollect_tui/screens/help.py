"""Help for the screen underneath: its active key bindings (so it cannot drift) and its HELP text.

The key table is built from `Screen.active_bindings` at the moment `?` is pressed: whatever the
footer, a keymap or `check_action` made of the keys is what the help shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Markdown


GENERAL = """\
`c` logs a call on the current account (the worklist's highlighted row, or the account shown):
`1`-`8` pick the outcome, `ctrl+s` saves, `ctrl+n` saves and goes to the next account, `escape`
cancels.  `ctrl+p` opens the command palette.  Every screen is computed *as of* the date in the
header (`--today`): invoices dated later do not exist yet, later payments have not happened yet.
"""


@dataclass(frozen=True)
class KeyHelp:
    key: str
    description: str


def keys_of(screen: Screen) -> list[KeyHelp]:
    """The enabled bindings of `screen` (focused widget, screen, app), one line per action.

    The keys the footer shows come first, then the screen's and app's other keys, then those
    of the focused widget (cursor movement and the like).
    """
    app = screen.app
    seen: dict[str, KeyHelp] = {}
    actives = list(screen.active_bindings.values())
    actives.sort(key=lambda a: (not a.binding.show, a.node is not screen and a.node is not app))
    for active in actives:
        binding = active.binding
        if not active.enabled or binding.system:
            continue
        description = binding.description or binding.tooltip or binding.action
        shown = app.get_key_display(binding)
        if description in seen:
            if shown not in seen[description].key.split(" / "):
                seen[description] = KeyHelp(f"{seen[description].key} / {shown}", description)
        else:
            seen[description] = KeyHelp(shown, description)
    return list(seen.values())


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.toggle"),
    ]

    def __init__(self, title: str, keys: list[KeyHelp], text: str) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Label(Text(self.help_title), id="help-title")
            yield Markdown(self.text + "\n" + GENERAL, id="help-text")
            yield DataTable(id="help-keys", show_cursor=False, cursor_type="none")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.can_focus = False  # the scroll container takes the keys (arrows, page up/down)
        table.add_columns("key", "does")
        for item in self.keys:
            table.add_row(Text(item.key, style="bold"), Text(item.description))
        self.query_one("#help", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
