"""The timeline ladder: the eight stages left to right, the account's own in its stage colour.

One glance answers "where is this account and what comes next": the stage chip in colour, a
marker under it saying since when (and whether a hold keeps it there), then the dated steps
ahead.  Colours come from component classes (`ladder--<stage>`, LADDER_CLASSES) of the widget
that draws it (the account screen's `AccountHead`), styled in `account.tcss`, so every theme
colours them and no colour lives in Python.

Labels shrink to fit: full labels with arrows at 100+ columns, full labels at 80, short ones
below; the account's own stage always keeps its full label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from arcollect_tui.text import clean
from arcollect_tui.timeline import STAGE_LABELS, STAGES

SHORT_LABELS: dict[str, str] = {
    "current": "Current", "reminder": "Remind", "follow_up": "Follow", "warning_due": "Warn due",
    "warned": "Warned", "suspension_due": "Susp due", "suspended": "Suspended", "referred": "Referred",
}
TINY_LABELS: dict[str, str] = {
    "current": "Cur", "reminder": "Rem", "follow_up": "F-up", "warning_due": "W.due",
    "warned": "Wrnd", "suspension_due": "S.due", "suspended": "Susp", "referred": "Ref",
}
# Tried in order; the first that fits the width wins.
_FITS: tuple[tuple[dict[str, str], str], ...] = (
    (STAGE_LABELS, " → "), (STAGE_LABELS, " "), (SHORT_LABELS, " "), (TINY_LABELS, " "),
)


@dataclass(frozen=True)
class LadderState:
    """What the ladder shows: plain data, built by the screen from an `AccountDetail`."""

    stage: str
    since: dt.date | None = None          # the first day of the current stage, if known
    since_at_least: bool = False          # the stage already held when the history starts
    hold: str | None = None               # why the stage is frozen, e.g. "promise ... (open)"
    coming: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True)
class Rung:
    stage: str
    label: str
    column: int                           # where the label (or the current chip) starts


def layout(stage: str, width: int) -> tuple[list[Rung], str]:
    """Place the eight labels in `width` columns: the rungs and the separator used.

    The current stage is drawn as a chip (one space each side) with its full label.
    """
    for labels, sep in _FITS:
        rungs: list[Rung] = []
        column = 0
        for i, key in enumerate(STAGES):
            if i:
                column += len(sep)
            label = f" {STAGE_LABELS[key]} " if key == stage else labels[key]
            rungs.append(Rung(key, label, column))
            column += len(label)
        if column <= width:
            return rungs, sep
    return rungs, sep  # the smallest; the widget crops what does not fit


LADDER_CLASSES: frozenset[str] = frozenset({
    *(f"ladder--{key}" for key in STAGES),
    "ladder--past", "ladder--future", "ladder--separator", "ladder--marker", "ladder--date",
})
"""The component classes a widget that draws the ladder declares (and styles in its CSS)."""

StyleOf = Callable[[str], Style]
"""A widget's `get_component_rich_style`: the style of one of LADDER_CLASSES."""


def ladder_text(state: LadderState, width: int, style: StyleOf) -> Text:
    """The whole ladder at `width` cells: the rungs, the marker under the current one, the coming
    steps.  `style` resolves the component classes, so that no colour lives in Python."""
    rungs, sep = layout(state.stage, width)
    here = STAGES.index(state.stage) if state.stage in STAGES else -1
    text = Text(no_wrap=False)
    current_column = 0
    for i, rung in enumerate(rungs):
        if i:
            text.append(sep, style("ladder--separator"))
        if i == here:
            current_column = rung.column
            text.append(rung.label, style(f"ladder--{rung.stage}"))
        else:
            text.append(rung.label, style("ladder--past" if i < here else "ladder--future"))
    text.append("\n")
    text.append_text(_marker(state, current_column, width, style("ladder--marker")))
    for on, step in state.coming:
        text.append("\n")
        text.append(on.isoformat(), style("ladder--date"))
        text.append("  ")
        text.append(clean(step))
    return text


def _marker(state: LadderState, column: int, width: int, style: Style) -> Text:
    """`▲ since DATE · on hold: ...` under the current chip, shifted left to fit."""
    words = "▲ "
    if state.since is not None:
        words += ("since at least " if state.since_at_least else "since ") + state.since.isoformat()
    else:
        words += "here"
    if state.hold:
        words += f" · on hold: {clean(state.hold)}"
    start = max(0, min(column + 1, width - len(words)))
    return Text.assemble("\u00a0" * start, (words, style))
