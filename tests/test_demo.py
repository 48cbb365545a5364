"""The demo portfolio (`arcollect demo`, build_demo): deterministic, believable, consistent.

Stages are the real timeline's (arcollect_tui.timeline over services.facts.load_facts); the
history checks (a warning only at dpd >= 30, ...) use the test's own dpd reading from the ledger.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from arcollect_tui import audit, ledger
from arcollect_tui.cli import main
from arcollect_tui.config import Config, Policy
from arcollect_tui.db import connect
from arcollect_tui.demo import STAGES, DemoSummary, build_demo
from arcollect_tui.demo import builder as demo_builder
from arcollect_tui.demo import portfolio
from arcollect_tui.money import format_minor
from arcollect_tui.services.facts import load_facts
from arcollect_tui.timeline import assess

TODAY = dt.date(2026, 3, 2)
N = 400  # enough for every stage, behaviour and reason code; small enough to build in ~0.3 s
POLICY = Policy()


def _build(path: Path, *, accounts: int = N, seed: int = 42, today: dt.date = TODAY, progress=None) -> DemoSummary:
    db = connect(path)
    try:
        return build_demo(db, today=today, accounts=accounts, seed=seed, config=Config(user="tester"),
                          user="tester", progress=progress)
    finally:
        db.close()


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every table but the audit log and the import batch (wall-clock stamps), in id order."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('audit_log', 'import_batch')"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall() for name in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    _build(path)
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --------------------------------------------------------------------------------------------
# The test's own stage computation


def _disputed(conn: sqlite3.Connection, invoice_id: int, day: dt.date) -> bool:
    iso = day.isoformat()
    return conn.execute(
        "SELECT 1 FROM dispute WHERE invoice_id = ? AND opened_on <= ? AND (resolved_on IS NULL OR resolved_on > ?)",
        (invoice_id, iso, iso),
    ).fetchone() is not None


def dpd_as_of(conn: sqlite3.Connection, account_id: int, day: dt.date) -> int:
    """Days past due of the oldest open invoice not in dispute, as of `day`."""
    worst = 0
    for item in ledger.open_items(conn, day, account_id):
        if item.kind != "invoice" or item.due_date >= day or _disputed(conn, item.invoice_id, day):
            continue
        worst = max(worst, (day - item.due_date).days)
    return worst


def stage_of(conn: sqlite3.Connection, account_id: int, today: dt.date, policy: Policy = POLICY) -> str:
    """The real timeline's stage for the account (arcollect_tui.timeline)."""
    return assess(load_facts(conn, account_id, today), policy, today).stage


# --------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_same_tables_different_seed_different(tmp_path):
    _build(tmp_path / "a.db", accounts=150, seed=7)
    _build(tmp_path / "b.db", accounts=150, seed=7)
    _build(tmp_path / "c.db", accounts=150, seed=8)
    a, b, c = (_tables(tmp_path / f"{x}.db") for x in "abc")
    assert a == b
    assert a["invoice"] and a["activity"] and a["suspension_event"]
    assert a["account"] != c["account"] and a["invoice"] != c["invoice"]


def test_child_process_build_gives_the_same_rows(tmp_path, monkeypatch):
    """Big portfolios are generated in a child Python while this one inserts: same rows."""
    _build(tmp_path / "here.db", accounts=120, seed=3)
    monkeypatch.setattr(demo_builder, "PARALLEL_FROM", 1)
    _build(tmp_path / "child.db", accounts=120, seed=3)
    assert _tables(tmp_path / "here.db") == _tables(tmp_path / "child.db")


def test_a_failing_child_process_writes_nothing(tmp_path, db_path, monkeypatch):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'boom: no generator here' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(demo_builder, "PARALLEL_FROM", 1)
    monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(RuntimeError, match="boom: no generator here"):
        _build(db_path, accounts=50)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM account").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'invoice_open'").fetchone()[0] == 1


