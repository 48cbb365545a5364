"""`dispute` through the CLI: open on invoices, move through review to a resolution with a credit
note; bad input exit 2, refusals exit 3, nothing written then; the dispute in `account` and its
flag and hold in `queue`; the credit note in the balance."""

from __future__ import annotations

import json

import pytest

from test_actions import day
from test_cli_plans import T, account_json, fails, ok, queue_row, ta  # noqa: F401  (ta is a fixture)


def test_open_route_resolve_with_a_credit_note(db_path, capsys, ta):
    out = ok(db_path, capsys, T, "dispute", "TA", "--reason", "pricing", "--route", "sales_ops", "--invoice", "TA-1",
             "--owner", "Sam Sales", "--note", "old price list")
    assert out == ("dispute 1 on TA: 1,000.00 USD of TA-1, pricing, routed to sales_ops (Sam Sales); open; "
                   "stage now warning_due (on hold: dispute)\n")
    row = queue_row(db_path, capsys, T)
    assert "dispute" in row["flags"] and row["hold"] == "dispute" and row["disputed"] == "1000.00"
    assert row["days_past_due"] == 0
    doc = account_json(db_path, capsys, T)
    (d,) = doc["disputes"]
    assert (d["invoice"], d["amount"], d["reason"], d["routed_to"], d["owner"], d["status"]) == (
        "TA-1", "1000.00", "pricing", "sales_ops", "Sam Sales", "open")
    assert doc["open_invoices"][0]["disputed"] == "1000.00"

    assert ok(db_path, capsys, day(41), "dispute", "status", "1", "in_review") == (
        "dispute 1 on TA: in_review; stage now warning_due (on hold: dispute)\n")
    out = ok(db_path, capsys, day(45), "dispute", "status", "1", "resolved_credit", "--credit", "400")
    assert out == ("dispute 1 on TA: resolved_credit on 2026-02-15; credit note CN-D1 of 400.00 USD applied to "
                   "TA-1 400.00; balance now 600.00 USD; stage now warning_due\n")
    doc = account_json(db_path, capsys, day(45))
    assert [(i["invoice"], i["open_amount"], i["disputed"]) for i in doc["open_invoices"]] == [
        ("TA-1", "600.00", "0.00")]
    assert doc["balances"][0]["balance"] == "600.00" and doc["disputes"][0]["status"] == "resolved_credit"
    assert doc["days_past_due"] == 45 and doc["hold"] is None
    row = queue_row(db_path, capsys, day(45))
    assert (row["balance"], row["overdue"], row["hold"]) == ("600.00", "600.00", None)
    assert "dispute" not in row["flags"]
    err = fails(db_path, capsys, 3, day(46), "dispute", "status", "1", "withdrawn")
    assert "a resolution is final" in err


def test_json_and_several_invoices(db_path, capsys, ta):
    from arcollect_tui.db import connect
    from test_actions import Book

    db = connect(db_path)
    Book(db).invoice(ta, "TA-2", day(20), 50_000)
    db.close()
    docs = json.loads(ok(db_path, capsys, T, "dispute", "create", "TA", "--reason", "duplicate-billing",
                         "--route", "billing", "--invoice", "TA-1", "TA-2", "--format", "json"))
    assert [(d["id"], d["invoice"], d["amount"], d["reason"], d["status"]) for d in docs] == [
        (1, "TA-1", "1000.00", "duplicate_billing", "open"), (2, "TA-2", "500.00", "duplicate_billing", "open")]
    doc = json.loads(ok(db_path, capsys, T, "dispute", "status", "2", "resolved_credit", "--format", "json"))
    assert (doc["credit_note"], doc["credit_amount"], doc["credit_applied"], doc["balance"]) == (
        "CN-D2", "500.00", [{"invoice": "TA-2", "amount": "500.00"}], "1000.00")


@pytest.mark.parametrize("argv, expected", [
    (["dispute", "TA", "--reason", "price", "--route", "sales", "--invoice", "TA-1"], "--reason: 'price'"),
    (["dispute", "TA", "--reason", "tax", "--route", "finance", "--invoice", "TA-1"], "--route: 'finance'"),
    (["dispute", "TA", "--reason", "tax", "--invoice", "TA-1"], "the following arguments are required: --route"),
    (["dispute", "TA", "--reason", "tax", "--route", "sales"], "--invoice: missing"),
    (["dispute", "TA", "--reason", "tax", "--route", "sales", "--invoice", "TA-1", "--amount", "1000.01"],
     "expected at most what is open on TA-1 and not yet disputed (1,000.00 USD)"),
    (["dispute", "status", "1", "closed"], "STATUS: 'closed'"),
    (["dispute", "status", "1", "in_review"], "dispute: 1: no dispute has this id"),
    (["dispute", "status", "1", "resolved_valid", "--credit", "5"], "--credit: 5: a credit note comes with STATUS "
                                                                    "resolved_credit only"),
])
def test_bad_input_is_exit_2_and_writes_nothing(db_path, capsys, ta, argv, expected):
    assert expected in fails(db_path, capsys, 2, T, *argv)
