"""The worklist screen, driven by Pilot as a collector would: priority order and stage colours,
open and back, `/` filter, quick filters with counts, stage filter, sort, cursor kept across a
refresh, what-if date; snapshots in a light and a dark theme."""

from __future__ import annotations

import datetime as dt

import pytest

from arcollect_tui.app import STAGE_COLOURS_DARK, STAGE_COLOURS_LIGHT, ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.demo import build_demo
from arcollect_tui.screens.common import DateQuestion
from arcollect_tui.screens.queue import BITS, QueueScreen, QueueTable, columns_for
from arcollect_tui.services.worklist import clear_memory_cache, priority_settings, queue
from arcollect_tui.timeline import STAGES

from test_app import HOSTILE, SIZE, fill, settle, visible_text

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_memory_cache()
    yield
    clear_memory_cache()


@pytest.fixture
def demo_path(db, db_path, config):
    build_demo(db, today=TODAY, accounts=60, seed=1, config=config, user="tester")
    fill(db, HOSTILE)  # keys K000..K004, one invoice each, 30 days past due
    db.close()
    return db_path


def make_app(path, **kwargs) -> ArcollectApp:
    return ArcollectApp(path, TODAY, Config(user="tester"), welcome=kwargs.pop("welcome", False), **kwargs)


def expected_rows(path, *, include_all=False, today=TODAY):
    from arcollect_tui.db import connect

    config = Config(user="tester")
    weights, fx = priority_settings(config)
    db = connect(path)
    try:
        return queue(db, today, config.policy, weights, include_all=include_all, fx=fx, use_cache=False)
    finally:
        db.close()


def shown_keys(app) -> list[str]:
    view = app.screen.view
    return [view.row_at(i).account for i in range(len(view))]


def table(app) -> QueueTable:
    return app.screen.query_one(QueueTable)


async def test_the_queue_shows_the_worklist_in_priority_order_coloured_by_stage(demo_path):
    expected = expected_rows(demo_path)
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert shown_keys(app) == [r.account for r in expected]          # needs action, by priority
        assert app.focused is table(app)
        top = expected[0]
        text = visible_text(app)
        assert top.account in text and top.stage_label in text and "as of 2026-03-02" in text
        # each row in its stage's colour: the theme variable of that stage
        styles = set()
        for i, row in enumerate(expected[:20]):
            strip = table(app).render_line(i + 1)
            colour = next(iter(strip)).style.color
            if i != table(app).cursor_index:
                var = "stage-" + row.stage.replace("_", "-")
                assert colour.triplet.hex.lower() == STAGE_COLOURS_DARK[var].lower(), (row.stage, colour)
                styles.add(row.stage)
        assert len(styles) >= 2


async def test_enter_opens_the_highlighted_account_and_escape_returns_to_it(demo_path):
    from arcollect_tui.screens.account import AccountScreen

    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "k")
        key = shown_keys(app)[1]
        assert table(app).cursor_key == key
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == key
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen) and table(app).cursor_key == key


async def test_slash_filters_as_you_type_and_hostile_names_show_literally(demo_path):
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5")                                   # all accounts
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#filter")
        await pilot.press(*"[/]")
        await settle(app, pilot)
        assert sorted(shown_keys(app)) == ["K000", "K001"]      # Smith [/] & Sons, [@click=app.quit]x[/]
        text = visible_text(app)
        assert "Smith [/] & Sons" in text and "[@click=app.quit]x[/]" in text
        await pilot.press("escape")                              # back to the table, filter kept
        assert app.focused is table(app) and sorted(shown_keys(app)) == ["K000", "K001"]
        await pilot.click(QueueTable, offset=(40, 1))            # clicking the name opens, never runs markup
        await settle(app, pilot)
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")                              # clears the filter
        await settle(app, pilot)
        assert len(shown_keys(app)) == app.screen.counts["all"] > 5
        await pilot.press("slash", *"k00")
        await settle(app, pilot)
        assert sorted(shown_keys(app)) == ["K000", "K001", "K002", "K003", "K004"]
        text = visible_text(app)
        for name in HOSTILE:
            assert name.replace("\x1b", "") in text, name


async def test_slash_finds_accounts_by_invoice_number_and_contact(demo_path):
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "slash", *"[red]inv3")           # invoice numbers are literal text too
        await settle(app, pilot)
        assert shown_keys(app) == ["K003"]


