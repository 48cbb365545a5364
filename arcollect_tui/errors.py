"""Errors that the front ends turn into exit codes (CONTRACT.md, "Exit codes")."""

from __future__ import annotations


class ArcollectError(Exception):
    """An expected failure with a message fit for the user.  Exit code 1."""

    exit_code = 1


class InputError(ArcollectError):
    """Bad input or usage: each problem names the file, line, field, value and what was expected.

    Exit code 2.  Nothing has been written.
    """

    exit_code = 2

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class PolicyRefusal(ArcollectError):
    """Refused by the collection policy: the rule and when the action becomes possible.  Exit 3."""

    exit_code = 3


class DataCheckFailed(ArcollectError):
    """A check of the data failed (for example the audit chain).  Exit code 4."""

    exit_code = 4
