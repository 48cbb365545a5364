"""The collector's records as the views read them: ids in `account --format json` (what `plan
approve`, `promise cancel`, `dispute status` and `escalate close` take), and plan standings of
rejected and cancelled plans as of any date, equal in the one-account and the bulk loaders."""

from __future__ import annotations

import json

from arcollect_tui.services.facts import load_facts
from arcollect_tui.services.worklist import bulk_facts

from test_actions import POLICY, day
from test_cli_plans import T, account_json, ok, ta  # noqa: F401  (ta is a fixture)


def test_account_json_gives_each_record_its_id(db_path, capsys, ta):
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    ok(db_path, capsys, T, "promise", "TA", "--on", "+5d", "--amount", "10")
    ok(db_path, capsys, T, "dispute", "TA", "--reason", "tax", "--route", "billing", "--invoice", "TA-1",
       "--amount", "5")
    ok(db_path, capsys, T, "escalate", "TA", "--to", "credit_analyst", "--reason", "review")
    doc = account_json(db_path, capsys, T)
    assert [p["id"] for p in doc["plans"]] == [1] and [p["id"] for p in doc["promises"]] == [1]
    assert [d["id"] for d in doc["disputes"]] == [1] and [e["id"] for e in doc["escalations"]] == [1]


def test_rejected_and_cancelled_plans_as_of_any_date(db_path, capsys, ta):
    from arcollect_tui.db import connect

    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    ok(db_path, capsys, T, "plan", "reject", "1", "--by", "Max")
    ok(db_path, capsys, T, "plan", "TA", "--instalments", "2")
    ok(db_path, capsys, T, "plan", "approve", "2", "--by", "Cora", "--role", "collector")
    ok(db_path, capsys, day(45), "plan", "cancel", "2")
    before = account_json(db_path, capsys, day(44))
    assert [s["status"] for s in before["plan_standings"]] == ["active"]      # the rejected one never counted
    assert before["hold"]["kind"] == "plan"
    after = account_json(db_path, capsys, day(45))
    assert [s["status"] for s in after["plan_standings"]] == ["cancelled"] and after["hold"] is None
    db = connect(db_path)
    try:
        for when in (day(44), day(45)):
            assert bulk_facts(db.connection(), when)[1] == load_facts(db.connection(), 1, when)
    finally:
        db.close()
    assert json.dumps(before)  # the document stays JSON
