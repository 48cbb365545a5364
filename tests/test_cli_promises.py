"""`promise` through the CLI: record, cancel; bad input exit 2, refusals exit 3, nothing written
then; the promise and its standing in `account`, its flag and hold in `queue`."""

from __future__ import annotations

import json

import pytest

from test_actions import day
from test_cli_plans import T, account_json, fails, ok, queue_row, ta  # noqa: F401  (ta is a fixture)


def test_record_see_and_cancel(db_path, capsys, ta):
    out = ok(db_path, capsys, T, "promise", "TA", "--on", "+5d", "--note", "by wire")
    assert out == ("promise 1 on TA: 1,000.00 USD by 2026-02-15 covering TA-1; open (deadline 2026-02-17); "
                   "stage now warning_due (on hold: promise)\n")
    doc = account_json(db_path, capsys, T)
    (p,) = doc["promises"]
    assert (p["amount"], p["pay_by"], p["invoices"], p["note"], p["cancelled_on"]) == (
        "1000.00", "2026-02-15", ["TA-1"], "by wire", None)
    (s,) = doc["promise_standings"]
    assert (s["status"], s["deadline"]) == ("open", "2026-02-17")
    assert doc["hold"]["kind"] == "promise"
    row = queue_row(db_path, capsys, T)
    assert "promise" in row["flags"] and row["hold"] == "promise" and row["next_action_due"] == "2026-02-18"
    out = ok(db_path, capsys, day(41), "promise", "cancel", "1", "--note", "customer withdrew")
    assert out == "cancelled promise 1 on TA (1,000.00 USD by 2026-02-15); stage now warning_due\n"
    doc = account_json(db_path, capsys, day(41))
    assert doc["promises"][0]["cancelled_on"] == "2026-02-11" and doc["promise_standings"] == []
    assert doc["hold"] is None and "promise" not in queue_row(db_path, capsys, day(41))["flags"]
    assert "already cancelled" in fails(db_path, capsys, 3, day(41), "promise", "cancel", "1")


def test_json_partial_amount_and_standing_after_payment(db_path, capsys, ta):
    doc = json.loads(ok(db_path, capsys, T, "promise", "create", "TA", "--on", "2026-02-20", "--amount", "400",
                        "--invoice", "TA-1", "--format", "json"))
    assert (doc["id"], doc["account"], doc["amount"], doc["currency"], doc["invoices"], doc["standing"]) == (
        1, "TA", "400.00", "USD", ["TA-1"], "open")
    assert (doc["made_on"], doc["pay_by"], doc["deadline"], doc["paid"], doc["hold"]) == (
        "2026-02-10", "2026-02-20", "2026-02-22", "0.00", "promise")
    # broken once the deadline has passed with nothing paid: the flag, no more hold, no cancelling
    doc = account_json(db_path, capsys, day(53))
    assert doc["promise_standings"][0]["status"] == "broken" and "broken_promise" in doc["flags"]
    assert doc["hold"] is None
    assert "is broken since 2026-02-23; it stays on the record" in fails(
        db_path, capsys, 3, day(53), "promise", "cancel", "1")


@pytest.mark.parametrize("argv, expected", [
    (["promise", "TA"], "the following arguments are required: --on"),
    (["promise", "TA", "--on", "someday"], "--on: 'someday': not a date: expected a date such as 2026-11-27"),
    (["promise", "TA", "--on", "2026-02-09"], "--on: 2026-02-09: expected a date on or after today (2026-02-10)"),
    (["promise", "TA", "--on", "+3d", "--amount", "1000.01"], "--amount: 1000.01: expected at most what is open in USD"),
    (["promise", "TA", "--on", "+3d", "--amount", "ten"], "--amount: ten"),
    (["promise", "TA", "--on", "+3d", "--invoice", "TA-2"], "--invoice: 'TA-2': not an open invoice of TA"),
    (["promise", "NOPE", "--on", "+3d"], "account: 'NOPE'"),
    (["promise", "cancel", "x"], "ID: 'x': expected a whole number"),
    (["promise", "cancel", "3"], "promise: 3: no promise has this id"),
])
def test_bad_input_is_exit_2_and_writes_nothing(db_path, capsys, ta, argv, expected):
    assert expected in fails(db_path, capsys, 2, T, *argv)
