"""`plan` through the CLI: propose, approve (the matrix; exit 3 below the required role), reject,
cancel; exit 2 with the database unchanged for bad input; the plan and its hold in `account` and
`queue`.  The helpers here serve the other tests/test_cli_*.py files too.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from arcollect_tui import cli
from arcollect_tui.db import connect

from test_actions import Book, day

T = day(40)     # TA-1 (1,000.00 USD, due D0) is 40 days past due


@pytest.fixture
def ta(db_path):
    db = connect(db_path)
    acct = Book(db).ta()
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


def ok(db_path, capsys, today: dt.date, *argv: str) -> str:
    """Exit 0; the audit chain still holds; returns stdout."""
    capsys.readouterr()
    assert run(db_path, today, *argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert run(db_path, today, "audit", "verify") == 0
    capsys.readouterr()
    return out


def fails(db_path, capsys, code: int, today: dt.date, *argv: str) -> str:
    """Exit `code` (2 bad input, 3 refused), nothing on stdout, no traceback, nothing written."""
    before = dump(db_path)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:          # argparse usage errors exit from inside main
        raise SystemExit(run(db_path, today, *argv))
    assert e.value.code == code
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() and "Traceback" not in out.err
    assert dump(db_path) == before
    return out.err


def account_json(db_path, capsys, today: dt.date, key: str = "TA") -> dict:
    capsys.readouterr()
    assert run(db_path, today, "account", key, "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


def queue_row(db_path, capsys, today: dt.date, key: str = "TA") -> dict:
    capsys.readouterr()
    assert run(db_path, today, "queue", "--all", "--format", "json") == 0
    return next(r for r in json.loads(capsys.readouterr().out) if r["account"] == key)


def test_propose_approve_and_see_it_in_account_and_queue(db_path, capsys, ta):
    out = ok(db_path, capsys, T, "plan", "TA", "--instalments", "4")
    lines = out.splitlines()
    assert lines[0] == ("plan 1 for TA: 1,000.00 USD in 4 monthly instalments from 2026-03-10; pending: needs a "
                        "collections manager's approval (4 instalments > 3; 120 days > 90: collections manager)")
    assert [line.split() for line in lines[1:]] == [
        ["1", "2026-03-10", "250.00", "USD"], ["2", "2026-04-10", "250.00", "USD"],
        ["3", "2026-05-10", "250.00", "USD"], ["4", "2026-06-10", "250.00", "USD"]]
    doc = account_json(db_path, capsys, T)
    (plan,) = doc["plans"]
    assert (plan["status"], plan["required_role"], plan["instalment_count"]) == ("pending", "collections_manager", 4)
    assert doc["plan_standings"][0]["status"] == "pending" and doc["hold"] is None
    assert "plan" not in queue_row(db_path, capsys, T)["flags"]

    err = fails(db_path, capsys, 3, T, "plan", "approve", "1", "--by", "Cora", "--role", "collector")
    assert "approve refused: plan 1 needs a collections manager's approval (4 instalments > 3; 120 days > 90" in err
    out = ok(db_path, capsys, T, "plan", "approve", "1", "--by", "Max Manager", "--role", "collections_manager",
             "--ref", "CASE-7")
    assert out == ("approved plan 1 for TA on 2026-02-10: Max Manager (collections_manager), ref CASE-7; standing "
                   "active, next instalment 2026-03-10; stage now warning_due (on hold: plan)\n")
    doc = account_json(db_path, capsys, T)
    (plan,) = doc["plans"]
    assert (plan["status"], plan["approved_by"], plan["approved_on"]) == ("approved", "Max Manager", "2026-02-10")
    assert doc["plan_standings"][0]["status"] == "active" and doc["plan_standings"][0]["next_due"] == "2026-03-10"
    assert doc["hold"]["kind"] == "plan" and "plan" in doc["flags"]
    row = queue_row(db_path, capsys, T)
    assert "plan" in row["flags"] and row["hold"] == "plan"
    assert row["next_action_due"] == "2026-03-16"          # the day after the next instalment + 5 days' grace


def test_the_create_word_json_and_a_down_payment(db_path, capsys, ta):
    doc = json.loads(ok(db_path, capsys, T, "plan", "create", "TA", "--instalments", "3", "--down", "100",
                        "--every", "weekly", "--format", "json"))
    assert (doc["id"], doc["account"], doc["status"], doc["total"], doc["down_payment"]) == (
        1, "TA", "pending", "1000.00", "100.00")
    assert doc["instalments"] == [
        {"seq": 0, "due_on": "2026-02-10", "amount": "100.00"}, {"seq": 1, "due_on": "2026-02-17", "amount": "300.00"},
        {"seq": 2, "due_on": "2026-02-24", "amount": "300.00"}, {"seq": 3, "due_on": "2026-03-03", "amount": "300.00"}]
    assert (doc["required_role"], doc["credit_review"], doc["frequency"]) == ("collector", False, "weekly")
    assert doc["approval_reason"] == "3 instalments <= 3, 21 days <= 90, 1,000.00 USD <= 10,000.00: collector"


def test_custom_dates_relative_to_today(db_path, capsys, ta):
    doc = json.loads(ok(db_path, capsys, T, "plan", "TA", "--dates", "+10d,+4w,2026-04-01", "--total", "900",
                        "--format", "json"))
    assert [(i["due_on"], i["amount"]) for i in doc["instalments"]] == [
        ("2026-02-20", "300.00"), ("2026-03-10", "300.00"), ("2026-04-01", "300.00")]
    assert (doc["frequency"], doc["instalment_count"], doc["first_date"]) == ("custom", 3, "2026-02-20")


def test_a_director_with_a_credit_analysts_review(db_path, capsys, ta):
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "7")
    err = fails(db_path, capsys, 3, T, "plan", "approve", "1", "--by", "Max", "--role", "collections_manager")
    assert "needs a director's approval and a credit analyst's review" in err and "Max approves as collections" in err
    err = fails(db_path, capsys, 3, T, "plan", "approve", "1", "--by", "Dee", "--role", "director")
    assert "plan 1 needs a credit analyst's review (7 instalments > 6; 212 days > 180: director with credit analyst " \
           "review): name the reviewer with --reviewed-by" in err
    out = ok(db_path, capsys, T, "plan", "approve", "1", "--by", "Dee", "--role", "director", "--reviewed-by", "Cal")
    assert "approved plan 1 for TA" in out and "reviewed by Cal" in out


def test_reject_cancel_and_one_plan_at_a_time(db_path, capsys, ta):
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    err = fails(db_path, capsys, 3, T, "plan", "TA", "--instalments", "3")
    assert "already has plan 1, pending approval" in err and "cancel plan 1 first" in err
    assert ok(db_path, capsys, T, "plan", "reject", "1", "--by", "Max", "--note", "too slow") == (
        "rejected plan 1 for TA on 2026-02-10; stage now warning_due\n")
    assert "only a pending plan can be approved: plan 1 is rejected" in fails(
        db_path, capsys, 3, T, "plan", "approve", "1", "--by", "Max", "--role", "director")
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    ok(db_path, capsys, T, "plan", "approve", "2", "--by", "Cora", "--role", "collector")
    out = ok(db_path, capsys, day(41), "plan", "cancel", "#2", "--note", "customer paid")
    assert out == "cancelled plan 2 for TA on 2026-02-11; stage now warning_due\n"
    doc = account_json(db_path, capsys, day(41))
    assert [p["status"] for p in doc["plans"]] == ["rejected", "cancelled"] and doc["hold"] is None
    assert "already cancelled" in fails(db_path, capsys, 3, day(41), "plan", "cancel", "2")


@pytest.mark.parametrize("argv, expected", [
    (["plan", "TA", "--instalments", "x"], "--instalments: 'x': expected a whole number from 1 to 120"),
    (["plan", "TA", "--instalments", "0"], "--instalments: '0'"),
    (["plan", "TA"], "--instalments: missing"),
    (["plan", "TA", "--instalments", "2", "--every", "daily"], "--every: 'daily': expected weekly, biweekly or monthly"),
    (["plan", "TA", "--every", "weekly", "--dates", "+3d,+9d"], "--every: 'weekly': custom --dates take no frequency"),
    (["plan", "TA", "--instalments", "2", "--first", "2026-13-01"], "--first: '2026-13-01': not a real date (month must be in 1..12): expected a date"),
    (["plan", "TA", "--instalments", "2", "--first", "2026-02-09"], "--first: 2026-02-09: expected today"),
    (["plan", "TA", "--dates", "2026-03-01,soon"], "--dates: 'soon': not a date: expected a date"),
    (["plan", "TA", "--instalments", "3", "--dates", "+3d,+9d"], "--instalments: 3: 2 custom dates were given"),
    (["plan", "TA", "--instalments", "2", "--total", "abc"], "--total: abc"),
    (["plan", "TA", "--instalments", "2", "--total", "2000"], "--total: 2000.00: expected at most the open balance"),
    (["plan", "TA", "--instalments", "2", "--down", "1000"], "--down: 1,000.00: expected less than the total"),
    (["plan", "NOPE", "--instalments", "2"], "account: 'NOPE'"),
    (["plan", "approve", "one", "--by", "X", "--role", "collector"], "ID: 'one': expected a whole number"),
    (["plan", "approve", "9", "--by", "X", "--role", "boss"], "--role: 'boss': expected one of collector"),
    (["plan", "approve", "9", "--by", "X", "--role", "collector"], "plan: 9: no plan has this id"),
    (["plan", "approve", "9", "--by", " ", "--role", "collector"], "--by: ' ': expected the approver's name"),
    (["plan", "approve", "9", "--role", "collector"], "the following arguments are required: --by"),
    (["plan", "approve", "9", "--by", "X", "--role", "collector", "--on", "+1d"], "--on: 2026-02-11: expected a date "
                                                                                 "on or before --today"),
    (["plan", "reject", "9"], "the following arguments are required: --by"),
])
def test_bad_input_is_exit_2_and_writes_nothing(db_path, capsys, ta, argv, expected):
    assert expected in fails(db_path, capsys, 2, T, *argv)


def test_help_lists_the_actions(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["plan", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert all(word in out for word in ("create", "approve", "reject", "cancel"))
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(f"    {word}" in out for word in ("plan", "promise", "dispute", "escalate", "distress"))