def test_dated_relative_to_any_today(tmp_path):
    other = dt.date(2031, 7, 15)
    _build(tmp_path / "o.db", accounts=60, today=other)
    conn = sqlite3.connect(tmp_path / "o.db")
    first, last = conn.execute("SELECT min(invoice_date), max(invoice_date) FROM invoice").fetchone()
    assert (other - _d(last)).days < 60 and 300 < (other - _d(first)).days < 365 + 200
    assert conn.execute("SELECT max(paid_on) FROM payment").fetchone()[0] <= other.isoformat()
    assert {stage_of(conn, aid, other) for (aid,) in conn.execute("SELECT id FROM account")} == set(STAGES)


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_builds_then_refuses_a_non_empty_database(db_path, capsys):
    assert main(["--db", str(db_path), "--today", TODAY.isoformat(), "demo", "--accounts", "25", "--seed", "5"]) == 0
    out = capsys.readouterr()
    assert "invoices" in out.out and "accounts" in out.out and "25" in out.out
    assert out.err == ""  # progress only on a terminal
    before = _tables(db_path)
    audit_rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM audit_log").fetchone()[0]

    assert main(["--db", str(db_path), "--today", TODAY.isoformat(), "demo", "--accounts", "25"]) == 2
    err = capsys.readouterr().err
    assert "already has 25 accounts" in err and "--db" in err and "Traceback" not in err
    assert _tables(db_path) == before
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows
    assert conn.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 1


@pytest.mark.parametrize("value", ["0", "-3", "ten", "2000000"])
def test_cli_bad_account_count_is_exit_2(value, db_path, capsys):
    code = None
    try:
        code = main(["--db", str(db_path), "demo", "--accounts", value])
    except SystemExit as exc:  # argparse's own usage error for "ten"
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "accounts" in err and "Traceback" not in err


def test_summary_counts_every_table_the_generator_counts():
    assert DemoSummary.__dataclass_fields__.keys() == set(portfolio.COUNTS)


def test_cli_shows_progress_when_stderr_is_a_terminal(db_path, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["--db", str(db_path), "--today", TODAY.isoformat(), "demo", "--accounts", "12"]) == 0
    assert "demo: 12/12 accounts" in err.getvalue() and err.getvalue().endswith("\n")
    assert "accounts" in capsys.readouterr().out


def test_one_import_batch_and_one_audit_row(tmp_path):
    summary = _build(tmp_path / "x.db", accounts=40)
    conn = sqlite3.connect(tmp_path / "x.db")
    batches = conn.execute("SELECT id, source, as_of, finished_at FROM import_batch").fetchall()
    assert len(batches) == 1 and batches[0][1] == "demo" and batches[0][2] == TODAY.isoformat() and batches[0][3]
    rows = conn.execute("SELECT action, entity, entity_id FROM audit_log").fetchall()
    assert rows == [("demo", "import_batch", batches[0][0])]
    assert audit.verify(conn)[1] is None
    assert conn.execute("SELECT count(*) FROM account WHERE import_batch_id = ?", (batches[0][0],)).fetchone()[0] == 40
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
              ("account", "contact", "payment", "allocation", "activity", "promise", "payment_plan", "dispute",
               "escalation", "suspension_event")}
    assert counts["account"] == summary.accounts and counts["payment"] == summary.payments
    assert counts["allocation"] == summary.allocations and counts["activity"] == summary.activities
    invoices = conn.execute("SELECT kind, count(*) FROM invoice GROUP BY kind").fetchall()
    assert dict(invoices) == {"invoice": summary.invoices, "credit_note": summary.credit_notes}


def test_progress_reports_each_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(portfolio, "CHUNK", 10)
    calls = []
    _build(tmp_path / "p.db", accounts=35, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(10, 35), (20, 35), (30, 35), (35, 35)]


