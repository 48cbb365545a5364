"""The Textual app: wiring only.  Screens live in arcollect_tui/screens/, data in the services.

Nothing here touches the database at import: `ArcollectApp` holds a `Session` that opens it in
the first worker that needs it.  The stage colours are theme variables (`$stage-warned`, ...)
with one set of values for dark themes and one for light ones, so every stage is legible in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from textual import events, work
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
        # Priority: it acts as it arrives, so `c 1 ctrl+s` typed at once all reach the call form
        # (a focused text field, such as the filter, still takes the `c`).
        Binding("c", "log_call", "Log call", show=False, priority=True, id="app.log_call"),
        Binding("A", "audit", "Audit trail", show=False, id="app.audit"),
    ]

    def __init__(self, db_path: Path, today: dt.date, config: Config, *, welcome: bool | None = None,
                 backup: bool = False) -> None:
        """`welcome`: show the first-run welcome (default: when the database folder has no marker).
        `backup`: take the rotating backup (`[backup]`) once the worklist is up (`arcollect` does)."""
        super().__init__()
        self.session = Session(db_path, today, config)
        self.sub_title = f"as of {today.isoformat()}"
        self.show_welcome = is_first_run(db_path) if welcome is None else welcome
        self.take_backup = backup

    def get_theme_variable_defaults(self) -> dict[str, str]:
        dark = self.current_theme.dark if self.current_theme is not None else True
        return dict(STAGE_COLOURS_DARK if dark else STAGE_COLOURS_LIGHT)

    def on_mount(self) -> None:
        self.push_screen(QueueScreen(self.session))  # it shows the welcome while show_welcome
        if self.take_backup and self.session.config.backup.keep > 0:
            # After the first frames: the copy competes with the worklist's first load for the disk.
            self.set_timer(3.0, self.rotating_backup)

    @work(thread=True, exit_on_error=False, group="backup")
    def rotating_backup(self) -> None:
        """The `[backup]` copy of the database (the newest `keep` kept); a failure is a notice."""
        from arcollect_tui.clock import now_stamp
        from arcollect_tui.services.backup import rotating_backup

        settings = self.session.config.backup
        folder = Path(settings.folder).expanduser() if settings.folder else self.session.db_path.parent / "backups"
        stamp = now_stamp().replace("-", "").replace(":", "")
        with self.session.reading() as db:
            rotating_backup(db, folder, keep=settings.keep, stamp=stamp, user=self.session.config.user_name)

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
        if callable(getattr(screen, "current_account_key", None)):
            yield SystemCommand("Log a call", "On the current account (c)", self.action_log_call)
        yield SystemCommand("Audit trail", "Every change, who and when; the hash chain checked (A)", self.action_audit)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`c` exists on screens that have a current account (the worklist, an account)."""
        if action == "log_call":
            return callable(getattr(self.screen, "current_account_key", None))
        return True

    def action_log_call(self) -> None:
        from arcollect_tui.screens.log_call import open_log_call

        open_log_call(self, self.screen, self.session)

    def action_audit(self) -> None:
        """The audit trail: of the account shown on an account screen, else all of it."""
        from arcollect_tui.screens.account import AccountScreen
        from arcollect_tui.screens.audit import AuditScreen

        screen = self.screen
        if isinstance(screen, AuditScreen):
            return
        key = screen.current_account_key() if isinstance(screen, AccountScreen) else None
        self.push_screen(AuditScreen(self.session, account=key))

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
    app = ArcollectApp(ctx.db_path, ctx.today, ctx.config, backup=True)
    app.run()
    return app.return_code or 0
