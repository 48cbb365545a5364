"""`escalate` and `distress` through the CLI: flags in `queue`, the records in `account`; bad
input exit 2, refusals exit 3, nothing written then."""

from __future__ import annotations

import json

import pytest

from test_actions import day
from test_cli_plans import T, account_json, fails, ok, queue_row, ta  # noqa: F401  (ta is a fixture)


def test_escalate_and_close(db_path, capsys, ta):
    out = ok(db_path, capsys, T, "escalate", "TA", "--to", "sales_management", "--reason", "no answer for 3 weeks",
             "--owner", "Kim Account")
    assert out == "escalation 1 on TA: to sales_management (Kim Account) on 2026-02-10; stage now warning_due\n"
    assert "escalated" in queue_row(db_path, capsys, T)["flags"]
    (e,) = account_json(db_path, capsys, T)["escalations"]
    assert (e["target"], e["reason"], e["owner"], e["opened_on"], e["closed_on"]) == (
        "sales_management", "no answer for 3 weeks", "Kim Account", "2026-02-10", None)
    assert "already escalated to sales management (escalation 1" in fails(
        db_path, capsys, 3, T, "escalate", "TA", "--to", "sales_management", "--reason", "again")
    doc = json.loads(ok(db_path, capsys, day(42), "escalate", "close", "1", "--outcome", "CFO called", "--format",
                        "json"))
    assert (doc["id"], doc["closed_on"], doc["outcome"]) == (1, "2026-02-12", "CFO called")
    assert "escalated" not in doc["flags"]
    assert "escalated" not in queue_row(db_path, capsys, day(42))["flags"]
    assert account_json(db_path, capsys, day(42))["escalations"][0]["outcome"] == "CFO called"
    assert "was closed on 2026-02-12" in fails(db_path, capsys, 3, day(42), "escalate", "close", "1")


def test_distress(db_path, capsys, ta):
    out = ok(db_path, capsys, T, "distress", "TA", "--note", "lost its main customer; willing to pay in parts")
    assert out == "marked TA as in financial distress on 2026-02-10; stage now warning_due\n"
    assert "distress" in queue_row(db_path, capsys, T)["flags"]
    doc = account_json(db_path, capsys, T)
    assert (doc["distress"], doc["distress_note"]) == (True, "lost its main customer; willing to pay in parts")
    # a plan on a distressed account needs a credit analyst's review, even a collector's
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    assert "financial distress" in fails(db_path, capsys, 3, T, "plan", "approve", "1", "--by", "Cora", "--role",
                                         "collector")
    doc = json.loads(ok(db_path, capsys, day(41), "distress", "TA", "--clear", "--format", "json"))
    assert (doc["account"], doc["distress"], doc["note"], doc["previous_note"], doc["on"]) == (
        "TA", False, None, "lost its main customer; willing to pay in parts", "2026-02-11")
    assert "distress" not in queue_row(db_path, capsys, day(41))["flags"]
    assert "is not marked" in fails(db_path, capsys, 3, day(41), "distress", "TA", "--clear")


@pytest.mark.parametrize("argv, expected", [
    (["escalate", "TA", "--to", "ceo", "--reason", "x"], "--to: 'ceo': expected one of collections_management"),
    (["escalate", "TA", "--to", "credit_analyst"], "the following arguments are required: --reason"),
    (["escalate", "TA", "--to", "credit_analyst", "--reason", ""], "--reason: '': expected why"),
    (["escalate", "close", "7"], "escalation: 7: no escalation has this id"),
    (["distress", "TA"], "--note: missing: expected a solvency note"),
    (["distress", "NOPE", "--note", "x"], "account: 'NOPE'"),
])
def test_bad_input_is_exit_2_and_writes_nothing(db_path, capsys, ta, argv, expected):
    assert expected in fails(db_path, capsys, 2, T, *argv)
