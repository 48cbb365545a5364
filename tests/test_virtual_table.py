"""VirtualTable, driven by Pilot: what it shows, how the cursor moves, what it posts, and that
a 100,000-row list costs nothing per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message

from arcollect_tui.widgets.virtual_table import Column, Row, VirtualTable

SIZE = (80, 24)
HOSTILE = ["[bold]x", "Smith [/] & Sons", "[@click=app.quit]x[/]", "O'Brien [x"]


def make_rows(count: int, *, prefix: str = "A") -> list[Row]:
    return [Row(f"{prefix}{i:06d}", (f"{prefix}{i:06d}", f"Customer {i}", f"{i * 7 % 1000}.50")) for i in range(count)]


COLUMNS = (
    Column("key", "Key"),
    Column("name", "Name", max_width=20),
    Column("balance", "Balance", justify="right"),
)


class TableApp(App[None]):
    """One VirtualTable filling the screen; records the messages it posts."""

    def __init__(self, table: VirtualTable) -> None:
        super().__init__()
        self.table = table
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_virtual_table_row_highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        self.messages.append(message)

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.messages.append(message)

    def on_virtual_table_header_selected(self, message: VirtualTable.HeaderSelected) -> None:
        self.messages.append(message)


def first_style(table: VirtualTable, y: int):
    return next(iter(table.render_line(y))).style


def lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def highlighted(app: TableApp) -> list[tuple[str, int]]:
    return [(m.key, m.index) for m in app.messages if isinstance(m, VirtualTable.RowHighlighted)]


def selected(app: TableApp) -> list[tuple[str, int]]:
    return [(m.key, m.index) for m in app.messages if isinstance(m, VirtualTable.RowSelected)]


async def test_rows_shown_and_long_cells_cut():
    rows = make_rows(30)
    rows[3] = Row("A000003", ("A000003", "A very long customer name that does not fit", "1.00"))
    app = TableApp(VirtualTable(COLUMNS, rows))
    async with app.run_test(size=SIZE):
        table = app.table
        shown = lines(table)
        assert shown[0].split() == ["Key", "Name", "Balance"]
        assert shown[1].split()[:3] == ["A000000", "Customer", "0"]
        assert "A very long custome… " in shown[4]  # cut to max_width=20 with an ellipsis
        assert table.column_widths[1] == 20
        assert all(cell_len(line) == table.scrollable_content_region.width for line in shown)
        # Right-justified: the balances end in the same column.
        ends = {line.rstrip().rfind(".50") for line in shown[1:4]}
        assert len(ends) == 1
        # Only rows that fit are rendered: 23 lines under the header at 80x24.
        assert shown[23].split()[0] == "A000022"


async def test_header_stays_while_scrolling_vertically_and_moves_sideways():
    wide = (Column("key", "Key"), *(Column(f"c{i}", f"Col{i}", width=12) for i in range(8)))
    rows = [Row(f"K{i}", (f"K{i}", *(f"r{i}c{c}" for c in range(8)))) for i in range(500)]
    app = TableApp(VirtualTable(wide, rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert table.scroll_offset.y > 0
        shown = lines(table)
        assert shown[0].split()[:2] == ["Key", "Col0"]
        assert shown[1].split()[0] == f"K{table.scroll_offset.y}"
        await pilot.press("right", "right", "right", "right", "right", "right")
        assert table.scroll_offset.x > 0
        shown = lines(table)
        assert not shown[0].startswith(" Key")
        # Header and rows scroll sideways together: a column's label sits above its cells.
        at = shown[0].index("Col3")
        assert shown[1][at:].startswith(f"r{table.scroll_offset.y}c3")


async def test_cursor_keys_move_and_post_highlighted():
    app = TableApp(VirtualTable(COLUMNS, make_rows(100)))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        assert highlighted(app) == [("A000000", 0)]  # the first row, on mount
        await pilot.press("down", "j", "j")
        assert table.cursor_index == 3
        await pilot.press("up", "k")
        assert (table.cursor_index, table.cursor_key) == (1, "A000001")
        await pilot.press("pagedown")
        assert table.cursor_index == 1 + 23
        await pilot.press("pageup")
        assert table.cursor_index == 1
        await pilot.press("end")
        assert table.cursor_index == 99
        assert lines(table)[-1].split()[0] == "A000099"  # scrolled so the cursor shows
        await pilot.press("down")
        assert table.cursor_index == 99  # clamped
        await pilot.press("home")
        assert (table.cursor_index, table.scroll_offset.y) == (0, 0)
        await pilot.pause()
        posted = highlighted(app)
        assert posted[-1] == ("A000000", 0)
        assert ("A000099", 99) in posted
        assert all(m.control is table for m in app.messages)
        assert selected(app) == []


async def test_enter_and_click_select():
    app = TableApp(VirtualTable(COLUMNS, make_rows(50)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert selected(app) == [("A000002", 2)]
        await pilot.click(VirtualTable, offset=(5, 6))  # line 6 = row 5
        await pilot.pause()
        assert selected(app)[-1] == ("A000005", 5)
        assert app.table.cursor_index == 5
        await pilot.click(VirtualTable, offset=(12, 0))  # the header names a column, selects nothing
        await pilot.pause()
        headers = [m for m in app.messages if isinstance(m, VirtualTable.HeaderSelected)]
        assert [(m.column_key, m.column_index) for m in headers] == [("name", 1)]
        assert len(selected(app)) == 2


async def test_wheel_scrolls_without_moving_the_cursor():
    app = TableApp(VirtualTable(COLUMNS, make_rows(1000)))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        for _ in range(3):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_offset.y > 0 and table.cursor_index == 0
        shown = lines(table)
        assert shown[0].split()[0] == "Key"
        assert shown[1].split()[0] == f"A{table.scroll_offset.y:06d}"


async def test_set_rows_keeps_cursor_on_its_key_or_clamps():
    rows = make_rows(200)
    app = TableApp(VirtualTable(COLUMNS, rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.move_to_key("A000150")
        table.set_rows(list(reversed(rows)))
        assert (table.cursor_key, table.cursor_index) == ("A000150", 49)
        top = table.scroll_offset.y
        assert top <= 49 < top + 23  # the cursor is on screen
        await pilot.pause()
        assert highlighted(app)[-1] == ("A000150", 49)

        # The key is gone: same index, clamped to the shorter list.
        table.set_rows([row for row in rows[:40] if row.key != "A000150"])
        assert (table.cursor_key, table.cursor_index) == ("A000039", 39)
        # keep_key=False keeps the position whatever row is there now.
        table.set_rows(list(reversed(rows[:40])), keep_key=False)
        assert (table.cursor_key, table.cursor_index) == ("A000000", 39)
        assert not table.move_to_key("nope")
        assert table.cursor_index == 39
        assert lines(table)[0].split() == ["Key", "Name", "Balance"]


async def test_hostile_cells_are_shown_literally():
    names = [*HOSTILE, "Evil\x1b[31mRed\x07 Corp", "Tab\there\nnewline", "\u202eevil"]
    rows = [Row(f"K{i}", (f"K{i}", name, "1.00")) for i, name in enumerate(names)]
    columns = (Column("key", "[b]Key[/b]"), Column("name", "Name", max_width=30), Column("x", "x"))
    app = TableApp(VirtualTable(columns, rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        shown = lines(table)
        assert "[b]Key[/b]" in shown[0]
        for y, name in enumerate(HOSTILE, start=1):
            assert name in shown[y]
        assert "Evil[31mRed Corp" in shown[5]  # ESC and BEL stripped, the rest literal
        assert "Tab here newline" in shown[6]
        assert "\u202e" not in shown[7] and "evil" in shown[7]
        for y in range(1, 8):  # no markup became a style, a link or an action
            assert all(not seg.style or (not seg.style.meta and not seg.style.link)
                       for seg in table.render_line(y))
        await pilot.click(VirtualTable, offset=(12, 3))  # clicking `[@click=app.quit]x[/]`
        await pilot.pause()
        assert app.is_running
        assert selected(app)[-1] == ("K2", 2)


async def test_cjk_widths():
    rows = [Row("1", ("東京商事株式会社", "x")), Row("2", ("ソニー", "y")), Row("3", ("ab", "z"))]
    columns = (Column("name", "Name"), Column("v", "V"))
    app = TableApp(VirtualTable(columns, rows))
    async with app.run_test(size=SIZE):
        table = app.table
        assert table.column_widths[0] == cell_len("東京商事株式会社") == 16
        shown = lines(table)
        at = shown[0].index("V")
        assert at == 1 + 16 + 2
        for y, value in ((1, "x"), (2, "y"), (3, "z")):
            assert cell_len(shown[y][: shown[y].index(value)]) == at  # the next column lines up
            assert cell_len(shown[y]) == table.scrollable_content_region.width
    # A cut through a wide character: padded, never half a glyph.
    narrow = (Column("name", "Name", width=6), Column("v", "V"))
    app = TableApp(VirtualTable(narrow, rows))
    async with app.run_test(size=SIZE):
        line = app.table.render_line(1).text
        assert line.startswith(" 東京 … ")
        assert cell_len(" 東京 … ") == 8


async def test_empty_state():
    table = VirtualTable(COLUMNS, [], empty_message="No accounts match")
    app = TableApp(table)
    async with app.run_test(size=SIZE) as pilot:
        shown = lines(table)
        assert shown[0].split() == ["Key", "Name", "Balance"]
        assert shown[1].strip() == "No accounts match"
        assert table.cursor_key is None and table.cursor_row is None
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.messages == []
        table.set_rows(make_rows(3))
        await pilot.pause()
        assert lines(table)[1].split()[0] == "A000000"
        assert highlighted(app) == [("A000000", 0)]
        table.set_rows([])
        assert lines(table)[1].strip() == "No accounts match"


async def test_sort_marker_in_header():
    app = TableApp(VirtualTable(COLUMNS, make_rows(5)))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        before = lines(table)[0]
        table.sort_column = "name"
        await pilot.pause()
        assert "Name ▲" in lines(table)[0]
        table.sort_reverse = True
        await pilot.pause()
        header = lines(table)[0]
        assert "Name ▼" in header and "▲" not in header
        assert header.index("Balance") == before.index("Balance")  # room was kept for the marker


class StageTable(VirtualTable):
    ROW_STYLES = ("stage-warned",)
    DEFAULT_CSS = "StageTable > .virtual-table--stage-warned { color: $warning; }"


async def test_row_style_component_class_and_cursor_overlay():
    rows = [Row("a", ("a",), "stage-warned"), Row("b", ("b",), "stage-warned"), Row("c", ("c",), "undeclared")]
    table = StageTable([Column("k", "K")], rows)
    app = TableApp(table)
    async with app.run_test(size=SIZE) as pilot:
        assert "virtual-table--stage-warned" in table._get_component_classes()
        warned = table.get_visual_style("virtual-table--stage-warned").rich_style
        cursor = table.get_visual_style("virtual-table--stage-warned", "virtual-table--cursor").rich_style
        plain = table.get_visual_style().rich_style
        assert warned.color != plain.color  # the stage colour applies ...
        assert first_style(table, 2) == warned
        assert first_style(table, 1) == cursor  # ... and the cursor is laid over it
        assert cursor.bgcolor != warned.bgcolor
        assert first_style(table, 3) == plain  # an undeclared style is ignored
        await pilot.press("down")
        assert first_style(table, 1) == warned
        assert first_style(table, 2) == cursor


class CountingRows(Sequence[Row]):
    """A list of rows that counts how many were looked at."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.reads = 0

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...
    def __getitem__(self, index):
        self.reads += 1
        return self.rows[index]


