"""Crash safety: SIGKILL in the middle of a large import, of a demo build, and right after a call is
saved.  Afterwards `PRAGMA integrity_check` is ok, the audit chain holds, a killed import or demo
left nothing (each is one transaction), the saved call is there, and the database still works.

The kill is timed by the child's own progress line (its stderr is a pseudo-terminal, so it shows
one), not by sleeping: it lands at a known point of the work while the child is still running
(the test asserts it died by SIGKILL).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and pseudo-terminals")

TODAY = "2026-11-23"
ROWS = 200_000


def _kill_at(cmd: list[str], env: dict[str, str], seen: Callable[[str], bool], deadline: float = 180.0) -> str:
    """Run `cmd` with its stderr on a pseudo-terminal (so it shows its progress line) and SIGKILL it
    as soon as `seen(progress so far)` holds; fail if it finished first.  Returns the progress."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    text = ""
    end = time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal: it has exited
                    chunk = b""
                text += chunk.decode("utf-8", "replace")
                if seen(text):
                    proc.send_signal(signal.SIGKILL)
                    assert proc.wait(timeout=30) == -signal.SIGKILL
                    return text
                if not chunk:
                    break
            if proc.poll() is not None:
                break
        proc.kill()
        proc.wait(timeout=30)
        pytest.fail(f"the child ended (exit {proc.returncode}) before the point to kill it at: {text[-300:]!r}")
    finally:
        os.close(master)


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "arcollect_tui", "--db", str(db), "--today", TODAY, *args]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCOLLECT_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return env


def _healthy(db: Path, tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    verify = subprocess.run(_cli(db, "audit", "verify"), env=_env(tmp_path), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    return conn


def _count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def big_csv(tmp_path) -> Path:
    path = tmp_path / "invoices.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("account,name,invoice,invoice_date,due_date,amount,currency\n")
        for i in range(ROWS):
            acct = i % 12_000
            out.write(f"C{acct:05d},Customer {acct},INV{i:07d},2026-0{1 + i % 9}-0{1 + i % 9},"
                      f"2026-0{1 + i % 9}-2{i % 9},{100 + i % 5000}.{i % 100:02d},USD\n")
    return path


def test_sigkill_mid_import_leaves_nothing_and_the_database_works(tmp_path, big_csv):
    db = tmp_path / "crash.db"
    env = _env(tmp_path)
    assert subprocess.run(_cli(db, "audit", "verify"), env=env, capture_output=True).returncode == 0  # creates it
    # Killed once every row is read and checked and the one write transaction has begun.
    _kill_at(_cli(db, "import", str(big_csv)), env, lambda progress: "; writing" in progress)

    conn = _healthy(db, tmp_path)
    assert (_count(conn, "invoice"), _count(conn, "account"), _count(conn, "import_batch")) == (0, 0, 0)
    conn.close()

    # No stale lock, nothing half-done: the same import now runs to the end.
    done = subprocess.run(_cli(db, "import", str(big_csv)), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    conn = _healthy(db, tmp_path)
    assert _count(conn, "invoice") == ROWS


def _half_built(progress: str) -> bool:
    counts = re.findall(r"demo: ([\d,]+)/([\d,]+) accounts", progress)
    return bool(counts) and int(counts[-1][0].replace(",", "")) * 2 >= int(counts[-1][1].replace(",", ""))


def test_sigkill_mid_demo_build_leaves_an_empty_database(tmp_path):
    db = tmp_path / "demo.db"
    env = _env(tmp_path)
    # Killed once half the accounts are inserted (the build is one transaction).
    _kill_at(_cli(db, "demo", "--accounts", "8000"), env, _half_built)

    conn = _healthy(db, tmp_path)
    assert (_count(conn, "account"), _count(conn, "invoice"), _count(conn, "activity")) == (0, 0, 0)
    conn.close()
    # The refusal of a non-empty database does not fire: the build starts again from scratch.
    done = subprocess.run(_cli(db, "demo", "--accounts", "40"), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _count(_healthy(db, tmp_path), "account") == 40


def test_sigkill_right_after_a_call_is_saved_keeps_the_call(tmp_path):
    db = tmp_path / "call.db"
    env = _env(tmp_path)
    assert subprocess.run(_cli(db, "demo", "--accounts", "30"), env=env, capture_output=True).returncode == 0
    key = sqlite3.connect(db).execute("SELECT key FROM account ORDER BY id LIMIT 1").fetchone()[0]
    before = _count(sqlite3.connect(db), "activity")
    # The child logs a call through the CLI's own entry point, then dies at once: no clean exit, no
    # connection close, no checkpoint.  What the command reported as saved must be in the file.
    script = (
        "import os, signal, sys\n"
        "from arcollect_tui.cli import main\n"
        f"code = main({['--db', str(db), '--today', TODAY, 'log', key, '--outcome', 'no_answer', '--note', 'kept after kill']!r})\n"
        "sys.stdout.write(f'exit {code}\\n'); sys.stdout.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL
    assert "exit 0" in proc.stdout and "logged call" in proc.stdout

    conn = _healthy(db, tmp_path)
    assert _count(conn, "activity") == before + 1
    note, outcome = conn.execute("SELECT note, outcome FROM activity ORDER BY id DESC LIMIT 1").fetchone()
    assert (note, outcome) == ("kept after kill", "no_answer")