async def test_quick_filters_show_their_counts_and_keep_the_cursor(demo_path):
    everything = expected_rows(demo_path, include_all=True)
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        counts = app.screen.counts
        assert counts["all"] == len(everything)
        assert counts["needs"] == sum(r.needs_action for r in everything)
        assert counts["overdue"] == sum(r.overdue > 0 for r in everything)
        assert counts["today"] == sum(r.next_action_due == TODAY for r in everything)
        text = visible_text(app)
        assert f"1 Needs action {counts['needs']}" in text and f"5 All {counts['all']}" in text
        key = shown_keys(app)[3]
        await pilot.press("j", "j", "j", "5")
        assert table(app).cursor_key == key                      # still on its account in "all"
        await pilot.press("1")
        assert table(app).cursor_key == key                      # and back in "needs action"
        for press, name in (("2", "today"), ("3", "overdue"), ("4", "hold"), ("5", "all")):
            await pilot.press(press)
            assert app.screen.quick == name and len(shown_keys(app)) == counts[name]
            masks = app.screen.prepared.masks
            assert all(masks[i] & BITS[name] for i in app.screen.view.indices)
        # by stage: t steps through the stages, each filter's rows all at that stage
        for stage in STAGES:
            await pilot.press("t")
            assert app.screen.stage == stage
            assert all(r.stage == stage for r in map(app.screen.view.row_at, range(len(app.screen.view))))
        await pilot.press("t")
        assert app.screen.stage is None


async def test_sort_cycles_columns_reverses_and_a_header_click_sorts(demo_path):
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        rows = lambda: [app.screen.view.row_at(i) for i in range(len(app.screen.view))]  # noqa: E731
        await pilot.press("o")                                   # stage
        assert app.screen.sort == "stage" and table(app).sort_column == "stage"
        ranks = [STAGES.index(r.stage) for r in rows()]
        assert ranks == sorted(ranks)
        await pilot.press("O")
        assert [STAGES.index(r.stage) for r in rows()] == sorted(ranks, reverse=True)
        while app.screen.sort != "overdue":
            await pilot.press("o")
        overdue = [r.overdue for r in rows()]
        assert overdue == sorted(overdue, reverse=True)          # amounts: largest first
        await pilot.click(QueueTable, offset=(20, 0))            # the Key header
        await pilot.pause()
        assert app.screen.sort == "key"
        keys = [r.account.casefold() for r in rows()]
        assert keys == sorted(keys)


async def test_the_cursor_stays_on_its_account_when_the_list_reloads(demo_path):
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "j", "j", "j", "j")
        key = table(app).cursor_key
        await pilot.press("r")
        await settle(app, pilot)
        assert table(app).cursor_key == key


async def test_what_if_date_reloads_as_of_that_date_and_escape_returns_to_today(demo_path):
    later = TODAY + dt.timedelta(days=40)
    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, DateQuestion)
        await pilot.press("ctrl+a", "ctrl+k", *"not a date", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DateQuestion) and "expected a date as YYYY-MM-DD" in visible_text(app)
        await pilot.press("ctrl+a", "ctrl+k", *later.isoformat(), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen) and app.screen.as_of == later
        assert shown_keys(app) == [r.account for r in expected_rows(demo_path, today=later)]
        text = visible_text(app)
        assert f"WHAT-IF as of {later.isoformat()}" in text and "today is 2026-03-02" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.what_if is None and "WHAT-IF" not in visible_text(app)
        assert shown_keys(app) == [r.account for r in expected_rows(demo_path)]


async def test_the_palette_runs_the_screens_commands(demo_path):
    from textual.command import CommandPalette

    app = make_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Show: On hold")
        await settle(app, pilot)
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen) and app.screen.quick == "hold"


def test_columns_fit_the_terminal():
    for width in (80, 120, 160):
        columns = columns_for(width)
        total = sum(c.width for c in columns) + 2 * len(columns) + 2
        assert total <= max(width, 96), (width, total)
    assert "last_contact" in {c.key for c in columns_for(160)}


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_snapshot_of_the_queue(demo_path, snap_compare, theme):
    app = make_app(demo_path)

    async def run_before(pilot):
        app.theme = theme
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_light_and_dark_stage_colours_cover_every_stage():
    names = {"stage-" + s.replace("_", "-") for s in STAGES}
    assert set(STAGE_COLOURS_DARK) == names == set(STAGE_COLOURS_LIGHT)


async def test_first_load_paints_the_most_urgent_page_then_the_whole_list(demo_path, monkeypatch):
    from arcollect_tui.screens import queue as queue_screen
    from arcollect_tui.screens.messages import QueueLoaded

    monkeypatch.setattr(queue_screen, "FIRST_PAGE", 5)
    seen: list[tuple[bool, int]] = []

    def hook(message):
        if isinstance(message, QueueLoaded):
            seen.append((message.partial, len(message.prepared.rows)))

    app = make_app(demo_path)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        needing = [r.account for r in expected_rows(demo_path)]
        everything = expected_rows(demo_path, include_all=True)
        # (start-up may load twice; each load posts its page first and the whole list last)
        assert seen[0] == (True, 5) and seen[-1] == (False, len(everything))
        assert shown_keys(app) == needing                 # the whole needs-action list in the end
        assert "Loading" not in visible_text(app)
