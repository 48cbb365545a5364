"""What an import found and did, as plain frozen dataclasses (the CLI and the app print them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

# Entity kinds counted in a report, in the order they are printed.
COUNTED = ("accounts", "contacts", "invoices", "payments", "disputes")

# Why rows were skipped, in the order they are printed, with words for people.
SKIP_REASONS: dict[str, str] = {
    "title": "title rows above the header",
    "section": "section and note rows",
    "total": "total rows",
    "blank": "blank rows",
    "not_posted": "draft or cancelled documents",
    "applied_credit": "credit notes already applied in full",
}


@dataclass(frozen=True)
class KindCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged + self.removed


@dataclass(frozen=True)
class FieldChange:
    """One field of one entity, before and after: `account A invoice I: due_date X -> Y`."""

    kind: str          # accounts, contacts, invoices, payments, disputes
    entity: str        # how people name it: "account 0379-NEVHP invoice 0000611365"
    field: str
    before: str | None
    after: str | None

    def __str__(self) -> str:
        return f"{self.entity}: {self.field} {_show(self.before)} -> {_show(self.after)}"


def _show(value: str | None) -> str:
    return "(empty)" if value is None or value == "" else value


@dataclass(frozen=True)
class FileSummary:
    path: str
    sha256: str
    kind: str
    preset: str
    encoding: str
    delimiter: str
    header_line: int
    rows: int                      # data rows read (skipped rows not included)
    date_order: str | None         # "MDY", "DMY", or None when no slash date needed one
    columns: Mapping[str, str] = field(default_factory=dict)   # canonical -> header as written
    ignored: tuple[str, ...] = ()  # headers that were not used


@dataclass(frozen=True)
class ImportReport:
    files: tuple[FileSummary, ...]
    counts: Mapping[str, KindCounts]
    skipped: Mapping[str, int]
    changes: tuple[FieldChange, ...]
    dry_run: bool
    batch_id: int | None = None    # the import_batch row; None for a dry run or when nothing changed
    notes: tuple[str, ...] = ()

    def count(self, kind: str) -> KindCounts:
        return self.counts.get(kind, KindCounts())

    @property
    def wrote_anything(self) -> bool:
        return self.batch_id is not None

    @property
    def has_changes(self) -> bool:
        return any(c.new or c.changed or c.removed for c in self.counts.values())