async def test_100k_rows_nothing_built_per_row():
    rows = CountingRows(make_rows(100_000))
    app = TableApp(VirtualTable(COLUMNS, rows))
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.virtual_size.height == 100_001
        await pilot.press("end")
        assert table.cursor_key == "A099999"
        assert lines(table)[-1].split()[0] == "A099999"
        await pilot.press("up", "up", "pageup")
        assert table.cursor_index == 99_999 - 2 - 23
        # Bounded work: a column-width sample, a few screens of lines; not 100,000 rows.
        assert rows.reads < 1_000
        assert table.cached_strips <= 3 * 24
        # A reorder that keeps the cursor row in place is found without a key index.
        table.set_rows(rows)
        assert table.cursor_key == "A099974"
        assert rows.reads < 2_000


class LazyRows(Sequence[Row]):
    """Rows made on demand, with a key lookup of their own, as a screen over its data would."""

    def __init__(self, count: int, *, reverse: bool = False) -> None:
        self.count, self.reverse, self.reads = count, reverse, 0

    def __len__(self) -> int:
        return self.count

    def _position(self, i: int) -> int:
        return self.count - 1 - i if self.reverse else i

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if not 0 <= index < self.count:
            raise IndexError(index)
        self.reads += 1
        n = self._position(index)
        return Row(f"K{n}", (f"K{n}", f"Name {n}"))

    def index_of_key(self, key: str) -> int | None:
        n = int(key[1:])
        return self._position(n) if 0 <= n < self.count else None


