"""`arcollect queue` and the timeline keys of `arcollect account`, exactly as the CONTRACT says."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from arcollect_tui import audit, cli
from arcollect_tui.cli import cmd_queue
from arcollect_tui.money import CURRENCY_EXPONENTS
from arcollect_tui.services.worklist import clear_memory_cache
from arcollect_tui.timeline import FLAGS, STAGE_COLORS, STAGE_LABELS, STAGES

TODAY = dt.date(2026, 3, 2)
QUEUE_KEYS = {"account", "name", "currency", "balance", "overdue", "disputed", "days_past_due", "stage",
              "stage_label", "color", "next_action", "next_action_due", "priority", "flags"}


def days(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _queue_command(monkeypatch):
    """Each test starts with no worklist held in this process."""
    clear_memory_cache()
    yield
    clear_memory_cache()


@pytest.fixture
def run(db_path, capsys):
    def run(*args: str, today: dt.date = TODAY) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = cli.main(["--db", str(db_path), "--today", today.isoformat(), *args])
        except SystemExit as exc:                                # argparse: usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def books(db):
    conn = db.connection()

    def ins(table: str, **values) -> int:
        cols, marks = ", ".join(values), ", ".join("?" for _ in values)
        vals = [v.isoformat() if isinstance(v, dt.date) else v for v in values.values()]
        with db.atomic():
            rid = conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", vals).lastrowid
            audit.record(conn, user="t", action="test", entity=table, entity_id=rid,
                         account_id=values.get("account_id", rid if table == "account" else None))
        return rid

    def account(key: str, name: str, currency: str = "USD") -> int:
        return ins("account", key=key, name=name, currency=currency, created_at="x", updated_at="x")

    def invoice(acct: int, number: str, due: dt.date, minor: int, currency: str = "USD") -> int:
        return ins("invoice", account_id=acct, number=number, invoice_date=min(due, TODAY) - dt.timedelta(days=30),
                   due_date=due, currency=currency, amount_minor=minor,
                   kind="credit_note" if minor < 0 else "invoice", created_at="x")

    a = account("0001", "=HYPERLINK(\"http://x\")")            # formula-looking name
    invoice(a, "A-1", days(40), 1234550)
    j = account("0002", "Tōkai \x1b[31mRed\x1b[0m [bold]K.K.[/]", "JPY")
    invoice(j, "J-1", days(20), 120000, "JPY")
    invoice(j, "J-2", days(-5), 5000, "JPY")
    e = account("0003", "Euro GmbH", "EUR")
    invoice(e, "E-1", days(-10), 99900, "EUR")                  # not yet due: --all only
    c = account("0004", "Credit Co")
    invoice(c, "C-1", days(3), 50000)
    invoice(c, "C-CN", days(3), -100000)                        # more credit than debt: balance negative
    ins("dispute", account_id=a, invoice_id=1, currency="USD", amount_minor=34550, reason="tax",
        opened_on=days(10), user="t", created_at="x")
    return conn


AMOUNT = {0: re.compile(r"^-?\d+$"), 2: re.compile(r"^-?\d+\.\d{2}$")}


def check_row(obj: dict) -> None:
    assert QUEUE_KEYS <= set(obj)
    cur = obj["currency"]
    for field in ("balance", "overdue", "disputed"):
        assert isinstance(obj[field], str) and AMOUNT[CURRENCY_EXPONENTS[cur]].match(obj[field]), (field, obj)
    assert isinstance(obj["days_past_due"], int) and not isinstance(obj["days_past_due"], bool)
    assert obj["stage"] in STAGES and obj["stage_label"] == STAGE_LABELS[obj["stage"]]
    assert obj["color"] == STAGE_COLORS[obj["stage"]]
    assert obj["next_action"] is None or isinstance(obj["next_action"], str)
    due = obj["next_action_due"]
    assert due is None or dt.date.fromisoformat(due).isoformat() == due
    assert isinstance(obj["priority"], (int, float)) and not isinstance(obj["priority"], bool)
    assert isinstance(obj["flags"], list) and set(obj["flags"]) <= set(FLAGS)
    assert isinstance(obj["account"], str) and isinstance(obj["name"], str)
    assert obj["hold"] in (None, "promise", "plan", "dispute")
    assert obj["last_contact"] is None or dt.date.fromisoformat(obj["last_contact"]).isoformat() == obj["last_contact"]


def test_json_fields_types_and_order(books, run):
    code, out, err = run("queue", "--format", "json")
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["account"] for r in rows] == ["0001", "0002", "0004"]
    for r in rows:
        check_row(r)
    assert [r["priority"] for r in rows] == sorted((r["priority"] for r in rows), reverse=True)
    first = rows[0]
    assert (first["balance"], first["overdue"], first["disputed"]) == ("12345.50", "12345.50", "345.50")
    assert (first["stage"], first["days_past_due"], first["next_action_due"]) == ("warning_due", 40, "2026-02-20")
    assert first["flags"] == ["dispute"]
    jpy = rows[1]
    assert (jpy["currency"], jpy["balance"], jpy["overdue"]) == ("JPY", "125000", "120000")
    credit = rows[2]
    assert (credit["balance"], credit["overdue"]) == ("-500.00", "-500.00")


def test_all_and_limit(books, run):
    every = json.loads(run("queue", "--format", "json", "--all")[1])
    assert [r["account"] for r in every] == ["0001", "0002", "0004", "0003"]
    assert every[-1]["next_action"] is None and every[-1]["next_action_due"] is None
    for r in every:
        check_row(r)
    assert json.loads(run("queue", "--format", "json", "--all", "--limit", "2")[1]) == every[:2]
    assert json.loads(run("queue", "--format", "json", "--limit", "0")[1]) == []


def test_a_cached_second_run_prints_the_same(books, run):
    first = run("queue", "--format", "json", "--all")[1]
    clear_memory_cache()
    assert run("queue", "--format", "json", "--all")[1] == first


@pytest.mark.parametrize("bad", ["-1", "x", "1.5"])
def test_bad_limit_is_a_usage_error(books, run, bad):
    code, out, err = run("queue", "--limit", bad)
    assert code == 2 and out == "" and "--limit" in err and "Traceback" not in err


def test_csv_columns_and_formula_safety(books, run):
    code, out, _ = run("queue", "--format", "csv", "--all")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(cmd_queue.COLUMNS)
    body = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert body["0001"]["name"] == "'=HYPERLINK(\"http://x\")"
    assert body["0004"]["balance"] == "-500.00"                 # a plain number stays as it is
    assert body["0002"]["balance"] == "125000"
    assert body["0001"]["flags"] == "dispute"


def test_table_for_people_cleans_untrusted_text(books, run):
    code, out, _ = run("queue")
    assert code == 0
    assert "\x1b" not in out
    assert "[bold]K.K.[/]" in out                              # shown as text, never interpreted
    assert "12,345.50" in out and "Warning due" in out


def test_empty_database(db, run):
    assert json.loads(run("queue", "--format", "json")[1]) == []
    code, out, _ = run("queue")
    assert code == 0 and "No account" in out


def test_the_config_policy_decides_the_stage(books, run, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[policy]\nwarning_from_dpd = 15\n")
    rows = json.loads(run("--config", str(config), "queue", "--format", "json")[1])
    jpy = next(r for r in rows if r["account"] == "0002")
    assert jpy["stage"] == "warning_due"


def test_as_of_an_earlier_date(books, run):
    rows = json.loads(run("queue", "--format", "json", "--all", today=days(30))[1])
    first = next(r for r in rows if r["account"] == "0001")
    assert (first["days_past_due"], first["stage"]) == (10, "reminder")
    assert first["disputed"] == "0.00"                          # the dispute was opened later


# ------------------------------------------------------------------------------ account

TIMELINE_KEYS = {
    "stage": str, "stage_label": str, "color": str, "reason": str, "next_action": (str, type(None)),
    "next_action_due": (str, type(None)), "needs_action": bool, "anchor": (str, type(None)), "coming": list,
    "flags": list, "hold": (dict, type(None)), "warning_on": (str, type(None)), "suspended_on": (str, type(None)),
    "last_contact": (str, type(None)), "follow_up_on": (str, type(None)), "promise_standings": list,
    "plan_standings": list, "stage_history": list, "priority": (int, float), "priority_currency": str,
    "priority_parts": list,
}


def test_account_json_gains_the_timeline(books, run):
    before = {"as_of", "account", "name", "days_past_due", "balances", "open_invoices", "promises", "plans",
              "disputes", "suspension_events"}
    code, out, _ = run("account", "0001", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert before <= set(d)
    for key, kind in TIMELINE_KEYS.items():
        assert isinstance(d[key], kind), key
    assert (d["stage"], d["anchor"], d["next_action_due"]) == ("warning_due", "A-1", "2026-02-20")
    assert d["reason"] == "A-1 is 40 days past due; no valid warning"
    assert d["coming"] == [{"date": "2026-03-12", "text": "suspension possible from 2026-03-12 if warned today"},
                           {"date": "2026-04-21", "text": "referral to write-off possible from 2026-04-21 once suspended"}]
    assert d["stage_history"] == [
        {"date": "2025-03-02", "stage": "current", "stage_label": "Current"},
        {"date": "2026-01-22", "stage": "reminder", "stage_label": "Reminder"},
        {"date": "2026-02-05", "stage": "follow_up", "stage_label": "Follow-up"},
        {"date": "2026-02-20", "stage": "warning_due", "stage_label": "Warning due"},
    ]
    assert round(sum(p["points"] for p in d["priority_parts"]), 2) == d["priority"]
    assert {p["part"] for p in d["priority_parts"]} >= {"stage", "overdue", "action_due"}
    rows = json.loads(run("queue", "--format", "json")[1])
    assert next(r for r in rows if r["account"] == "0001")["priority"] == d["priority"]


def test_account_text_shows_stage_steps_history_and_priority(books, run):
    code, out, _ = run("account", "0002")
    assert code == 0
    for text in ("Collection timeline", "Stage         Follow-up (cyan)", "Coming steps", "Stage history",
                 "Priority ", "action_due"):
        assert text in out
    assert "\x1b" not in out
