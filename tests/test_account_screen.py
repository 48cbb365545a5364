"""The account screen on the demo portfolio, driven by Pilot: timeline ladder, sections, n/p, hostile text."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.db import connect
from arcollect_tui.demo import build_demo
from arcollect_tui.screens.account import AccountScreen, Neighbours
from arcollect_tui.screens.common import NavTable
from arcollect_tui.screens.ladder import TimelineLadder, layout
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import AccountDetail, account_detail
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, STAGES

TODAY = dt.date(2026, 3, 2)
SIZE = (120, 40)
HOSTILE = ["Smith [/] & Sons", "[@click=app.quit]x[/]", "[bold]x", "O'Brien [x", "Evil\x1b[31mRed Corp"]


def _demo(path: Path) -> Path:
    db = connect(path)
    build_demo(db, today=TODAY, accounts=60, seed=1, config=Config(user="tester"), user="tester")
    db.close()
    return path


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    """One demo portfolio for the read-only tests (60 accounts, seed 1: every stage appears)."""
    return _demo(tmp_path_factory.mktemp("demo") / "arcollect.db")


def details(path: Path) -> dict[str, AccountDetail]:
    config = Config(user="tester")
    db = connect(path)
    try:
        keys = [k for (k,) in db.connection().execute("SELECT key FROM account ORDER BY key")]
        return {k: account_detail(db, k, TODAY, policy=config.policy) for k in keys}
    finally:
        db.close()


@pytest.fixture(scope="module")
def demo_details(demo_path) -> dict[str, AccountDetail]:
    return details(demo_path)


def pick(found: dict[str, AccountDetail], stage: str) -> AccountDetail:
    """The first account at `stage` that has open invoices and contacts."""
    return next(d for d in found.values()
                if d.assessment.stage == stage and d.open_invoices and d.contacts)


class ScreenApp(App[None]):
    """The screen alone on a bare app: what it shows does not depend on the queue screen.

    It borrows the real app's stage colours (theme variables the screen's stylesheet uses)."""

    get_theme_variable_defaults = ArcollectApp.get_theme_variable_defaults

    def __init__(self, db_path: Path, key: str, neighbours: Neighbours | None = None) -> None:
        super().__init__()
        self.session = Session(db_path, TODAY, Config(user="tester"))
        self.key = key
        self.neighbours = neighbours

    def on_mount(self) -> None:
        self.push_screen(AccountScreen(self.session, self.key, neighbours=self.neighbours))

    def on_unmount(self) -> None:
        self.session.close()


def visible_text(app: App) -> str:
    """Every character drawn on the terminal (from the SVG screenshot), line by line."""
    lines: dict[int, list[str]] = {}
    for line, chunk in re.findall(r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>',
                                  app.export_screenshot(), flags=re.S):
        lines.setdefault(int(line), []).append(chunk)
    return "\n".join(html.unescape("".join(lines[n])).replace("\xa0", " ") for n in sorted(lines))


def all_text(screen: AccountScreen) -> str:
    """What the screen holds, scrolled into view or not: statics, the ladder and every table cell."""
    parts = [str(s.render()) for s in screen.query(Static)]
    parts.append(screen.query_one(TimelineLadder).render().plain)
    for table in screen.query(NavTable):
        for row in range(table.row_count):
            parts.extend(str(cell) for cell in table.get_row_at(row))
    return "\n".join(parts)


async def settle(app: App, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_the_ladder_fits_80_columns_and_keeps_the_current_label_whole():
    for stage in STAGES:
        rungs, sep = layout(stage, 74)  # 80 columns less the screen's padding
        end = rungs[-1].column + len(rungs[-1].label)
        assert end <= 74, stage
        assert [r.stage for r in rungs] == list(STAGES)
        current = next(r for r in rungs if r.stage == stage)
        assert current.label == f" {STAGE_LABELS[stage]} "
        wide, wide_sep = layout(stage, 116)
        assert wide_sep == " → " and all(r.label.strip() == STAGE_LABELS[r.stage] for r in wide)


async def test_stage_reason_ladder_invoices_and_contacts_are_shown(demo_path, demo_details):
    d = pick(demo_details, "warning_due")
    a = d.assessment
    app = ScreenApp(demo_path, d.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen) and screen.detail.key == d.key
        text = visible_text(app)
        assert clean(d.name) in text and d.key in text
        assert f"Stage  {a.label}" in text and clean(a.reason) in text
        assert a.next_action in text
        ladder = screen.query_one(TimelineLadder)
        assert ladder.state.stage == "warning_due"
        # the current stage is the one chip drawn in its stage colour; the others are not
        rendered = ladder.render()
        chip = f" {STAGE_LABELS['warning_due']} "
        start = rendered.plain.index(chip)
        styles = {str(rendered.plain[s.start:s.end]): s.style for s in rendered.spans}
        assert styles[chip] == ladder.get_component_rich_style("ladder--warning_due")
        assert styles[chip].bgcolor != styles[STAGE_LABELS["current"]].bgcolor
        assert styles[chip].bold and not styles[STAGE_LABELS["warned"]].bold
        marker_line = rendered.plain.split("\n")[1]
        assert marker_line.index("▲") == start + 1  # the marker sits under the chip
        for step in a.coming:
            assert step.on.isoformat() in rendered.plain
        everything = all_text(screen)
        for invoice in d.open_invoices:
            assert invoice.number in everything
        for contact in d.contacts:
            assert clean(contact.name) in everything
            if contact.phone:
                assert contact.phone in everything
        assert f"Priority {d.priority.score:.2f}" in everything
        for name, _, _ in d.priority.parts:
            assert name.replace("_", " ") in everything
        assert "31-60" in everything and "91+" in everything


async def test_suspension_steps_show_their_approvers(demo_path, demo_details):
    d = pick(demo_details, "referred")
    app = ScreenApp(demo_path, d.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        steps = app.screen.query_one("#steps", NavTable)
        rows = [[str(c) for c in steps.get_row_at(i)] for i in range(steps.row_count)]
        assert [r[1] for r in rows] == [e.kind for e in d.suspension_events]
        approvers = {e.approved_by for e in d.suspension_events if e.approved_by}
        assert approvers and approvers <= {r[2] for r in rows}
        assert app.screen.query_one("#steps-box").display
        assert app.screen.query_one(TimelineLadder).state.stage == "referred"


async def test_n_and_p_move_through_the_queue_in_place(demo_path, demo_details):
    keys = list(demo_details)[:3]

    def neighbours(key: str, step: int) -> str | None:
        i = keys.index(key) + step
        return keys[i] if 0 <= i < len(keys) else None

    app = ScreenApp(demo_path, keys[0], neighbours)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        depth = len(app.screen_stack)
        assert screen.detail.key == keys[0]
        assert "Next" in visible_text(app)
        for expected in (keys[1], keys[2], keys[2]):  # the last one stays put
            await pilot.press("n")
            await settle(app, pilot)
            assert app.screen is screen and len(app.screen_stack) == depth
            assert screen.detail.key == expected
            assert clean(demo_details[expected].name) in visible_text(app)
        await pilot.press("p")
        await settle(app, pilot)
        assert screen.detail.key == keys[1] and screen.title == keys[1]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AccountScreen)


async def test_without_neighbours_n_and_p_are_hidden_and_do_nothing(demo_path, demo_details):
    key = list(demo_details)[0]
    app = ScreenApp(demo_path, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = visible_text(app).split("\n")[-1]
        assert "Back" in footer and "Next" not in footer and "Previous" not in footer
        await pilot.press("n", "p")
        await settle(app, pilot)
        assert app.screen.detail.key == key


async def test_hostile_text_is_shown_literally(tmp_path):
    path = _demo(tmp_path / "arcollect.db")
    db = connect(path)
    conn = db.connection()
    keys = [k for (k,) in conn.execute(
        "SELECT a.key FROM account a WHERE EXISTS (SELECT 1 FROM activity v WHERE v.account_id = a.id)"
        " AND EXISTS (SELECT 1 FROM contact c WHERE c.account_id = a.id) ORDER BY a.key LIMIT ?", (len(HOSTILE),))]
    with db.atomic():
        for key, name in zip(keys, HOSTILE):
            acct = conn.execute("SELECT id FROM account WHERE key = ?", (key,)).fetchone()[0]
            conn.execute("UPDATE account SET name = ? WHERE id = ?", (name, acct))
            conn.execute("UPDATE contact SET name = ? WHERE id = (SELECT min(id) FROM contact WHERE account_id = ?)",
                         (f"c {name}", acct))
            conn.execute("UPDATE activity SET note = ? WHERE id = (SELECT max(id) FROM activity WHERE account_id = ?)",
                         (f"said {name}", acct))
    db.close()

    def neighbours(key: str, step: int) -> str | None:
        i = keys.index(key) + step
        return keys[i] if 0 <= i < len(keys) else None

    app = ScreenApp(path, keys[0], neighbours)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for i, name in enumerate(HOSTILE):
            shown = name.replace("\x1b", "")  # control characters stripped, the rest literal
            screen = app.screen
            assert isinstance(screen, AccountScreen) and screen.detail.key == keys[i]
            assert shown in visible_text(app)
            everything = all_text(screen)
            assert f"c {shown}" in everything and f"said {shown}" in everything
            assert "\x1b" not in everything
            await pilot.click("#title")  # a click on the [@click=...] name runs nothing
            await pilot.press("n")
            await settle(app, pilot)
            assert app.is_running and app.return_code is None


def test_snapshot_small_terminal(demo_path, demo_details, snap_compare):
    d = pick(demo_details, "suspension_due")

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(ScreenApp(demo_path, d.key), terminal_size=(80, 24), run_before=loaded)
