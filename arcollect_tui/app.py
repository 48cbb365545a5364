"""The Textual app: wiring only.  Screens live in arcollect_tui/screens/, data in the services.

Nothing here touches the database at import: `ArcollectApp` holds a `Session` that opens it in
the first worker that needs it.  The stage colours are theme variables (`$stage-warned`, ...)
with one set of values for dark themes and one for light ones, so every stage is legible in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.app import SystemCommand
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from arcollect_tui.config import Config
from arcollect_tui.screens.help import HelpScreen, keys_of
from arcollect_tui.screens.palette import AccountsProvider
from arcollect_tui.screens.queue import QueueScreen
from arcollect_tui.screens.session import Session
from arcollect_tui.screens.welcome import Welcome, is_first_run, mark_welcomed
from arcollect_tui.text import clean

# Stage colours (timeline.STAGE_COLORS names them: green, blue, cyan, yellow, orange, red,
# magenta, grey), tuned for contrast on a dark and on a light background.
STAGE_COLOURS_DARK: dict[str, str] = {
    "stage-current": "#8fd694", "stage-reminder": "#7fb7ff", "stage-follow-up": "#5fd7d7",
    "stage-warning-due": "#f0d264", "stage-warned": "#ffa657", "stage-suspension-due": "#ff6b6b",
    "stage-suspended": "#e18aff", "stage-referred": "#a8a8a8",
}
STAGE_COLOURS_LIGHT: dict[str, str] = {
    "stage-current": "#1a7f37", "stage-reminder": "#0a58ca", "stage-follow-up": "#0b6f75",
    "stage-warning-due": "#7a6000", "stage-warned": "#a54f00", "stage-suspension-due": "#c62828",
    "stage-suspended": "#8e24aa", "stage-referred": "#616161",
}


class ArcollectApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "arcollect"
    COMMANDS = App.COMMANDS | {AccountsProvider}

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(self, db_path: Path, today: dt.date, config: Config, *, welcome: bool | None = None) -> None:
        """`welcome`: show the first-run welcome (default: when the database folder has no marker)."""
        super().__init__()
        self.session = Session(db_path, today, config)
        self.sub_title = f"as of {today.isoformat()}"
        self.show_welcome = is_first_run(db_path) if welcome is None else welcome

    def get_theme_variable_defaults(self) -> dict[str, str]:
        dark = self.current_theme.dark if self.current_theme is not None else True
        return dict(STAGE_COLOURS_DARK if dark else STAGE_COLOURS_LIGHT)

    def on_mount(self) -> None:
        self.push_screen(QueueScreen(self.session))  # it shows the welcome while show_welcome

    def on_unmount(self) -> None:
        self.session.close()

    def on_event(self, event: events.Event):
        """Any key (which still does what it does) or click dismisses the first-run welcome."""
        if isinstance(event, (events.Key, events.MouseDown)) and self.show_welcome:
            self.dismiss_welcome()
        return super().on_event(event)

    def dismiss_welcome(self) -> None:
        self.show_welcome = False
        for screen in self.screen_stack:
            for panel in screen.query("#welcome").results(Welcome):
                panel.remove()
        mark_welcomed(self.session.db_path)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, then the current screen's (`screen.commands()`)."""
        yield from super().get_system_commands(screen)
        commands = getattr(screen, "commands", None)
        if callable(commands):
            yield from commands()

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss(None)
            return
        title = f"Help: {clean(screen.title or self.title)}"
        self.push_screen(HelpScreen(title, keys_of(screen), getattr(screen, "HELP", "")))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failed read becomes a notice instead of a crash."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(clean(str(error)) or type(error).__name__, title="Could not load",
                        severity="error", markup=False, timeout=8)


def run_app(ctx) -> int:
    """Open (create, migrate) the database first, so that a bad --db is exit 2 before the app."""
    _ = ctx.db
    ctx.close()
    app = ArcollectApp(ctx.db_path, ctx.today, ctx.config)
    app.run()
    return app.return_code or 0
