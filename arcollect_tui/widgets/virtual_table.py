"""A table that renders only the rows on screen, for worklists of 100,000 accounts and more.

Why not `DataTable`: it builds and measures every row before its first frame (about 14 s at
100k rows, issue 4).  Here the caller owns a plain sequence of `Row`s; the widget keeps a
reference to it, `render_line` turns one row into one `Strip` (Textual's Line API, as
Textualize/toolong does), and a small LRU of those strips makes repaints and cursor moves cheap.
Nothing is done per row of the list except, lazily and only when asked for a key, a dict from
key to position.

Cells are untrusted text: they are never parsed as markup (a `Segment` carries text literally)
and control characters are stripped (`arcollect_tui.text.clean`) before they are measured.

Row colours: `Row.style = "stage-warned"` resolves to the component class
`virtual-table--stage-warned`.  A subclass declares the names it uses in `ROW_STYLES`, which
become component classes, and styles them in CSS with theme variables::

    class QueueTable(VirtualTable):
        ROW_STYLES = ("stage-warned", "stage-suspended")
        DEFAULT_CSS = "QueueTable > .virtual-table--stage-warned { color: $warning; }"

The cursor's component class (`virtual-table--cursor`) is laid over the row's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from arcollect_tui.text import clean

Justify = Literal["left", "right"]

ELLIPSIS = "…"
SORT_MARKERS = {False: " ▲", True: " ▼"}  # keyed by sort_reverse
MARKER_WIDTH = 2  # auto widths always leave room for the marker, so sorting never moves columns
PAD = " "  # one blank cell each side of every column
SAMPLE_HEAD = 50  # auto widths look at the first rows (what the user sees first) ...
SAMPLE_SPREAD = 200  # ... and at about this many more spread evenly over the whole list
STRIP_CACHE_SIZE = 256  # a few screens' worth of rendered lines
ROW_STYLE_PREFIX = "virtual-table--"


@dataclass(frozen=True, slots=True)
class Column:
    """One column.  `width=None` sizes it from the header and a sample of the rows."""

    key: str
    label: str
    width: int | None = None
    justify: Justify = "left"
    min_width: int = 1
    max_width: int = 40  # auto widths stop here; longer cells are cut with an ellipsis


@dataclass(frozen=True, slots=True)
class Row:
    """One row: its key (stable across refreshes), its cells as literal text, a style name."""

    key: str
    cells: tuple[str, ...]
    style: str | None = None


def fit(text: str, width: int, justify: Justify = "left") -> str:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded on the justified side."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        # set_cell_size cuts by cells and pads a wide character split in two with a space.
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - length)
    return padding + text if justify == "right" else text + padding


class VirtualTable(ScrollView, can_focus=True):
    """A focusable table over a sequence of `Row`s that renders only the visible lines.

    Line 0 is the header (fixed: it scrolls sideways with the columns, never vertically);
    line `i + 1` of the virtual canvas is row `i`.  Sorting and filtering are the caller's job:
    it passes rows in the order to show and sets `sort_column` / `sort_reverse` for the marker.
    """

    ROW_STYLES: ClassVar[tuple[str, ...]] = ()
    """Row style names a subclass uses; each becomes component class `virtual-table--NAME`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--empty",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .virtual-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="virtual_table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="virtual_table.cursor_down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="virtual_table.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="virtual_table.page_down"),
        Binding("home", "cursor_first", "First", show=False, id="virtual_table.first"),
        Binding("end", "cursor_last", "Last", show=False, id="virtual_table.last"),
        Binding("enter", "select_cursor", "Select", id="virtual_table.select"),
    ]

    sort_column: var[str | None] = var(None)
    """Key of the column the caller sorted by (a marker in its header), or None."""
    sort_reverse: var[bool] = var(False)
    """True when that sort is descending (marker ▼, else ▲)."""
    empty_message: var[str] = var("No rows")
    """The line shown under the header when there are no rows."""

    @dataclass
    class RowHighlighted(Message):
        """The cursor moved to row `index` (key `key`).  Fast repeats are coalesced."""

        table: VirtualTable
        key: str
        index: int

        @property
        def control(self) -> VirtualTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            """A newer highlight of the same table makes a queued one pointless."""
            return isinstance(message, VirtualTable.RowHighlighted) and message.table is self.table

    @dataclass
    class RowSelected(Message):
        """Row `index` (key `key`) was chosen: `enter`, or a mouse click."""

        table: VirtualTable
        key: str
        index: int

        @property
        def control(self) -> VirtualTable:
            return self.table

    @dataclass
    class HeaderSelected(Message):
        """A column header was clicked (the caller may sort by it)."""

        table: VirtualTable
        column_key: str
        column_index: int

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Turn a subclass's ROW_STYLES into component classes, before Textual reads them."""
        own_styles = cls.__dict__.get("ROW_STYLES", ())
        if own_styles:
            own_classes = set(cls.__dict__.get("COMPONENT_CLASSES", set()))
            cls.COMPONENT_CLASSES = own_classes | {ROW_STYLE_PREFIX + name for name in own_styles}
        super().__init_subclass__(**kwargs)

    def __init__(
        self,
        columns: Sequence[Column] = (),
        rows: Sequence[Row] = (),
        *,
        empty_message: str = "No rows",
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        self._strips: LRUCache[tuple[int, bool, int, int], Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._header: tuple[tuple[object, ...], Strip] | None = None
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._known_classes = self._get_component_classes()
        self._columns: tuple[Column, ...] = tuple(columns)
        self._rows: Sequence[Row] = rows
        self._widths: tuple[int, ...] = ()
        self._starts: tuple[int, ...] = ()
        self._total_width = 0
        self._cursor = 0
        self._key_index: dict[str, int] | None = None
        self._posted: tuple[str, int] | None = None
        self.set_reactive(VirtualTable.empty_message, empty_message)
        self._layout_columns()
        self._update_virtual_size()

    # -- data -------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def rows(self) -> Sequence[Row]:
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_index(self) -> int:
        """Position of the cursor in `rows` (0 when there are no rows)."""
        return self._cursor

    @property
    def cursor_row(self) -> Row | None:
        return self._rows[self._cursor] if self._rows else None

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, None when there are no rows."""
        row = self.cursor_row
        return row.key if row is not None else None

    @property
    def column_widths(self) -> tuple[int, ...]:
        """Width of each column's text, in cells (padding not included)."""
        return self._widths

    @property
    def cached_strips(self) -> int:
        """Rendered lines held in the LRU (bounded; shows that nothing is built per row)."""
        return len(self._strips)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Replace the columns; widths are computed again."""
        self._columns = tuple(columns)
        self._layout_columns()
        self._invalidate()

    def set_rows(self, rows: Sequence[Row], *, keep_key: bool = True) -> None:
        """Show `rows` instead; the widget keeps a reference and does no per-row work.

        With `keep_key`, the cursor stays on the row with the same key when it is still there
        (found in O(1) when it did not move, else through a key index built once, or through
        `rows.index_of_key(key) -> int | None` when the sequence has that method); otherwise it
        keeps its index, clamped.  The view scrolls so that the cursor stays visible.

        `rows` may be any `Sequence[Row]`, including a lazy one that formats a row only when
        it is read: the widget reads the rows on screen and a sample of about 250 for widths.
        """
        old_key, old_index = self.cursor_key, self._cursor
        self._rows = rows
        self._key_index = None
        index = old_index
        if keep_key and old_key is not None:
            found = self._find(old_key, hint=old_index)
            if found is not None:
                index = found
        self._cursor = self._clamp(index)
        self._layout_columns()
        self._invalidate()
        self._scroll_to_cursor()
        self._post_highlighted()

    def index_of(self, key: str) -> int | None:
        """Position of the row with `key`, or None (builds the key index on first use)."""
        return self._find(key, hint=self._cursor)

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row `index` (clamped), scrolling it into view."""
        if not self._rows:
            return
        new = self._clamp(index)
        old, self._cursor = self._cursor, new
        if new != old:
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        self._scroll_to_cursor()
        self._post_highlighted()

    def move_to_key(self, key: str) -> bool:
        """Put the cursor on the row with `key`; False (cursor unchanged) when there is none."""
        index = self.index_of(key)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def _find(self, key: str, *, hint: int) -> int | None:
        if 0 <= hint < len(self._rows) and self._rows[hint].key == key:
            return hint
        finder = getattr(self._rows, "index_of_key", None)
        if callable(finder):  # a lazy sequence knows its keys without making every Row
            return finder(key)
        if self._key_index is None:
            self._key_index = {row.key: i for i, row in enumerate(self._rows)}
        return self._key_index.get(key)

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._rows) - 1))

    def _sample(self) -> list[Row]:
        """The rows auto widths look at: the first ones and an even spread, never all of them."""
        count = len(self._rows)
        step = max(1, count // SAMPLE_SPREAD)
        indices = sorted(set(range(min(count, SAMPLE_HEAD))) | set(range(0, count, step)))
        return [self._rows[i] for i in indices]

    def _layout_columns(self) -> None:
        auto = [i for i, column in enumerate(self._columns) if column.width is None]
        sample = self._sample() if auto else []
        widths = []
        for i, column in enumerate(self._columns):
            if column.width is not None:
                widths.append(max(1, column.width))
                continue
            width = cell_len(clean(column.label)) + MARKER_WIDTH
            for row in sample:
                if i < len(row.cells):
                    width = max(width, cell_len(clean(row.cells[i])))
            low = max(1, column.min_width)
            widths.append(max(low, min(width, max(low, column.max_width))))
        starts, x = [], 0
        for width in widths:
            starts.append(x)
            x += width + 2 * len(PAD)
        self._widths, self._starts, self._total_width = tuple(widths), tuple(starts), x

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._total_width, max(1, len(self._rows)) + 1)

    def _invalidate(self) -> None:
        """Forget rendered lines (data, columns or styles changed) and repaint."""
        self._strips.clear()
        self._header = None
        self._update_virtual_size()
        self.refresh()

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            return self._render_header(width, scroll_x)
        if not self._rows:
            if y == 1:
                return self._render_empty(width)
            return Strip.blank(width, self.get_visual_style().rich_style)
        index = scroll_y + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.get_visual_style().rich_style)
        is_cursor = index == self._cursor
        cache_key = (index, is_cursor, width, scroll_x)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._render_row(self._rows[index], is_cursor, width, scroll_x)
            self._strips.set(cache_key, strip)
        return strip

    def _row_style(self, row: Row, is_cursor: bool) -> Style:
        classes: list[str] = []
        if row.style:
            name = ROW_STYLE_PREFIX + row.style
            if name in self._known_classes:  # an undeclared style is ignored, never an error
                classes.append(name)
        if is_cursor:
            classes.append("virtual-table--cursor")
        return self.get_visual_style(*classes).rich_style

    def _render_row(self, row: Row, is_cursor: bool, width: int, scroll_x: int) -> Strip:
        cells = row.cells
        texts = [clean(cells[i]) if i < len(cells) else "" for i in range(len(self._columns))]
        return self._render_cells(texts, self._row_style(row, is_cursor), width, scroll_x)

    def _render_header(self, width: int, scroll_x: int) -> Strip:
        cache_key = (width, scroll_x, self.sort_column, self.sort_reverse)
        if self._header is not None and self._header[0] == cache_key:
            return self._header[1]
        labels = []
        for column, column_width in zip(self._columns, self._widths):
            marker = SORT_MARKERS[self.sort_reverse] if column.key == self.sort_column else ""
            room = column_width - cell_len(marker)
            label = clean(column.label)
            if cell_len(label) > room:
                label = fit(label, room)
            labels.append(label + marker if room > 0 else fit(marker.strip(), column_width))
        style = self.get_visual_style("virtual-table--header").rich_style
        strip = self._render_cells(labels, style, width, scroll_x)
        self._header = (cache_key, strip)
        return strip

    def _render_empty(self, width: int) -> Strip:
        style = self.get_visual_style("virtual-table--empty").rich_style
        text = fit(PAD + clean(self.empty_message), width)
        return Strip([Segment(text, style)], width)

    def _render_cells(self, texts: list[str], style: Style, width: int, scroll_x: int) -> Strip:
        """One line of cells; only the columns that overlap [scroll_x, scroll_x + width) are built."""
        end = scroll_x + width
        parts: list[str] = []
        first = None
        for column, text, start, column_width in zip(self._columns, texts, self._starts, self._widths):
            stop = start + column_width + 2 * len(PAD)
            if stop <= scroll_x:
                continue
            if start >= end:
                break
            if first is None:
                first = start
            parts.append(PAD + fit(text, column_width, column.justify) + PAD)
        if first is None:
            return Strip.blank(width, style)
        strip = Strip([Segment("".join(parts), style)])
        left = scroll_x - first
        return strip.crop(left, left + width).extend_cell_length(width, style)

    def notify_style_update(self) -> None:
        """Theme, focus or CSS changed: rendered lines carry old colours."""
        super().notify_style_update()
        if hasattr(self, "_strips"):
            self._strips.clear()
            self._header = None

    def watch_sort_column(self) -> None:
        self.refresh()

    def watch_sort_reverse(self) -> None:
        self.refresh()

    def watch_empty_message(self) -> None:
        self.refresh()

    # -- cursor and scrolling ---------------------------------------------------------------

    def _body_height(self) -> int:
        """Rows that fit under the header (0 before the first layout)."""
        return max(0, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        body = self._body_height()
        if body <= 0:
            return  # not laid out yet: on_resize scrolls once the size is known
        top = self.scroll_offset.y
        if self._cursor < top:
            target = self._cursor
        elif self._cursor >= top + body:
            target = self._cursor - body + 1
        else:
            return
        self.scroll_to(y=target, animate=False, force=True)

    def _post_highlighted(self) -> None:
        key = self.cursor_key
        if key is None:
            self._posted = None
            return
        if self._posted != (key, self._cursor):
            self._posted = (key, self._cursor)
            self.post_message(self.RowHighlighted(self, key, self._cursor))

    def on_mount(self) -> None:
        # ScrollView's own on_mount runs too: Textual calls the handler of every class in the MRO.
        self._post_highlighted()

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def on_focus(self, event: events.Focus) -> None:
        self._strips.clear()  # the cursor's colour depends on focus
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._strips.clear()
        self.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`enter` is greyed out in the footer when there is nothing to select."""
        if action == "select_cursor" and not self._rows:
            return None
        return True

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        self.move_cursor(self._cursor - max(1, self._body_height()))

    def action_cursor_page_down(self) -> None:
        self.move_cursor(self._cursor + max(1, self._body_height()))

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self._cursor))

    def on_click(self, event: events.Click) -> None:
        """A click on a row moves the cursor there and selects it; on the header, names the column."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + self.scroll_offset.x
            for i, (column, start, width) in enumerate(zip(self._columns, self._starts, self._widths)):
                if start <= x < start + width + 2 * len(PAD):
                    self.post_message(self.HeaderSelected(self, column.key, i))
                    break
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self._rows):
            self.move_cursor(index)
            self.action_select_cursor()
