"""The demo generator's child process: `python -m arcollect_tui.demo.worker` (see builder.py).

It reads one pickled job on stdin and writes pickled row chunks on stdout; it never opens the
database.  Run by `build_demo` for big portfolios, not by people.
"""

from __future__ import annotations

import sys

from arcollect_tui.demo.builder import child_main

if __name__ == "__main__":
    child_main(sys.stdin.buffer, sys.stdout.buffer)