def test_indexes_are_back_after_the_build(tmp_path, db_path):
    fresh = connect(tmp_path / "fresh.db")
    fresh.close()
    _build(db_path, accounts=20)

    def index_sql(path):
        conn = sqlite3.connect(path)
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())

    assert index_sql(db_path) == index_sql(tmp_path / "fresh.db")


# --------------------------------------------------------------------------------------------
# The portfolio


def test_every_stage_is_populated(demo):
    stages = Counter(stage_of(demo, aid, TODAY) for (aid,) in demo.execute("SELECT id FROM account"))
    assert set(stages) == set(STAGES), stages
    assert stages["current"] > stages["referred"]  # most customers pay


def test_every_stage_even_in_a_tiny_portfolio(tmp_path):
    _build(tmp_path / "t.db", accounts=len(STAGES))
    conn = sqlite3.connect(tmp_path / "t.db")
    assert {stage_of(conn, aid, TODAY) for (aid,) in conn.execute("SELECT id FROM account")} == set(STAGES)


def test_suspension_timeline_facts_follow_the_policy(demo):
    p = POLICY
    events = defaultdict(list)
    for aid, kind, on, approved_by, role in demo.execute(
            "SELECT account_id, kind, on_date, approved_by, approver_role FROM suspension_event ORDER BY on_date, id"):
        events[aid].append((kind, _d(on), approved_by, role))
    kinds = Counter(k for evs in events.values() for k, *_ in evs)
    assert {"warning", "suspension", "reinstatement", "referral"} <= set(kinds)
    for aid, evs in events.items():
        warnings: list[dt.date] = []
        suspended_on = None
        for kind, on, approved_by, role in evs:
            assert on <= TODAY
            if kind == "warning":
                assert approved_by and role
                assert dpd_as_of(demo, aid, on) >= p.warning_from_dpd, (aid, on)
                warnings.append(on)
            elif kind == "suspension":
                assert approved_by and role
                assert any(p.warning_notice_days <= (on - w).days < p.warning_valid_days for w in warnings), (aid, on)
                suspended_on = on
            elif kind == "referral":
                assert suspended_on is not None and on > suspended_on, aid
                assert dpd_as_of(demo, aid, on) >= p.referral_from_dpd, (aid, on)
            else:
                assert suspended_on is not None and on >= suspended_on, aid
                suspended_on = None


