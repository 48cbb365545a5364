"""The app shell, driven by Pilot as a person would: help, palette, quit, the first-run welcome,
failures as notices, and the hostile-names regression across the screens (the worklist itself is
in test_queue_screen.py)."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys

import pytest

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.screens.account import AccountScreen
from arcollect_tui.screens.help import HelpScreen
from arcollect_tui.screens.queue import QueueScreen, QueueTable
from arcollect_tui.screens.welcome import marker_path

TODAY = dt.date(2026, 3, 2)
SIZE = (120, 40)

HOSTILE = [
    "Smith [/] & Sons",
    "[@click=app.quit]x[/]",
    "[bold]x",
    "O'Brien [x",
    "Evil\x1b[31mRed Corp",
]


def fill(db, names: list[str]) -> None:
    conn = db.connection()
    with db.atomic():
        for i, name in enumerate(names):
            acct = conn.execute("INSERT INTO account (key, name, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                                (f"K{i:03d}", name)).lastrowid
            conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor,"
                         " created_at) VALUES (?, ?, '2026-01-01', '2026-01-31', 'USD', ?, 'x')",
                         (acct, f"[red]INV{i}", 10000 + i))
            conn.execute("INSERT INTO contact (account_id, name, created_at) VALUES (?, ?, 'x')", (acct, name))
            conn.execute("INSERT INTO activity (account_id, occurred_on, occurred_at, channel, note, user, created_at)"
                         " VALUES (?, '2026-02-01', 'x', 'note', ?, 't', 'x')", (acct, f"said {name}"))


def make_app(db_path, *, welcome: bool | None = False) -> ArcollectApp:
    return ArcollectApp(db_path, TODAY, Config(user="tester"), welcome=welcome)


def visible_text(app) -> str:
    """What is on the terminal, as text (from the SVG screenshot: every drawn character)."""
    lines: dict[int, list[str]] = {}
    for line, chunk in re.findall(r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>',
                                  app.export_screenshot(), flags=re.S):
        lines.setdefault(int(line), []).append(chunk)
    return "\n".join(html.unescape("".join(lines[n])).replace("\xa0", " ") for n in sorted(lines))


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def table_keys(app) -> list[str]:
    view = app.screen.view
    return [view.row_at(i).account for i in range(len(view))]


@pytest.fixture
def portfolio(db, db_path):
    fill(db, ["Acme Pte Ltd", "Borealis GmbH", "Smithers Inc", "Tanaka KK"])
    db.close()
    return db_path


async def test_the_worklist_is_the_first_screen(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert sorted(table_keys(app)) == ["K000", "K001", "K002", "K003"]
        text = visible_text(app)
        assert "as of 2026-03-02" in text and "Borealis GmbH" in text and "100.01" in text
        assert "overdue USD 400.06" in text            # 10000 + 10001 + 10002 + 10003 minor units
        assert app.focused is app.screen.query_one(QueueTable)


async def test_help_lists_the_active_bindings_and_the_flag_legend(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {k.description: k.key for k in app.screen.keys}
        assert described["Open"] == "⏎" and described["Filter"] == "/" and described["Quit"] == "^q"
        assert described["Sort"] == "o" and described["Due today"] == "2" and described["Help"] == "?"
        assert described["What-if date"] == "w" and described["Down"] == "↓ / j"
        assert "Back" not in described                 # escape does nothing until a filter or what-if is set
        text = visible_text(app)
        assert "The daily loop" in text and "broken promise" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert {k.description for k in app.screen.keys} >= {"Back", "Quit", "Help"}
        assert "Sort" not in {k.description for k in app.screen.keys}
        await pilot.press("question_mark")             # `?` toggles
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)


async def test_ctrl_q_quits(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running and app.return_code == 0  # from any screen


async def test_the_welcome_shows_once_and_any_key_dismisses_it_without_being_taken(portfolio):
    app = make_app(portfolio, welcome=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "The daily loop" in visible_text(app)
        key = app.screen.query_one(QueueTable).cursor_key
        await pilot.press("j")                         # moves the cursor as always, and closes the welcome
        await pilot.pause()
        assert app.screen.query_one(QueueTable).cursor_key != key
        assert "The daily loop" not in visible_text(app) and not app.screen.query("#welcome")
    assert marker_path(portfolio).exists()
    app = make_app(portfolio, welcome=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "The daily loop" not in visible_text(app)


async def test_hostile_names_are_shown_literally_on_every_screen(db, db_path):
    fill(db, HOSTILE)
    db.close()
    shown = [n.replace("\x1b", "") for n in HOSTILE]  # control characters stripped, the rest literal
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o", "o")                    # by key: K000 .. K004
        assert table_keys(app) == ["K000", "K001", "K002", "K003", "K004"]
        text = visible_text(app)
        for name in shown:
            assert name in text, name
        for row in range(len(HOSTILE)):
            app.screen.query_one(QueueTable).move_cursor(row)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, AccountScreen)
            assert shown[row] in visible_text(app), shown[row]
            await pilot.press("?")
            await pilot.pause()
            await pilot.press("escape", "escape")
            await pilot.pause()
            assert isinstance(app.screen, QueueScreen) and app.is_running
        await pilot.press("slash", *"[/]")
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001"] and app.is_running


async def test_a_failed_load_is_a_notice_shown_literally_not_a_crash(portfolio, monkeypatch):
    from arcollect_tui.services import worklist

    def broken(*args, **kwargs):
        raise RuntimeError("Smith [/] & Sons [@click=app.quit]x[/] \x1b[31m")

    monkeypatch.setattr(worklist, "queue", broken)
    from textual.worker import WorkerFailed

    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        try:  # waiting on a worker that failed re-raises its error, if it is still listed
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, QueueScreen)
        assert "Smith [/] & Sons [@click=app.quit]x[/] [31m" in visible_text(app)


def test_the_core_imports_neither_textual_nor_rich():
    code = ("import sys, arcollect_tui.cli, arcollect_tui.services.accounts, arcollect_tui.services.reports,"
            " arcollect_tui.services.search, arcollect_tui.services.worklist;"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'));"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


async def test_the_palette_jumps_to_an_account_by_name_key_or_invoice_and_shows_names_literally(db, db_path):
    from textual.command import CommandPalette

    fill(db, ["Acme Pte Ltd", *HOSTILE])
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"[")
        await settle(app, pilot)
        await pilot.pause()
        text = visible_text(app)
        for name in ("Smith [/] & Sons", "[@click=app.quit]x[/]", "[bold]x", "O'Brien [x", "Evil[31mRed Corp"):
            assert name in text, name
        await pilot.press("backspace", *"k000")
        await settle(app, pilot)
        await pilot.pause()
        assert "K000  Acme Pte Ltd" in visible_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == "K000"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p", *"[red]inv4")      # by invoice number (K004's invoice is "[red]INV4")
        await settle(app, pilot)
        await pilot.pause()
        assert "K004" in visible_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == "K004"