async def test_lazy_rows_use_their_own_key_lookup():
    app = TableApp(VirtualTable((Column("k", "K"), Column("n", "Name")), LazyRows(100_000)))
    async with app.run_test(size=SIZE):
        table = app.table
        assert table.move_to_key("K500")
        reversed_rows = LazyRows(100_000, reverse=True)
        table.set_rows(reversed_rows)
        assert (table.cursor_key, table.cursor_index) == ("K500", 99_499)
        assert lines(table)[-1].split()[0] == "K500"  # scrolled to it
        assert reversed_rows.reads < 1_000  # no index built over the 100,000 rows


def snapshot_app() -> TableApp:
    rows = [
        Row("A1", ("A1", "Acme Pty Ltd", "1,200.00", "12"), "stage-warned"),
        Row("A2", ("A2", "Smith [/] & Sons", "310.50", "45")),
        Row("A3", ("A3", "[@click=app.quit]x[/]", "99.00", "3")),
        Row("A4", ("A4", "東京商事株式会社 Long Name", "120000", "91"), "stage-warned"),
        Row("A5", ("A5", "O'Brien [x", "0.00", "0")),
    ]
    columns = (
        Column("key", "Key"),
        Column("name", "Name", max_width=20),
        Column("balance", "Balance", justify="right"),
        Column("dpd", "DPD", justify="right"),
    )
    table = StageTable(columns, rows)
    table.sort_column = "dpd"
    table.sort_reverse = True
    return TableApp(table)


def test_snapshot(snap_compare):
    assert snap_compare(snapshot_app(), terminal_size=(60, 12), press=["down"])
