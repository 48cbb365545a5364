"""The app, driven by Pilot as a person would: list, open, back, filter, help, quit; hostile names."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys

import pytest

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.screens import accounts as accounts_screen
from arcollect_tui.screens.account import AccountScreen
from arcollect_tui.screens.accounts import AccountsScreen, AccountTable
from arcollect_tui.screens.help import HelpScreen

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


def make_app(db_path) -> ArcollectApp:
    return ArcollectApp(db_path, TODAY, Config(user="tester"))


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
    table = app.screen.query_one(AccountTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


@pytest.fixture
def portfolio(db, db_path):
    fill(db, ["Acme Pte Ltd", "Borealis GmbH", "Smithers Inc", "Tanaka KK"])
    db.close()
    return db_path


async def test_accounts_are_listed_with_the_as_of_date_in_the_header(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert table_keys(app) == ["K000", "K001", "K002", "K003"]
        text = visible_text(app)
        assert "as of 2026-03-02" in text
        assert "Borealis GmbH" in text and "100.01" in text
        assert "Accounts 1-4 of 4" in text
        assert app.focused is app.screen.query_one(AccountTable)


async def test_enter_opens_the_account_and_escape_goes_back(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "k")
        assert app.screen.query_one(AccountTable).cursor_row == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.detail is not None and app.screen.detail.key == "K001"
        text = visible_text(app)
        assert "Borealis GmbH" in text and "K001 — as of 2026-03-02" in text
        assert "[red]INV1" in text and "said Borealis GmbH" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.query_one(AccountTable).cursor_row == 1


async def test_slash_filters_as_you_type_and_escape_clears(portfolio):
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#filter")
        await pilot.press(*"smi")
        await settle(app, pilot)
        assert table_keys(app) == ["K002"]
        await pilot.press("backspace", "backspace", "backspace", *"k00")
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001", "K002", "K003"]
        await pilot.press("3")
        await settle(app, pilot)
        assert table_keys(app) == ["K003"]
        await pilot.press("escape")                 # back to the list, filter kept
        assert app.focused is app.screen.query_one(AccountTable) and table_keys(app) == ["K003"]
        await pilot.press("enter")                  # opens the filtered account
        await settle(app, pilot)
        assert app.screen.detail.key == "K003"
        await pilot.press("escape")
        await pilot.press("escape")                 # clears the filter
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001", "K002", "K003"]
        await pilot.press(*"/nothing-like-it")
        await settle(app, pilot)
        assert table_keys(app) == [] and "No account matches 'nothing-like-it'" in visible_text(app)


async def test_pages_of_accounts(db, db_path, monkeypatch):
    monkeypatch.setattr(accounts_screen, "PAGE_SIZE", 3)
    fill(db, [f"Company {i}" for i in range(7)])
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001", "K002"]
        await pilot.press("left_square_bracket")    # no page before the first
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001", "K002"]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        assert table_keys(app) == ["K006"] and "Accounts 7-7 of 7" in visible_text(app)
        await pilot.press("right_square_bracket")  # no page after the last
        await settle(app, pilot)
        assert table_keys(app) == ["K006"]


async def test_help_lists_the_active_bindings(portfolio, monkeypatch):
    monkeypatch.setattr(accounts_screen, "PAGE_SIZE", 2)
    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {k.description: k.key for k in app.screen.keys}
        assert described["Open"] == "⏎" and described["Filter"] == "/" and described["Quit"] == "^q"
        assert described["Next page"] == "]" and described["Down"] == "j" and described["Help"] == "?"
        assert "Clear filter" not in described       # escape does nothing until a filter is set
        assert "Previous page" not in described      # on the first page
        assert "The accounts in the database" in visible_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert {k.description for k in app.screen.keys} >= {"Back", "Quit", "Help"}
        assert "Open" not in {k.description for k in app.screen.keys}
        await pilot.press("question_mark")           # `?` toggles
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


async def test_hostile_names_are_shown_literally_on_both_screens(db, db_path):
    fill(db, HOSTILE)
    db.close()
    shown = [n.replace("\x1b", "") for n in HOSTILE]  # control characters stripped, the rest literal
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = visible_text(app)
        for name in shown:
            assert name in text, name
        # clicking the name that carries a click action does nothing but move the cursor
        await pilot.click(AccountTable, offset=(8, 2))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        for row in range(len(HOSTILE)):
            app.screen.query_one(AccountTable).move_cursor(row=row)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, AccountScreen)
            text = visible_text(app)
            assert text.count(shown[row]) >= 3, (shown[row], text)  # summary, contact, activity note
            assert f"said {shown[row]}" in text and "[red]INV" in text
            await pilot.press("?")
            await pilot.pause()
            await pilot.press("escape", "escape")
            await pilot.pause()
            assert isinstance(app.screen, AccountsScreen)
        await pilot.press("slash", *"[/]")
        await settle(app, pilot)
        assert table_keys(app) == ["K000", "K001"] and app.is_running


async def test_a_failed_load_is_a_notice_not_a_crash(portfolio):
    from arcollect_tui.db import connect

    app = make_app(portfolio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        other = connect(portfolio)
        with other.atomic():
            other.connection().execute("DELETE FROM account WHERE key = 'K000'")
        other.close()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, AccountScreen)
        assert "no account has this key" in visible_text(app)


def test_the_core_imports_neither_textual_nor_rich():
    code = ("import sys, arcollect_tui.cli, arcollect_tui.services.accounts, arcollect_tui.services.reports;"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'));"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


async def test_the_palette_jumps_to_an_account_and_shows_names_literally(db, db_path):
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
        assert isinstance(app.screen, AccountScreen) and app.screen.detail.key == "K000"