def test_amounts_in_each_currencys_minor_units(demo):
    by_currency = defaultdict(list)
    for cur, amount, kind in demo.execute("SELECT currency, amount_minor, kind FROM invoice"):
        assert isinstance(amount, int)
        if kind == "invoice":
            by_currency[cur].append(amount)
    assert set(by_currency) == {"SGD", "JPY", "AUD", "USD", "EUR"}
    medians = {cur: statistics.median(values) for cur, values in by_currency.items()}
    # JPY is stored in whole yen: a typical invoice is tens or hundreds of thousands of yen.
    assert 20_000 <= medians["JPY"] <= 2_000_000
    assert "." not in format_minor(medians["JPY"], "JPY")
    for cur in ("SGD", "AUD", "USD", "EUR"):  # cents: typically hundreds to thousands of units
        assert 20_000 <= medians[cur] <= 2_000_000, (cur, medians[cur])
    # Log-normal: a long right tail, the mean well above the median.
    usd = by_currency["USD"]
    assert statistics.mean(usd) > 1.3 * statistics.median(usd)
    for table, column in (("payment", "amount_minor"), ("allocation", "amount_minor"), ("promise", "amount_minor"),
                          ("dispute", "amount_minor"), ("payment_plan", "total_minor"),
                          ("plan_instalment", "amount_minor")):
        types = {t for (t,) in demo.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")}
        assert types == {"integer"}, table
    # Rows in one currency agree with their account.
    assert demo.execute("""SELECT count(*) FROM invoice i JOIN account a ON a.id = i.account_id
                           WHERE a.currency <> i.currency""").fetchone()[0] == 0
    assert demo.execute("""SELECT count(*) FROM payment p JOIN account a ON a.id = p.account_id
                           WHERE a.currency <> p.currency""").fetchone()[0] == 0


def test_allocations_never_exceed_and_settled_on_matches(demo):
    assert demo.execute("""SELECT count(*) FROM invoice i WHERE i.kind = 'invoice' AND i.amount_minor <
                           (SELECT coalesce(sum(amount_minor), 0) FROM allocation a WHERE a.invoice_id = i.id)"""
                        ).fetchone()[0] == 0
    assert demo.execute("""SELECT count(*) FROM invoice i WHERE i.kind = 'credit_note' AND -i.amount_minor <
                           (SELECT coalesce(sum(amount_minor), 0) FROM allocation a WHERE a.credit_note_id = i.id)"""
                        ).fetchone()[0] == 0
    assert demo.execute("""SELECT count(*) FROM payment p WHERE p.amount_minor <>
                           (SELECT sum(amount_minor) FROM allocation a WHERE a.payment_id = p.id)""").fetchone()[0] == 0
    assert demo.execute("""SELECT count(*) FROM allocation a JOIN invoice i ON i.id = a.invoice_id
                           WHERE a.applied_on < i.invoice_date""").fetchone()[0] == 0
    partial = demo.execute("""SELECT count(*) FROM invoice i WHERE i.settled_on IS NULL AND EXISTS
                              (SELECT 1 FROM allocation a WHERE a.invoice_id = i.id)""").fetchone()[0]
    assert partial > 0  # partial payments exist
    stored = demo.execute("SELECT id, settled_on FROM invoice ORDER BY id").fetchall()
    demo.execute("BEGIN")
    try:
        ledger.recompute_settled(demo)
        recomputed = demo.execute("SELECT id, settled_on FROM invoice ORDER BY id").fetchall()
    finally:
        demo.execute("ROLLBACK")
    assert stored == recomputed
    assert demo.execute("PRAGMA foreign_key_check").fetchall() == []


def test_nothing_happens_after_today(demo):
    today = TODAY.isoformat()
    for table, column in (("invoice", "invoice_date"), ("invoice", "settled_on"), ("payment", "paid_on"),
                          ("allocation", "applied_on"), ("activity", "occurred_on"), ("promise", "made_on"),
                          ("dispute", "opened_on"), ("dispute", "resolved_on"), ("suspension_event", "on_date"),
                          ("escalation", "opened_on"), ("escalation", "closed_on"), ("payment_plan", "created_on"),
                          ("payment_plan", "approved_on")):
        late = demo.execute(f"SELECT count(*) FROM {table} WHERE {column} > ?", (today,)).fetchone()[0]
        assert late == 0, (table, column)
    stamps = {s for (s,) in demo.execute("SELECT DISTINCT created_at FROM invoice")}
    assert stamps == {f"{today}T00:00:00Z"}  # no wall clock in the data


def test_about_ten_invoices_a_year_per_account(demo):
    per_account = [n for (n,) in demo.execute(
        "SELECT count(*) FROM invoice WHERE kind = 'invoice' GROUP BY account_id")]
    assert len(per_account) == N
    assert 9 <= statistics.mean(per_account) <= 11
    assert min(per_account) >= 5
    first = demo.execute("SELECT min(invoice_date) FROM invoice").fetchone()[0]
    assert (TODAY - _d(first)).days < 365 + 200
    share_last_year = demo.execute("SELECT avg(invoice_date > ?) FROM invoice",
                                   ((TODAY - dt.timedelta(days=366)).isoformat(),)).fetchone()[0]
    assert share_last_year > 0.95
    terms = {(_d(due) - _d(day)).days for day, due in demo.execute(
        "SELECT invoice_date, due_date FROM invoice WHERE kind = 'invoice'")}
    assert terms == {30, 45, 60}
    assert demo.execute("SELECT count(*) FROM invoice WHERE kind = 'credit_note'").fetchone()[0] > 0


def test_names_keys_contacts_look_real(demo):
    names = [n for (n,) in demo.execute("SELECT name FROM account")]
    assert not any(re.fullmatch(r"(Customer|Account|Company) ?\d+", n) for n in names)
    assert len(set(names)) == len(names)
    for suffixes in (("Pte. Ltd.", "Pte Ltd"), ("K.K.", "Co., Ltd.", "Kabushiki Kaisha"), ("Pty Ltd", "Pty. Ltd."),
                     ("Inc.", "LLC"), ("GmbH", "S.A.", "B.V.")):
        assert any(any(s in n for s in suffixes) for n in names), suffixes
    text = " ".join(names)
    assert "&" in text and "(" in text and re.search(r"[ÄÖÜäöüéèáíóúñçÅØÆōūŌÕ]", text)
    people = " ".join(n for (n,) in demo.execute("SELECT name FROM contact"))
    assert "'" in people or "'" in text
    keys = [k for (k,) in demo.execute("SELECT key FROM account")]
    assert any(k.startswith("0") for k in keys) and len(set(keys)) == len(keys)
    numbers = [n for (n,) in demo.execute("SELECT number FROM invoice")]
    assert len(set(numbers)) == len(numbers) and any(n.startswith("0") for n in numbers)
    roles = {r for (r,) in demo.execute("SELECT DISTINCT role FROM contact")}
    assert {"AP clerk", "AP manager", "controller", "CFO"} <= roles
    assert demo.execute("SELECT count(*) FROM account a WHERE NOT EXISTS "
                        "(SELECT 1 FROM contact c WHERE c.account_id = a.id AND c.is_primary = 1)").fetchone()[0] == 0
    emails = [e for (e,) in demo.execute("SELECT email FROM contact WHERE email IS NOT NULL "
                                         "UNION ALL SELECT email FROM account WHERE email IS NOT NULL")]
    assert emails and all(re.fullmatch(r"[a-z0-9.]+@[a-z0-9-]+\.example", e) for e in emails), \
        [e for e in emails if not re.fullmatch(r"[a-z0-9.]+@[a-z0-9-]+\.example", e)][:5]
    phones = {c: p for c, p in demo.execute("SELECT country, phone FROM account")}
    assert phones["SG"].startswith("+65 ") and phones["JP"].startswith("+81 ") and phones["US"].startswith("+1 (")


def test_promises_kept_partly_kept_broken_and_open(demo):
    tol = POLICY.promise_tolerance_days
    standing = Counter()
    for aid, made, pay_by, amount in demo.execute("SELECT account_id, made_on, pay_by, amount_minor FROM promise"):
        last = min(_d(pay_by) + dt.timedelta(days=tol), TODAY)
        paid = demo.execute("SELECT coalesce(sum(amount_minor), 0) FROM payment WHERE account_id = ?"
                            " AND paid_on BETWEEN ? AND ?", (aid, made, last.isoformat())).fetchone()[0]
        if paid >= amount:
            standing["kept"] += 1
        elif _d(pay_by) + dt.timedelta(days=tol) >= TODAY:
            standing["open"] += 1
        else:
            standing["partly kept" if paid else "broken"] += 1
    assert set(standing) == {"kept", "partly kept", "broken", "open"}, standing
    # Every promise came from a call with outcome "promise", and names its invoices.
    assert demo.execute("""SELECT count(*) FROM promise p LEFT JOIN activity a ON a.id = p.activity_id
                           WHERE a.outcome IS NOT 'promise' OR a.occurred_on <> p.made_on""").fetchone()[0] == 0
    assert demo.execute("SELECT count(*) FROM promise p WHERE NOT EXISTS "
                        "(SELECT 1 FROM promise_invoice x WHERE x.promise_id = p.id)").fetchone()[0] == 0


def test_plans_disputes_escalations_activities(demo):
    plans = demo.execute("SELECT id, status, approved_by, approver_role, approved_on, created_on, total_minor, "
                         "down_payment_minor, instalment_count FROM payment_plan").fetchall()
    assert {p[1] for p in plans} == {"approved", "pending"}
    for pid, status, by, role, on, created, total, down, count in plans:
        rows = demo.execute("SELECT seq, amount_minor FROM plan_instalment WHERE plan_id = ?", (pid,)).fetchall()
        assert sum(a for _, a in rows) == total and len([s for s, _ in rows if s > 0]) == count
        assert (down > 0) == any(s == 0 for s, _ in rows)
        if status == "approved":
            assert by and role in ("collector", "collections_manager", "director") and created <= on <= TODAY.isoformat()
        else:
            assert by is None and on is None

    disputes = demo.execute("SELECT reason, routed_to, owner, status, credit_note_id, amount_minor FROM dispute").fetchall()
    assert {d[0] for d in disputes} == {"pricing", "quantity", "not_received", "duplicate_billing", "tax",
                                        "contract_terms", "service_issue", "other"}
    assert {d[1] for d in disputes} == {"sales_ops", "sales", "billing"} and all(d[2] for d in disputes)
    assert {"open", "resolved_credit"} <= {d[3] for d in disputes}
    for reason, _, _, status, credit_id, amount in disputes:
        if status == "resolved_credit":
            kind, cn_amount = demo.execute("SELECT kind, amount_minor FROM invoice WHERE id = ?", (credit_id,)).fetchone()
            assert kind == "credit_note" and cn_amount == -amount

    targets = {t for (t,) in demo.execute("SELECT DISTINCT target FROM escalation")}
    assert targets == {"collections_management", "sales_management", "credit_analyst"}

    outcomes = {o for (o,) in demo.execute("SELECT DISTINCT outcome FROM activity WHERE channel = 'call'")}
    assert {"no_answer", "voicemail", "reached", "promise", "refused", "dispute", "wrong_contact",
            "paid_claimed"} <= outcomes
    assert {c for (c,) in demo.execute("SELECT DISTINCT channel FROM activity")} >= {"call", "email", "note", "letter"}
    assert {u for (u,) in demo.execute("SELECT DISTINCT user FROM activity")} == {"tester"}
    follow_ups = [f for (f,) in demo.execute("SELECT follow_up_on FROM activity WHERE follow_up_on IS NOT NULL")]
    assert any(f <= TODAY.isoformat() for f in follow_ups) and any(f > TODAY.isoformat() for f in follow_ups)
    assert demo.execute("SELECT count(*) FROM account WHERE distress = 1 AND distress_note IS NOT NULL").fetchone()[0]


def test_a_custom_policy_still_gets_every_stage(tmp_path):
    policy = Policy(follow_up_from_dpd=10, warning_from_dpd=20, warning_notice_days=7, warning_valid_days=21,
                    referral_from_dpd=60)
    db = connect(tmp_path / "p.db")
    try:
        build_demo(db, today=TODAY, accounts=200, seed=1, config=Config(policy=policy), user="tester")
    finally:
        db.close()
    conn = sqlite3.connect(tmp_path / "p.db")
    assert {stage_of(conn, aid, TODAY, policy) for (aid,) in conn.execute("SELECT id FROM account")} == set(STAGES)


def test_cli_demo_leaves_the_worklist_computed_for_today(db_path):
    """The first `queue` after `demo` reads the cache: its state is *today*'s and the data's."""
    assert main(["--db", str(db_path), "--today", TODAY.isoformat(), "demo", "--accounts", "30"]) == 0
    conn = sqlite3.connect(db_path)
    as_of, version = conn.execute("SELECT as_of, data_version FROM queue_cache_state WHERE id = 1").fetchone()
    assert as_of == TODAY.isoformat()
    assert version == conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    cached = conn.execute("SELECT count(*) FROM queue_cache").fetchone()[0]
    assert cached > 0
