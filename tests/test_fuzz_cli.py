"""Hostile input through the CLI: whatever the arguments, every command ends in exit 0, 2 or 3 with
a message, never a traceback or exit 1; on 2 and 3 nothing was written (the audit trail, which
every write extends, has not moved) and nothing went to stdout."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arcollect_tui import cli
from arcollect_tui.config import Config
from arcollect_tui.db import connect
from arcollect_tui.demo import build_demo
from arcollect_tui.services.worklist import clear_memory_cache

TODAY = "2026-11-23"

NASTY = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "inf", "12.345", "1,234.50", "1.234,50", "(5)", "¥1000",
                     "2026-02-30", "2026-13-01", "31/12/2026", "+3d", "fri", "eom", "9" * 40, "[bold]x[/]",
                     "[@click=app.quit]x[/]", "\x1b[2J", "a\nb", "a\rb", "\u202eevil", "=1+1", "@SUM(A1)",
                     "x" * 10_000, "--today", "-", "K000", "no_answer"]),
    st.text(max_size=30),
)
OUTCOMES = st.one_of(st.sampled_from(["no_answer", "voicemail", "reached", "promise", "refused", "dispute",
                                      "wrong_contact", "paid_claimed"]), NASTY)


@st.composite
def commands(draw) -> list[str]:
    key = draw(st.one_of(st.sampled_from(["KEY0", "KEY1"]), NASTY))

    def v() -> str:
        return draw(NASTY)

    choice = draw(st.integers(0, 9))
    if choice == 0:
        argv = ["log", key, "--outcome", draw(OUTCOMES)]
        for option in ("--note", "--contact", "--follow-up", "--channel"):
            if draw(st.booleans()):
                argv += [option, v()]
        if draw(st.booleans()):
            argv += ["--promise", v(), "--on", v()]
        return argv
    if choice == 1:
        return [draw(st.sampled_from(["warn", "suspend"])), key, "--approved-by", v()]
    if choice == 2:
        return [draw(st.sampled_from(["reinstate", "refer"])), key]
    if choice == 3:
        return ["account", key, "--format", draw(st.sampled_from(["text", "json", v()]))]
    if choice == 4:
        return ["queue", "--limit", v(), "--format", draw(st.sampled_from(["table", "csv", "json"]))]
    if choice == 5:
        return ["report", "aging", "--format", draw(st.sampled_from(["table", "csv", "json", v()]))]
    if choice == 6:
        return ["audit", "show", "--since", v(), "--account", key]
    if choice == 7:
        return ["policy", v()] if draw(st.booleans()) else ["policy"]
    if choice == 8:
        return [v(), v()]
    return ["demo", "--accounts", v()]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzzcli") / "store.db"
    db = connect(path)
    build_demo(db, today=dt.date.fromisoformat(TODAY), accounts=12, seed=9, config=Config(user="t"), user="t")
    conn = db.connection()
    with db.atomic():  # two known keys, one of them hostile-named
        conn.execute("UPDATE account SET key = 'KEY0' WHERE id = (SELECT min(id) FROM account)")
        conn.execute("UPDATE account SET key = 'KEY1', name = '[@click=app.quit]x[/] \x1b[31m' "
                     "WHERE id = (SELECT max(id) FROM account)")
    db.close()
    return path


def _audit_top(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=commands(), today=st.one_of(st.just(TODAY), NASTY))
def test_any_arguments_exit_0_2_or_3_never_a_traceback(store, argv, today):
    clear_memory_cache()
    before = _audit_top(store)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["--db", str(store), "--today", today, *argv])
        except SystemExit as exc:   # argparse: usage errors exit 2 (and --help 0)
            code = exc.code
    message = err.getvalue()
    assert code in (0, 2, 3), f"exit {code}: {argv!r}: {message[-500:]}"
    assert "Traceback" not in message and "Traceback" not in out.getvalue()
    if code in (2, 3):
        assert message.strip(), f"exit {code} without a message: {argv!r}"
        assert _audit_top(store) == before, f"exit {code} wrote something: {argv!r}"
        if argv[:1] != ["demo"]:
            assert out.getvalue() == "", f"exit {code} printed to stdout: {argv!r}"
