"""Untrusted text (names, notes, imported cells): strip control characters, never parse markup."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL, except that tab/newline are turned into spaces by `clean`.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: str | None, *, keep_newlines: bool = False) -> str:
    """Remove control characters (escape sequences lose their ESC and become harmless text).

    Bidirectional override and isolate marks (U+202A-U+202E, U+2066-U+2069) are removed too:
    they can make a name display as something else.
    """
    if not value:
        return ""
    if keep_newlines:
        value = value.replace("\r\n", "\n")
        lines = [_clean_line(line) for line in value.split("\n")]
        return "\n".join(lines)
    return _clean_line(value.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def _clean_line(value: str) -> str:
    value = _CONTROL.sub("", value.replace("\t", " "))
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf" or ch in "\u200d")
