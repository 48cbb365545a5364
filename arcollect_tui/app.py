"""The Textual app: wiring only.  Screens live in arcollect_tui/screens/, data in the services.

Nothing here touches the database at import: `ArcollectApp` holds a `Session` that opens it in
the first worker that needs it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from arcollect_tui.config import Config
from arcollect_tui.screens.accounts import AccountsScreen
from arcollect_tui.screens.help import HelpScreen, keys_of
from arcollect_tui.screens.palette import AccountsProvider
from arcollect_tui.screens.session import Session
from arcollect_tui.text import clean


class ArcollectApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "arcollect"
    COMMANDS = App.COMMANDS | {AccountsProvider}

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(self, db_path: Path, today: dt.date, config: Config) -> None:
        super().__init__()
        self.session = Session(db_path, today, config)
        self.sub_title = f"as of {today.isoformat()}"

    def on_mount(self) -> None:
        self.push_screen(AccountsScreen(self.session))

    def on_unmount(self) -> None:
        self.session.close()

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
