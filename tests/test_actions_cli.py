"""`log`, `warn`, `suspend`, `reinstate`, `refer` through the CLI exactly as the CONTRACT states them.

Exit 0 with one line saying what was recorded; exit 3 (the rule and the date on stderr) for a
policy refusal; exit 2 for bad input; nothing written unless exit 0; `audit verify` holds.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from arcollect_tui import cli
from arcollect_tui.cli import cmd_actions
from arcollect_tui.db import connect
from arcollect_tui.errors import InputError

from test_actions import D0, Book, day


@pytest.fixture
def ta(db_path):
    """TA: TA-1 (1,000.00 USD) due on D0, contacts Pat Payer (primary, with email) and Lee Ledger."""
    db = connect(db_path)
    book = Book(db)
    acct = book.ta()
    book.contact(acct, "Lee Ledger", "lee@example.com")
    db.close()
    return acct


def run(db_path, today: dt.date, *argv: str) -> int:
    return cli.main(["--db", str(db_path), "--today", today.isoformat(), *argv])


def dump(db_path) -> list[str]:
    db = connect(db_path)
    try:
        return list(db.connection().iterdump())
    finally:
        db.close()


def refused(db_path, capsys, today: dt.date, *argv: str) -> str:
    before = dump(db_path)
    capsys.readouterr()
    assert run(db_path, today, *argv) == 3
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    assert dump(db_path) == before
    return out.err


def bad(db_path, capsys, today: dt.date, *argv: str) -> str:
    before = dump(db_path)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:          # argparse usage errors exit from inside main
        raise SystemExit(run(db_path, today, *argv))
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err
    assert dump(db_path) == before
    return err


def ok(db_path, capsys, today: dt.date, *argv: str) -> str:
    capsys.readouterr()
    assert run(db_path, today, *argv) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert run(db_path, today, "audit", "verify") == 0
    capsys.readouterr()
    return out


def test_the_whole_ladder_refusals_and_permissions(db_path, capsys, ta):
    err = refused(db_path, capsys, day(29), "warn", "TA", "--approved-by", "Dana Director")
    assert "dpd >= 30" in err and f"possible from {day(30)}" in err
    out = ok(db_path, capsys, day(30), "warn", "TA", "--approved-by", "Dana Director", "--role", "director")
    assert "approved by Dana Director" in out and f"suspension possible from {day(40)}" in out
    assert "letter queued to pat@example.com" in out
    err = refused(db_path, capsys, day(39), "suspend", "TA", "--approved-by", "Dana Director")
    assert "10-day notice has run" in err and f"possible from {day(40)}" in err
    out = ok(db_path, capsys, day(40), "suspend", "TA", "--approved-by", "Dana Director")
    assert out.startswith("suspended TA") and f"possible from {day(90)}" in out
    err = refused(db_path, capsys, day(89), "refer", "TA")
    assert "refer needs dpd >= 90" in err and f"possible from {day(90)}" in err
    assert "referred TA" in ok(db_path, capsys, day(90), "refer", "TA", "--note", "agency A")
    assert "reinstated TA" in ok(db_path, capsys, day(91), "reinstate", "TA")
    assert "not suspended" in refused(db_path, capsys, day(92), "reinstate", "TA")


def test_suspend_without_a_warning_says_warn_first(db_path, capsys, ta):
    err = refused(db_path, capsys, day(45), "suspend", "TA", "--approved-by", "X")
    assert "no valid warning" in err and "warn first" in err


def test_warn_and_suspend_need_an_approver(db_path, capsys, ta):
    assert "--approved-by" in bad(db_path, capsys, day(30), "warn", "TA")
    assert "--approved-by" in bad(db_path, capsys, day(30), "suspend", "TA")


def test_a_step_before_a_recorded_step_is_exit_2(db_path, capsys, ta):
    ok(db_path, capsys, day(40), "warn", "TA", "--approved-by", "X")
    err = bad(db_path, capsys, day(35), "suspend", "TA", "--approved-by", "X")
    assert f"recorded on {day(40)}" in err


def test_unknown_account_is_exit_2(db_path, capsys, ta):
    assert "'NOPE'" in bad(db_path, capsys, day(30), "warn", "NOPE", "--approved-by", "X")
    assert "'NOPE'" in bad(db_path, capsys, day(30), "log", "NOPE", "--outcome", "reached")


def test_log_with_a_promise_shows_in_the_account_and_holds_it(db_path, capsys, ta):
    out = ok(db_path, capsys, day(20), "log", "TA", "--outcome", "promise", "--contact", "Lee Ledger",
             "--promise", "750.00", "--on", "+12d", "--note", "will pay by wire")
    assert f"promise of 750.00 USD by {day(32)}" in out and "with Lee Ledger" in out
    capsys.readouterr()
    assert run(db_path, day(21), "account", "TA", "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    (promise,) = doc["promises"]
    assert (promise["amount"], promise["currency"], promise["pay_by"], promise["made_on"]) == (
        "750.00", "USD", day(32).isoformat(), day(20).isoformat())
    assert promise["invoices"] == ["TA-1"]
    (activity,) = doc["activities"]
    assert (activity["outcome"], activity["contact"], activity["note"]) == ("promise", "Lee Ledger",
                                                                            "will pay by wire")
    # the hold: the warning waits until the promise's date plus 2 days' tolerance has passed
    err = refused(db_path, capsys, day(30), "warn", "TA", "--approved-by", "X")
    assert "on hold" in err and f"possible from {day(35)}" in err


def test_log_promise_defaults_the_outcome(db_path, capsys, ta):
    assert ": promise;" in ok(db_path, capsys, day(5), "log", "TA", "--promise", "10", "--on", "+3d")


@pytest.mark.parametrize("argv, expected", [
    (["--outcome", "promise", "--promise", "100"], "--on"),
    (["--outcome", "promise", "--on", "+3d"], "--promise"),
    (["--outcome", "shouted"], "no_answer, voicemail, reached, promise, refused, dispute, wrong_contact, paid_claimed"),
    (["--outcome", "reached", "--channel", "fax"], "call, email, meeting, note"),
    (["--outcome", "reached", "--contact", "Nobody"], "expected one of 'Pat Payer', 'Lee Ledger'"),
    (["--outcome", "reached", "--follow-up", day(9).isoformat()], "on or after today"),
    (["--outcome", "reached", "--follow-up", "next week"], "expected a date"),
    (["--outcome", "reached", "--follow-up", "2026-02-30"], "--follow-up"),
    (["--outcome", "promise", "--promise", "12.345", "--on", "+3d"], "USD"),
    (["--outcome", "promise", "--promise", "ten", "--on", "+3d"], "--promise"),
    ([], "--outcome: missing"),
])
def test_log_bad_input_is_exit_2_naming_the_field(db_path, capsys, ta, argv, expected):
    assert expected in bad(db_path, capsys, day(10), "log", "TA", *argv)


def test_log_relative_follow_up(db_path, capsys, ta):
    assert f"follow up on {day(12)}" in ok(db_path, capsys, day(10), "log", "TA", "--outcome", "voicemail",
                                            "--follow-up", "+2d")


def test_warn_without_an_email_address_records_it_and_says_so(db_path, capsys):
    db = connect(db_path)
    book = Book(db)
    acct = book.account(key="NOMAIL")
    book.invoice(acct, "N-1", D0)
    db.close()
    out = ok(db_path, capsys, day(30), "warn", "NOMAIL", "--approved-by", "X")
    assert "no letter queued" in out and "no email address" in out


def test_parse_when():
    today = dt.date(2026, 3, 2)
    assert cmd_actions.parse_when("+3d", today, "--on") == dt.date(2026, 3, 5)
    assert cmd_actions.parse_when("+2w", today, "--on") == dt.date(2026, 3, 16)
    assert cmd_actions.parse_when("2026-04-01", today, "--on") == dt.date(2026, 4, 1)
    assert cmd_actions.parse_when("+1m", today, "--on") == dt.date(2026, 4, 2)
    assert cmd_actions.parse_when("fri", today, "--on") == dt.date(2026, 3, 6)     # 2026-03-02 is a Monday
    assert cmd_actions.parse_when("eom", today, "--on") == dt.date(2026, 3, 31)
    for text in ("3x", "next week", "01/04/2026", "2026-02-30", ""):
        with pytest.raises(InputError) as info:
            cmd_actions.parse_when(text, today, "--on")
        assert info.value.problems[0].startswith(f"--on: {text!r}: ") and "expected a date" in info.value.problems[0]


def test_help_documents_the_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["log", "--help"])
    out = capsys.readouterr().out
    for word in ("--outcome", "--promise", "--on", "--follow-up", "+3d", "paid_claimed", "meeting"):
        assert word in out
    with pytest.raises(SystemExit):
        cli.main(["warn", "--help"])
    out = capsys.readouterr().out
    assert "--approved-by" in out and "--role" in out and "--reference" in out
