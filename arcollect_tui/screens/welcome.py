"""The first-run welcome: a few lines that teach the daily loop, shown once per database folder.

It is a panel under the worklist (the table gives up four lines, nothing is covered) that never takes focus (the keyboard stays on the queue) and
that the next key (any key, which still does what it does) or a click dismisses.  Dismissed,
it leaves a marker file `.welcomed` next to the database so that it is not shown again.
"""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

MARKER = ".welcomed"

TEXT = """\
[b]Welcome to arcollect.[/b]  The daily loop: work the list from the top (most urgent first).
[b]enter[/b] opens an account, [b]n[/b] / [b]p[/b] go to the next / previous account, [b]escape[/b] comes back.
[b]c[/b] logs a call on the highlighted account: [b]1[/b]-[b]8[/b] the outcome, [b]ctrl+s[/b] saves, [b]ctrl+n[/b] saves and opens the next.
[b]/[/b] filters by name, key, invoice or contact; [b]1[/b]-[b]5[/b] switch views; [b]ctrl+p[/b] jumps anywhere; [b]?[/b] lists every key.
[dim]Press any key to close this.[/dim]"""


def marker_path(db_path: Path) -> Path:
    return Path(db_path).expanduser().resolve().parent / MARKER


def is_first_run(db_path: Path) -> bool:
    return not marker_path(db_path).exists()


def mark_welcomed(db_path: Path) -> None:
    """Remember the welcome was seen; a read-only folder only means it shows again next time."""
    try:
        marker_path(db_path).touch()
    except OSError:
        pass


class Welcome(Static, can_focus=False):
    DEFAULT_CSS = """
    Welcome {
        height: auto;
        padding: 0 1;
        border-top: solid $primary;
        background: $boost;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(Content.from_markup(TEXT), **kwargs)  # our own text: no data in it

    def on_click(self) -> None:
        self.remove()
