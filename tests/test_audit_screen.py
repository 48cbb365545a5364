"""The audit screen, driven by Pilot: rows newest first, the chain's state, `/` filter, the
highlighted row's before/after, hostile values literal, a broken chain said loudly, escape back."""

from __future__ import annotations

import datetime as dt
import sqlite3

from arcollect_tui.cli import main
from arcollect_tui.screens.audit import AuditScreen
from arcollect_tui.screens.queue import QueueScreen

from test_app import HOSTILE, SIZE, fill, make_app, settle, visible_text


def _portfolio(db, db_path):
    fill(db, HOSTILE)
    db.close()
    for key, note in (("K000", "first [bold]call[/]"), ("K001", "second \x1b[2J call")):
        assert main(["--db", str(db_path), "--today", "2026-03-02", "log", key, "--outcome", "no_answer",
                     "--note", note]) == 0
    return db_path


async def _open(app, pilot, **kwargs):
    await settle(app, pilot)
    app.push_screen(AuditScreen(app.session, **kwargs))
    await settle(app, pilot)
    return app.screen


async def test_rows_newest_first_with_the_chain_state_and_details(db, db_path):
    path = _portfolio(db, db_path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        assert isinstance(screen, AuditScreen)
        ids = [r["id"] for r in screen.shown]
        assert ids == sorted(ids, reverse=True) and len(ids) == 2
        text = visible_text(app)
        assert "the hash chain holds over all 2 rows" in text
        assert "first [bold]call[/]" in text or "second" in text
        # the highlighted (newest) row's values, literally, escape sequences stripped
        assert "second [2J call" in text or "second  call" in text.replace("[2J", "")
        assert "\x1b" not in text
        await pilot.press("down")
        await pilot.pause()
        assert "first [bold]call[/]" in visible_text(app)

        await pilot.press("slash", *"K000")
        await pilot.pause()
        assert [r["account"] for r in screen.shown] == ["K000"]
        await pilot.press("escape")            # clears the filter first
        await pilot.pause()
        assert len(screen.shown) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_one_accounts_trail(db, db_path):
    path = _portfolio(db, db_path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, account="K001")
        assert [r["account"] for r in screen.shown] == ["K001"]
        assert "of account K001" in visible_text(app)


async def test_a_broken_chain_is_said_loudly(db, db_path):
    path = _portfolio(db, db_path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 1")
    conn.commit()
    conn.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot)
        assert "THE HASH CHAIN IS BROKEN at row 1" in visible_text(app)


async def test_A_opens_the_trail_whole_from_the_queue_and_the_accounts_own_from_an_account(db, db_path):
    from arcollect_tui.screens.account import AccountScreen

    path = _portfolio(db, db_path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen) and app.screen.account is None
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        app.screen.open_account("K001")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen) and app.screen.account == "K001"
        assert {r["account"] for r in app.screen.shown} == {"K001"}


async def test_the_rotating_backup_when_the_app_opens(db, db_path, tmp_path):
    import dataclasses

    from arcollect_tui.app import ArcollectApp
    from arcollect_tui.config import BackupSettings, Config
    from arcollect_tui.services.backup import check_backup

    path = _portfolio(db, db_path)
    folder = tmp_path / "kept"
    config = dataclasses.replace(Config(user="tester"), backup=BackupSettings(keep=2, folder=str(folder)))
    app = ArcollectApp(path, dt.date(2026, 3, 2), config, welcome=False, backup=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.rotating_backup()
        await settle(app, pilot)
    copies = list(folder.iterdir())
    assert len(copies) == 1 and copies[0].name.startswith("arcollect-")
    assert check_backup(copies[0])[1] >= 2
