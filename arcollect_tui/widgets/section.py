"""Read-only blocks (a heading over a table or a few lines of text), drawn by one widget.

Why not a `Label` plus a `DataTable` per section: every widget costs style matching, layout and
a render pass when a screen is shown, restyled (focus moves) or updated.  The account screen had
seven DataTables in about a hundred widgets and took 0.6 s to appear at 100k accounts; one
`Sections` widget draws all those blocks.

Why `Grid` and not `rich.table.Table`: Rich measures and renders every cell through its generic
renderable machinery, about 35 ms for 50 rows of 7 columns, and Textual renders a block twice
(once to learn its height, once to paint it).  `Grid` lays out its own columns from the cells'
widths, renders each width once (cached) and takes a fast path for cells with a single style:
about 2 ms for the same rows.  Long free text (notes, reasons) wraps in its column; keys, dates
and amounts never wrap and are cut with an ellipsis only when the terminal is too narrow.

The heading and the empty line take their colours from component classes (`sections--heading`,
`sections--empty`), resolved when the widget renders, so a theme change recolours them.  Cells are
untrusted text: they are `rich.text.Text` (a plain `str` would be read as markup by Rich),
control characters stripped by the caller (`arcollect_tui.text.clean`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

Justify = Literal["left", "right"]
GAP = 2            # blank cells between two columns
WRAP_MIN = 12      # wrapping columns give way first, down to this width ...
WRAP_FLOOR = 6     # ... and below it, to this, only once the cuttable columns are cut
CUT_MIN = 4        # a cuttable column keeps at least this much (or its heading)


@dataclass(frozen=True, slots=True)
class Col:
    """A column of a `Grid`: heading and side; `wrap`: long text (reasons) wraps in the column;
    `cut`: short words (a channel, a user) may be cut with an ellipsis when the terminal is
    narrow; `below`: when the row does not fit, this text (a note) goes on lines of its own under
    its row, as wide as the terminal.  Other columns (keys, dates, amounts) keep their width."""

    heading: str
    justify: Justify = "left"
    wrap: bool = False
    cut: bool = False
    below: bool = False


def _widths(columns: Sequence[Col], natural: list[int], width: int) -> list[int]:
    """Natural widths when they fit.  Else, widest first: wrapping columns down to WRAP_MIN,
    cuttable ones down to their heading, wrapping ones down to WRAP_FLOOR, cuttable ones down to
    CUT_MIN; what still does not fit is cropped at the right edge."""
    widths = list(natural)
    excess = sum(widths) + GAP * (len(widths) - 1) - width

    def shrink(indices: list[int], floor: int, *, heading: bool = False) -> None:
        nonlocal excess
        for i in sorted(indices, key=lambda i: -widths[i]):
            if excess <= 0:
                return
            low = min(natural[i], max(floor, cell_len(columns[i].heading) if heading else 0))
            give = min(excess, widths[i] - low)
            if give > 0:
                widths[i] -= give
                excess -= give

    wraps = [i for i, c in enumerate(columns) if c.wrap]
    cuts = [i for i, c in enumerate(columns) if c.cut]
    shrink(wraps, WRAP_MIN)
    shrink(cuts, CUT_MIN, heading=True)
    shrink(wraps, WRAP_FLOOR)
    shrink(cuts, CUT_MIN)
    return widths


class Grid:
    """Rows of `Text` cells under bold headings and a rule, as a Rich renderable."""

    def __init__(self, columns: Sequence[Col], rows: Iterable[Sequence[Text]]) -> None:
        self.columns = tuple(columns)
        self.rows = [tuple(row) for row in rows]
        self.natural = [max([cell_len(c.heading), *(row[i].cell_len for row in self.rows)])
                        for i, c in enumerate(self.columns)]
        self._lines: dict[int, list[list[Segment]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        total = sum(self.natural) + GAP * (len(self.natural) - 1)
        return Measurement(min(total, len(self.natural) * CUT_MIN), total)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lines = self._lines.get(width)
        if lines is None:
            lines = self._lines[width] = self._layout(console, width)
        new_line = Segment.line()
        for line in lines:
            yield from line
            yield new_line

    def _layout(self, console: Console, width: int) -> list[list[Segment]]:
        everything = range(len(self.columns))
        fits = sum(self.natural) + GAP * (len(self.natural) - 1) <= width
        below = [] if fits else [i for i in everything if self.columns[i].below]
        shown = [i for i in everything if i not in below]
        columns = [self.columns[i] for i in shown]
        widths = _widths(columns, [self.natural[i] for i in shown], width)
        indent = min(widths[0] + GAP, width // 3) if widths else 0
        gap = Segment(" " * GAP)
        bold = Style(bold=True)
        lines: list[list[Segment]] = [[], []]
        for i, (column, w) in enumerate(zip(columns, widths)):
            if i:
                lines[0].append(gap)
                lines[1].append(gap)
            lines[0].extend(self._cell(console, Text(column.heading, style=bold), w, column.justify)[0])
            lines[1].append(Segment("─" * w, Style(dim=True)))
        for row in self.rows:
            cells = [self._cell(console, row[i], w, column.justify, wrap=column.wrap)
                     for i, column, w in zip(shown, columns, widths)]
            for y in range(max(len(c) for c in cells)):
                line: list[Segment] = []
                for i, (cell, w) in enumerate(zip(cells, widths)):
                    if i:
                        line.append(gap)
                    line.extend(cell[y] if y < len(cell) else [Segment(" " * w)])
                lines.append(line)
            for i in below:
                if row[i].plain.strip():
                    lines += [[Segment(" " * indent), *part]
                              for part in self._cell(console, row[i], width - indent, "left", wrap=True)]
        return lines

    @staticmethod
    def _cell(console: Console, text: Text, width: int, justify: Justify, *,
              wrap: bool = False) -> list[list[Segment]]:
        """The cell's lines, each exactly `width` cells wide."""
        if text.cell_len > width:
            if wrap:
                parts = list(text.wrap(console, width, overflow="fold"))
            else:
                parts = [text.copy()]
                parts[0].truncate(width, overflow="ellipsis")
        else:
            parts = [text]
        out = []
        for part in parts:
            pad = " " * max(0, width - part.cell_len)
            side = text.justify or justify
            if part.spans:
                segments = list(part.render(console, end=""))
            else:
                style = console.get_style(part.style) if part.style else None
                segments = [Segment(part.plain, style)]
            out.append([Segment(pad), *segments] if side == "right" else [*segments, Segment(pad)])
        return out


