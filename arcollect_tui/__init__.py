"""arcollect: a keyboard-first terminal worklist for accounts-receivable collectors."""

__version__ = "0.1.0"
