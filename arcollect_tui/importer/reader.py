"""Bytes -> rows: encoding, delimiter, quoting, with the physical line number of every row.

Everything here is about the file as text; what the columns mean is presets.py's job.  Bad
files (missing, empty, binary, undecodable, broken quoting) raise InputError naming the file and,
where there is one, the line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from arcollect_tui.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Control characters other than tab, CR and LF: a text file has (almost) none.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SEP_HINT = re.compile(r"^\ufeff?sep=(.)\s*$", re.I)


@dataclass(frozen=True)
class RawTable:
    """A file read as rows of text cells; `rows` holds (first line of the record, cells)."""

    path: Path
    name: str                 # the path as the user gave it, for messages
    sha256: str
    encoding: str
    delimiter: str
    rows: list[tuple[int, list[str]]]


def line_of(data: bytes | str, offset: int) -> int:
    """1-based line number of a byte (or character) offset."""
    return data.count(b"\n" if isinstance(data, bytes) else "\n", 0, offset) + 1


def read_table(path: Path) -> RawTable:
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: file not found: check the path") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder: expected a CSV file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    text, encoding = decode(data, name)
    if not text.strip():
        raise InputError(f"{name}:1: the file is empty: expected a header row and data rows")
    _refuse_binary(text, name)
    delimiter, skip_first = sniff_delimiter(text)
    rows = parse_rows(text, delimiter, name)
    if skip_first and rows:  # Excel's "sep=;" hint line is not data
        rows[0] = (rows[0][0], [])
    return RawTable(path=path, name=name, sha256=digest, encoding=encoding, delimiter=delimiter, rows=rows)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 (with BOM, or plainly interleaved NULs), else cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8", name, skip=3), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", name), "utf-16"
    if b"\x00" in data:
        sample = data[:4096]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if len(sample) >= 4 and odd > 0.4 * (len(sample) // 2) and even == 0:
            return _decode(data, "utf-16-le", name), "utf-16-le"
        if len(sample) >= 4 and even > 0.4 * (len(sample) // 2) and odd == 0:
            return _decode(data, "utf-16-be", name), "utf-16-be"
        at = data.index(b"\x00")
        raise InputError(f"{name}:{line_of(data, at)}: binary data (a NUL byte), not a CSV text file: "
                         "export the data as CSV")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode(data, "cp1252", name), "cp1252"


def _decode(data: bytes, encoding: str, name: str, skip: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        where = line_of(data, exc.start) if encoding not in ("utf-16", "utf-16-le", "utf-16-be") else None
        line = f":{where}" if where else ""
        raise InputError(f"{name}{line}: undecodable bytes ({encoding}: {exc.reason}): "
                         "save the file as UTF-8 CSV") from None


def _refuse_binary(text: str, name: str) -> None:
    if "\x00" in text:
        at = text.index("\x00")
        raise InputError(f"{name}:{line_of(text, at)}: binary data (a NUL character), not a CSV text file")
    sample = text[:65536]
    controls = _CONTROL.findall(sample)
    if len(controls) > 8 and len(controls) > 0.02 * len(sample):
        first = _CONTROL.search(sample)
        assert first is not None
        raise InputError(f"{name}:{line_of(text, first.start())}: mostly control characters: "
                         "binary data, not a CSV text file")


def sniff_delimiter(text: str) -> tuple[str, bool]:
    """The delimiter that splits the most sample rows into the same number (> 1) of fields.

    Returns (delimiter, whether the first line is an Excel `sep=X` hint).
    """
    first_line = text.split("\n", 1)[0].rstrip("\r")
    hint = _SEP_HINT.match(first_line)
    if hint and hint.group(1) in DELIMITERS:
        return hint.group(1), True
    sample = text[:65536].splitlines()
    if len(text) > 65536 and len(sample) > 1:
        sample = sample[:-1]  # the last line may be cut short
    sample = [line for line in sample[:200] if line.strip()]
    best: tuple[int, int, int] = (0, 0, 0)
    choice = ","
    for rank, delim in enumerate(DELIMITERS):
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=delim) if len(r) > 1]
        except csv.Error:
            continue
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        score = (freq, width, -rank)
        if score > best:
            best, choice = score, delim
    return choice, False


def parse_rows(text: str, delimiter: str, name: str) -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on; broken quoting is an error naming that line."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return parse_rows_tracked(text, delimiter, name)  # raises, naming the line
    # One record per physical line (no quoted line breaks): the line is the index + 1.
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(records) == lines and text.count("\r") == text.count("\r\n"):
        return list(zip(range(1, len(records) + 1), records))
    return parse_rows_tracked(text, delimiter, name)


def parse_rows_tracked(text: str, delimiter: str, name: str) -> list[tuple[int, list[str]]]:
    """The slow path: track the first line of every record (quoted line breaks, errors)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        what = str(exc)
        if "unexpected end of data" in what or "field larger than field limit" in what:
            hint = "a quote opens a field here and is never closed"
        else:
            hint = f"broken quoting ({what})"
        raise InputError(f"{name}:{start}: {hint}: a quoted field must end with a quote, "
                         "and quotes inside it are doubled (\"\")") from None
    return rows