@dataclass(frozen=True, slots=True)
class Block:
    """One headed block of a `Sections`; a body of None says "none"."""

    heading: str
    body: RenderableType | None = None


class _SideBySide:
    """Blocks in equal columns when the width allows (`Sections.side_by_side`), else stacked."""

    def __init__(self, parts: list[list[RenderableType]], min_width: int) -> None:
        self.parts = parts
        self.min_width = min_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width < self.min_width:
            yield Group(*(part for i, parts in enumerate(self.parts) for part in ([Text("")] if i else []) + parts))
            return
        grid = Table.grid(expand=True, padding=(0, GAP))
        for _ in self.parts:
            grid.add_column(ratio=1)
        grid.add_row(*(Group(*parts) for parts in self.parts))
        yield grid


class Sections(Widget):
    """Headed blocks one under the other, a blank line between them, all drawn by this one widget
    (one node to style and lay out however many blocks there are); `placeholder` while empty.
    With `side_by_side` (a width in cells), they stand in equal columns when it is that wide."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"sections--heading", "sections--empty"}

    DEFAULT_CSS = """
    Sections {
        height: auto;
        & > .sections--heading {
            color: $text-muted;
            text-style: bold;
        }
        & > .sections--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    def __init__(self, *blocks: Block, placeholder: str = "", side_by_side: int = 0,
                 id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.blocks: tuple[Block, ...] = blocks
        self.placeholder = placeholder
        self.side_by_side = side_by_side

    def show(self, *blocks: Block, placeholder: str | None = None) -> None:
        """Replace the blocks (none: the placeholder, if given, is shown instead)."""
        self.blocks = blocks
        if placeholder is not None:
            self.placeholder = placeholder
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        empty = self.get_component_rich_style("sections--empty")
        if not self.blocks:
            return Text(self.placeholder, style=empty)
        heading_style = self.get_component_rich_style("sections--heading")
        parts = [[Text(block.heading, style=heading_style, no_wrap=True, overflow="ellipsis"),
                  block.body if block.body is not None else Text("none", style=empty)] for block in self.blocks]
        if self.side_by_side and len(parts) > 1:
            return _SideBySide(parts, self.side_by_side)
        return Group(*(part for i, block in enumerate(parts) for part in ([Text("")] if i else []) + block))
