"""The account screen on the demo portfolio, driven by Pilot: timeline ladder, sections, n/p, the
first frame from the worklist's row, one screen reused, hostile text; its widgets (Grid, Sections,
KeyBar) on their own; snapshots at 80x24 (dark) and 120x40 (light)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import threading
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.db import connect
from arcollect_tui.demo import build_demo
from arcollect_tui.screens import account as account_module
from arcollect_tui.screens.account import SCREEN_NAME, AccountHead, AccountScreen, Neighbours
from arcollect_tui.screens.ladder import ladder_text, layout
from arcollect_tui.screens.messages import AccountLoaded
from arcollect_tui.screens.queue import QueueScreen, QueueTable
from arcollect_tui.screens.session import Session
from arcollect_tui.services.accounts import AccountDetail, account_detail
from arcollect_tui.services.worklist import clear_memory_cache
from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, STAGES
from arcollect_tui.widgets.keybar import KeyBar
from arcollect_tui.widgets.section import Block, Col, Grid, Sections

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


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_memory_cache()
    yield
    clear_memory_cache()


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


def real_app(path: Path) -> ArcollectApp:
    return ArcollectApp(path, TODAY, Config(user="tester"), welcome=False)


def visible_text(app: App) -> str:
    """Every character drawn on the terminal (from the SVG screenshot), line by line."""
    lines: dict[int, list[str]] = {}
    for line, chunk in re.findall(r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>',
                                  app.export_screenshot(), flags=re.S):
        lines.setdefault(int(line), []).append(chunk)
    return "\n".join(html.unescape("".join(lines[n])).replace("\xa0", " ") for n in sorted(lines))


def plain(renderable, width: int = 200) -> str:
    """A Rich renderable as plain text at `width` columns."""
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(renderable)
    return console.file.getvalue()


def all_text(screen: AccountScreen) -> str:
    """What the screen holds, scrolled into view or not: the head and every block."""
    parts = [plain(screen.query_one(AccountHead).render())]
    parts += [plain(s.render()) for s in screen.query(Sections)]
    return "\n".join(parts)


def block(screen: AccountScreen, heading: str) -> str:
    """The text of the detail block whose heading starts with `heading`."""
    found = next(b for b in screen.query_one("#details", Sections).blocks if b.heading.startswith(heading))
    return plain(found.body)


def headings(screen: AccountScreen) -> list[str]:
    return [b.heading for b in screen.query_one("#details", Sections).blocks]


async def settle(app: App, pilot, key: str | None = None) -> None:
    """Workers done and their messages handled; with `key`, until the account screen shows it in
    full (its load starts once the first frame is painted)."""
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if key is None or (isinstance(screen, AccountScreen) and screen.detail is not None
                           and screen.detail.key == key):
            return
    raise AssertionError(f"the account screen never showed {key!r}")


# ---------------------------------------------------------------------------------- the ladder

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


# ---------------------------------------------------------------------------------- the screen

async def test_stage_reason_ladder_invoices_and_contacts_are_shown(demo_path, demo_details):
    d = pick(demo_details, "warning_due")
    a = d.assessment
    app = ScreenApp(demo_path, d.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, d.key)
        screen = app.screen
        assert isinstance(screen, AccountScreen) and screen.detail.key == d.key
        assert screen.current_account_key() == d.key
        text = visible_text(app)
        assert clean(d.name) in text and d.key in text
        assert f"Stage  {a.label}" in text and clean(a.reason) in text
        assert a.next_action in text
        head = screen.query_one(AccountHead)
        assert head.ladder.stage == "warning_due"
        # the current stage is the one chip drawn in its stage colour; the others are not
        rendered = ladder_text(head.ladder, 116, head.get_component_rich_style)
        assert rendered.plain.split("\n")[0] in plain(head.render(), 116)  # the head draws this ladder
        chip = f" {STAGE_LABELS['warning_due']} "
        start = rendered.plain.index(chip)
        styles = {str(rendered.plain[s.start:s.end]): s.style for s in rendered.spans}
        assert styles[chip] == head.get_component_rich_style("ladder--warning_due")
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
        # invoices, activity and contacts always; the others only when there is something
        shown = headings(screen)
        assert shown[:3] == ["Open invoices", "Activity", "Contacts"]
        assert ("Promises" in shown) == bool(d.promises) and ("Disputes" in shown) == bool(d.disputes)


async def test_suspension_steps_show_their_approvers(demo_path, demo_details):
    d = pick(demo_details, "referred")
    app = ScreenApp(demo_path, d.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, d.key)
        steps = block(app.screen, "Warnings, suspensions")
        lines = steps.splitlines()[2:]  # below the headings and their rule
        kinds = [line.split()[1] for line in lines if re.match(r"\d{4}-\d\d-\d\d ", line)]
        assert kinds == [e.kind for e in d.suspension_events]
        approvers = {e.approved_by for e in d.suspension_events if e.approved_by}
        assert approvers and all(name in steps for name in approvers)
        assert app.screen.query_one(AccountHead).ladder.stage == "referred"


async def test_n_and_p_move_through_the_queue_in_place(demo_path, demo_details):
    keys = list(demo_details)[:3]

    def neighbours(key: str, step: int) -> str | None:
        i = keys.index(key) + step
        return keys[i] if 0 <= i < len(keys) else None

    app = ScreenApp(demo_path, keys[0], neighbours)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, keys[0])
        screen = app.screen
        depth = len(app.screen_stack)
        assert "Next" in visible_text(app)
        for expected in (keys[1], keys[2], keys[2]):  # the last one stays put
            await pilot.press("n")
            await settle(app, pilot, expected)
            assert app.screen is screen and len(app.screen_stack) == depth
            assert screen.current_account_key() == expected
            assert clean(demo_details[expected].name) in visible_text(app)
        await pilot.press("p")
        await settle(app, pilot, keys[1])
        assert screen.title == keys[1]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AccountScreen)


async def test_without_neighbours_n_and_p_are_hidden_and_do_nothing(demo_path, demo_details):
    key = list(demo_details)[0]
    app = ScreenApp(demo_path, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, key)
        footer = visible_text(app).split("\n")[-1]
        assert "Back" in footer and "Next" not in footer and "Previous" not in footer
        await pilot.press("n", "p")
        await settle(app, pilot)
        assert app.screen.detail.key == key


async def test_a_load_that_ends_late_does_not_replace_the_account_shown(demo_path, demo_details):
    first, second = list(demo_details)[:2]
    app = ScreenApp(demo_path, second)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, second)
        app.screen.post_message(AccountLoaded(demo_details[first]))
        await pilot.pause()
        assert app.screen.detail.key == second and clean(demo_details[first].name) not in visible_text(app)


async def test_the_first_frame_shows_the_worklists_row_then_the_detail_fills_in(demo_path, monkeypatch):
    """`enter`: name, stage, reason and balances from the worklist's row at once, while the
    account is still being read; its invoices and activity when the read ends."""
    release = threading.Event()
    real_detail = account_module.account_detail

    def slow_detail(*args, **kwargs):
        release.wait(10)
        return real_detail(*args, **kwargs)

    monkeypatch.setattr(account_module, "account_detail", slow_detail)
    app = real_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        key = queue.query_one(QueueTable).cursor_key
        row = queue.row_of(key)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AccountScreen) and screen.detail is None
        text = visible_text(app)
        assert clean(row.name) in text and key in text
        assert f"Stage  {row.stage_label}" in text and clean(row.reason) in text
        assert f"Priority {row.priority:.2f}" in text and "balance" in text
        assert account_module.LOADING in text
        release.set()
        await settle(app, pilot, key)
        assert account_module.LOADING not in visible_text(app)
        assert "Open invoices" in visible_text(app)


async def test_one_account_screen_serves_every_account_and_stays_mounted(demo_path):
    app = real_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        queue = app.screen
        keys = [queue.view.row_at(i).account for i in range(3)]
        await pilot.press("enter")
        await settle(app, pilot, keys[0])
        screen = app.screen
        assert app.get_screen(SCREEN_NAME) is screen and len(app.screen_stack) == 3
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is queue and screen.is_mounted  # kept for the next account
        await pilot.press("down", "down", "enter")
        await settle(app, pilot, keys[2])
        assert app.screen is screen and len(app.screen_stack) == 3
        await pilot.press("p")                           # the queue's order, in place
        await settle(app, pilot, keys[1])
        assert app.screen is screen and screen.current_account_key() == keys[1]


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
        await settle(app, pilot, keys[0])
        for i, name in enumerate(HOSTILE):
            shown = name.replace("\x1b", "")  # control characters stripped, the rest literal
            screen = app.screen
            assert isinstance(screen, AccountScreen) and screen.detail.key == keys[i]
            assert shown in visible_text(app)
            everything = all_text(screen)
            assert f"c {shown}" in everything and f"said {shown}" in everything
            assert "\x1b" not in everything
            await pilot.click("#head")  # a click on the [@click=...] name runs nothing
            await pilot.press("n")
            await settle(app, pilot, keys[min(i + 1, len(keys) - 1)])
            assert app.is_running and app.return_code is None


# ---------------------------------------------------------------------------------- the queue's filter
# (issue 4's latency work changed how `/` narrows the list; the queue's own tests cover the rest)

async def test_each_filter_keystroke_shows_exactly_the_matching_rows(demo_path):
    app = real_app(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        queue = app.screen
        await pilot.press("5", "slash")                          # every account, then the filter
        rows = queue.prepared.rows

        def expected(text: str) -> list[str]:
            found = queue.search_keys if queue.search == text else frozenset()
            return [r.account for r in rows if text.casefold() in f"{r.account}\t{r.name}".casefold()
                    or r.account in found]

        typed = ""
        for key in ("a", "u", "backspace", "backspace", "0", "0", "1"):
            typed = typed[:-1] if key == "backspace" else typed + key
            await pilot.press(key)
            await settle(app, pilot)                             # invoice / contact matches merged in
            shown = [queue.view.row_at(i).account for i in range(len(queue.view))]
            assert queue.search == typed and shown == expected(typed), typed
        assert queue.search_keys or typed == ""                 # "001" is in invoice numbers too


def test_only_a_large_worklist_is_taken_out_of_the_collectors_reach():
    import gc

    from arcollect_tui.screens.common import KEEP_FROM, keep_from_collector

    before = gc.get_freeze_count()
    try:
        assert keep_from_collector(KEEP_FROM - 1) is False and gc.get_freeze_count() == before
        assert keep_from_collector(KEEP_FROM) is True and gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------------------------- the widgets

COLUMNS = (Col("date"), Col("channel", cut=True), Col("contact", wrap=True), Col("note", below=True),
           Col("amount", "right"))
ROWS = [
    [Text("2026-01-04"), Text("meeting"), Text("William Walsh"),
     Text("Payment plan agreed: twelve monthly instalments of about 2,264.66 AUD each."), Text("1,234.50")],
    [Text("2026-01-02"), Text("note"), Text(""), Text(""), Text("5.00")],
]


def test_grid_at_its_natural_width_is_one_line_per_row():
    lines = plain(Grid(COLUMNS, ROWS), width=200).splitlines()
    assert lines[0].split() == ["date", "channel", "contact", "note", "amount"]
    assert set(lines[1].replace(" ", "")) == {"─"}
    assert len(lines) == 4 and "instalments of about 2,264.66 AUD each." in lines[2]
    assert lines[2].index("1,234.50") + len("1,234.50") == lines[3].index("5.00") + len("5.00")  # right side


def test_grid_when_narrow_puts_notes_under_their_row_and_never_cuts_dates_or_amounts():
    lines = plain(Grid(COLUMNS, ROWS), width=44).splitlines()
    assert all(len(line.rstrip()) <= 44 for line in lines)
    assert "note" not in lines[0] and lines[0].split()[0] == "date"
    assert lines[2].startswith("2026-01-04") and "1,234.50" in lines[2]
    note = " ".join(line.strip() for line in lines[3:] if not line.startswith("20"))
    assert "Payment plan agreed" in note and "2,264.66 AUD each." in note
    assert any(line.startswith("2026-01-02") and "5.00" in line for line in lines)
    narrow = plain(Grid(COLUMNS, ROWS), width=36).splitlines()
    assert narrow[2].split() == ["2026-01-04", "meeti…", "Willia", "1,234.50"]  # cut and wrapped, not the date


def test_grid_cells_are_literal():
    rows = [[Text(name), Text(""), Text(""), Text(""), Text("1")] for name in HOSTILE[:4]]
    text = plain(Grid(COLUMNS, rows))
    for name in HOSTILE[:4]:
        assert name in text


class WidgetsApp(App[None]):
    BINDINGS = [Binding("x", "pressed('x')", "Press x", id="t.x"), Binding("y", "pressed('y')", "Hidden", id="t.y"),
                Binding("z", "pressed('z')", "Greyed", id="t.z"), Binding("w", "pressed('w')", "Quiet", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Sections(Block("Open invoices", Text("INV-1")), Block("Contacts"), placeholder="Loading", id="blocks")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pressed" and parameters == ("y",):
            return False
        if action == "pressed" and parameters == ("z",):
            return None
        return True

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)


async def test_sections_draw_headed_blocks_none_and_a_placeholder():
    app = WidgetsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        sections = app.query_one(Sections)
        assert [line.strip() for line in plain(sections.render(), 60).splitlines()] == \
            ["Open invoices", "INV-1", "", "Contacts", "none"]
        assert "Open invoices" in visible_text(app) and sections.size.height == 5
        app.query_one(Sections).show(placeholder="Loading the account")
        await pilot.pause()
        assert "Loading the account" in visible_text(app) and "Contacts" not in visible_text(app)


async def test_the_key_bar_shows_the_shown_keys_greys_disabled_ones_and_a_click_presses():
    app = WidgetsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        bar = app.query_one(KeyBar)
        line = visible_text(app).split("\n")[-1]
        assert "x Press x" in line and "z Greyed" in line and "^p palette" in line
        assert "Hidden" not in line and "Quiet" not in line
        entries, palette = bar.entries(app.screen)
        assert [e[2] for e in entries if not e[3]] == ["Greyed"] and palette is not None
        start = line.index("x Press x")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.pressed == ["x"]


# ---------------------------------------------------------------------------------- snapshots

def test_snapshot_small_terminal(demo_path, demo_details, snap_compare):
    d = pick(demo_details, "suspension_due")

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot, d.key)

    assert snap_compare(ScreenApp(demo_path, d.key), terminal_size=(80, 24), run_before=loaded)


def test_snapshot_light_theme(demo_path, demo_details, snap_compare):
    d = pick(demo_details, "warned")

    async def loaded(pilot) -> None:
        pilot.app.theme = "textual-light"
        await settle(pilot.app, pilot, d.key)

    assert snap_compare(ScreenApp(demo_path, d.key), terminal_size=SIZE, run_before=loaded)
