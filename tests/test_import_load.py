"""What an import writes: the IBM sample, idempotence, updated exports field by field, dry runs,
payments, audit rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest

from arcollect_tui import audit, ledger
from arcollect_tui.importer import FieldChange, KindCounts, run_import

from test_import_support import TODAY, dump, fixture, write


def load(db, config, *paths, **kw):
    return run_import(db, list(paths), today=kw.pop("today", TODAY), config=config, user="tester", **kw)


def one(db, sql, params=()):
    return db.connection().execute(sql, params).fetchone()


def audit_rows(db):
    return db.connection().execute("SELECT action, entity, entity_id, before, after FROM audit_log ORDER BY id").fetchall()


# -- the IBM sample ----------------------------------------------------------------------------

def test_ibm_sample_as_it_is(db, config, ibm_csv):
    report = load(db, config, ibm_csv)
    assert report.counts == {
        "accounts": KindCounts(new=100), "invoices": KindCounts(new=2466), "payments": KindCounts(new=2466),
        "disputes": KindCounts(new=561)}
    assert report.files[0].preset == "ibm" and report.files[0].date_order == "MDY"
    assert one(db, "SELECT count(*) FROM invoice WHERE number LIKE '0%'") == (266,)
    assert one(db, "SELECT a.key, i.invoice_date, i.due_date, i.amount_minor, i.settled_on FROM invoice i "
                   "JOIN account a ON a.id = i.account_id WHERE i.number = '0000611365'") == (
        "0379-NEVHP", "2013-01-02", "2013-02-01", 5594, "2013-01-15")
    assert one(db, "SELECT count(*) FROM dispute WHERE status = 'resolved_valid' AND reason = 'other' "
                   "AND routed_to = 'billing'") == (561,)
    assert one(db, "SELECT count(*) FROM invoice WHERE settled_on IS NULL") == (0,)
    assert audit.verify(db.connection())[1] is None


def test_ibm_open_amounts_as_of_any_date_match_the_file(db, config, ibm_csv):
    load(db, config, ibm_csv)
    with ibm_csv.open(newline="") as fh:
        rows = list(csv.DictReader(fh))

    def us(text):
        m, d, y = map(int, text.split("/"))
        return dt.date(y, m, d)

    for as_of in (dt.date(2012, 6, 30), dt.date(2013, 3, 15), dt.date(2013, 12, 31)):
        expected = sum((Decimal(r["InvoiceAmount"]) for r in rows
                        if us(r["InvoiceDate"]) <= as_of < us(r["SettledDate"])), Decimal(0))
        items = ledger.open_items(db.connection(), as_of)
        assert Decimal(sum(i.open_minor for i in items)) / 100 == expected
        assert all(i.open_minor == i.amount_minor for i in items)


def test_ibm_reimport_changes_nothing(db, db_path, config, ibm_csv):
    load(db, config, ibm_csv)
    before_dump = dump(db_path)
    report = load(db, config, ibm_csv, today=TODAY + dt.timedelta(days=30))
    assert report.batch_id is None and report.changes == ()
    assert report.counts == {
        "accounts": KindCounts(unchanged=100), "invoices": KindCounts(unchanged=2466),
        "payments": KindCounts(unchanged=2466), "disputes": KindCounts(unchanged=561)}
    assert dump(db_path) == before_dump


# -- idempotence and updates -------------------------------------------------------------------

ALL = ("canonical_invoices.csv", "canonical_payments.csv", "canonical_accounts.csv", "canonical_contacts.csv")


def test_same_files_again_write_nothing_at_all(db, db_path, config):
    first = load(db, config, *map(fixture, ALL))
    assert first.batch_id == 1
    snapshot = dump(db_path)
    again = load(db, config, *map(fixture, ALL), today=TODAY + dt.timedelta(days=7))
    assert again.batch_id is None
    assert not again.has_changes
    assert {k: (c.new, c.changed, c.removed) for k, c in again.counts.items()} == {
        k: (0, 0, 0) for k in ("accounts", "contacts", "invoices", "payments", "disputes")}
    assert again.counts["invoices"].unchanged == 6 and again.counts["payments"].unchanged == 5
    assert dump(db_path) == snapshot


def test_an_updated_export_changes_exactly_what_changed(db, config):
    load(db, config, fixture("canonical_invoices.csv"), today=dt.date(2026, 3, 2))
    audit_before = len(audit_rows(db))
    report = load(db, config, fixture("canonical_invoices_v2.csv"), today=dt.date(2026, 3, 9))
    assert report.counts["invoices"] == KindCounts(new=1, changed=3, unchanged=3)
    assert report.counts["payments"] == KindCounts(changed=1, unchanged=1)
    assert report.counts["disputes"] == KindCounts(changed=1, unchanged=1)
    assert [str(c) for c in report.changes] == [
        "account 0001042 invoice INV-00017: due_date 2026-02-04 -> 2026-02-06",
        "account 0001042 invoice INV-00018: open_amount 400.00 -> 0.00",
        "account 0002310 invoice JP-88002: disputed 20000 -> no",
        "account 0002310 invoice JP-88002 dispute: status open -> resolved_valid",
    ]
    assert report.changes[0] == FieldChange("invoices", "account 0001042 invoice INV-00017", "due_date",
                                            "2026-02-04", "2026-02-06")
    # The open amount's payment now covers the invoice, dated the day the import saw it.
    assert one(db, "SELECT paid_on, amount_minor FROM payment WHERE source_key = 'open:0001042:INV-00018'") == (
        "2026-03-09", 125000)
    assert one(db, "SELECT settled_on FROM invoice WHERE number = 'INV-00018'") == ("2026-03-09",)
    assert one(db, "SELECT status, resolved_on FROM dispute WHERE source_key = 'dispute:0002310:JP-88002'") == (
        "resolved_valid", "2026-03-09")
    # One audit row per changed entity (invoice, payment, dispute) and one for the batch.
    new_rows = audit_rows(db)[audit_before:]
    assert [(a, e) for a, e, *_ in new_rows] == [("import", "invoice"), ("import", "payment"), ("import", "dispute"),
                                                 ("import", "import_batch")]
    assert json.loads(new_rows[0][3]) == {"due_date": "2026-02-04"}
    assert json.loads(new_rows[0][4]) == {"due_date": "2026-02-06"}
    batch = json.loads(new_rows[-1][4])
    assert batch["counts"]["invoices"] == {"new": 1, "changed": 3, "unchanged": 3, "removed": 0}
    assert batch["files"][0]["sha256"] == report.files[0].sha256
    assert audit.verify(db.connection())[1] is None


def test_amount_and_name_changes(db, config, tmp_path):
    head = "account,name,invoice,invoice_date,due_date,amount,currency\n"
    load(db, config, write(tmp_path, "a.csv", head + "001,Acme,A-1,2026-01-05,2026-02-04,100.00,USD\n"))
    report = load(db, config, write(tmp_path, "b.csv", head + "001,Acme Ltd,A-1,2026-01-05,2026-02-04,-40.00,USD\n"))
    assert [str(c) for c in report.changes] == [
        "account 001: name Acme -> Acme Ltd",
        "account 001 invoice A-1: kind invoice -> credit_note",
        "account 001 invoice A-1: amount 100.00 -> -40.00",
    ]


def test_a_file_without_a_name_column_keeps_the_name(db, config, tmp_path):
    load(db, config, fixture("canonical_accounts.csv"))
    path = write(tmp_path, "n.csv", "account,invoice,invoice_date,due_date,amount,currency\n"
                                    "0001042,Z-1,2026-01-05,2026-02-04,1.00,SGD\n0999,Z-2,2026-01-05,2026-02-04,1,SGD\n")
    report = load(db, config, path)
    assert report.counts["accounts"] == KindCounts(new=1, unchanged=1)
    assert one(db, "SELECT name FROM account WHERE key = '0001042'") == ("Harbourfront Analytics Pte Ltd",)
    assert one(db, "SELECT name FROM account WHERE key = '0999'") == ("0999",)


def test_removed_open_payment_when_the_export_shows_it_open_again(db, config, tmp_path):
    head = "account,invoice,invoice_date,due_date,amount,currency,open_amount\n"
    load(db, config, write(tmp_path, "a.csv", head + "001,A-1,2026-01-05,2026-02-04,100.00,USD,30.00\n"))
    assert one(db, "SELECT amount_minor FROM payment") == (7000,)
    report = load(db, config, write(tmp_path, "b.csv", head + "001,A-1,2026-01-05,2026-02-04,100.00,USD,100.00\n"))
    assert report.counts["payments"] == KindCounts(removed=1)
    assert [str(c) for c in report.changes] == ["account 001 invoice A-1: open_amount 30.00 -> 100.00"]
    assert one(db, "SELECT count(*) FROM payment") == (0,)
    assert one(db, "SELECT count(*) FROM allocation") == (0,)


def test_an_open_amount_seen_later_settles_a_stored_invoice(db, config, tmp_path):
    head = "account,invoice,invoice_date,due_date,amount,currency"
    load(db, config, write(tmp_path, "a.csv", head + "\n001,A-1,2026-01-05,2026-02-04,100.00,USD\n"))
    report = load(db, config, write(tmp_path, "b.csv", head + ",open_amount\n001,A-1,2026-01-05,2026-02-04,100.00,USD,0\n"
                                                      "001,A-2,2026-02-05,2026-03-04,50.00,USD,50.00\n"))
    assert report.counts["payments"] == KindCounts(new=1)
    assert report.counts["invoices"] == KindCounts(new=1, changed=1)
    assert [str(c) for c in report.changes] == ["account 001 invoice A-1: open_amount 100.00 -> 0.00"]
    assert db.connection().execute("SELECT number, settled_on FROM invoice ORDER BY number").fetchall() == [
        ("A-1", TODAY.isoformat()), ("A-2", None)]


def test_dry_run_reports_the_same_and_writes_nothing(db, db_path, config):
    load(db, config, fixture("canonical_invoices.csv"), today=dt.date(2026, 3, 2))
    snapshot = dump(db_path)
    dry = load(db, config, fixture("canonical_invoices_v2.csv"), today=dt.date(2026, 3, 9), dry_run=True)
    assert dump(db_path) == snapshot
    assert dry.dry_run and dry.batch_id is None
    real = load(db, config, fixture("canonical_invoices_v2.csv"), today=dt.date(2026, 3, 9))
    assert (dry.counts, dry.changes, dry.skipped) == (real.counts, real.changes, real.skipped)


def test_dry_run_on_an_empty_store_writes_nothing(db, db_path, config, ibm_csv):
    snapshot = dump(db_path)
    report = load(db, config, ibm_csv, dry_run=True)
    assert report.counts["invoices"] == KindCounts(new=2466)
    assert dump(db_path) == snapshot


# -- payments ----------------------------------------------------------------------------------

def test_payments_applied_to_their_invoice_else_oldest_first(db, config):
    load(db, config, fixture("canonical_invoices.csv"), fixture("canonical_payments.csv"), today=dt.date(2026, 3, 2))
    rows = db.connection().execute(
        "SELECT p.source_key, i.number, al.amount_minor, al.applied_on FROM allocation al "
        "JOIN payment p ON p.id = al.payment_id JOIN invoice i ON i.id = al.invoice_id "
        "WHERE p.source_key LIKE 'pay:%' ORDER BY p.paid_on, p.id").fetchall()
    assert rows == [
        ("pay:0001042:ref:DBS-TT-20260220-01", "INV-00017", 50000, "2026-02-20"),
        ("pay:0002310:ref:MUFG-0301-7781", "JP-88001", 500000, "2026-03-01"),          # oldest due first
        ("pay:0001042:row:2026-03-02:10000:SGD::1", "INV-00017", 10000, "2026-03-02"),   # no reference
    ]


def test_payment_changes_reallocate(db, config, tmp_path):
    load(db, config, fixture("canonical_invoices.csv"), fixture("canonical_payments.csv"), today=dt.date(2026, 3, 2))
    path = write(tmp_path, "p2.csv", "account,date,amount,currency,invoice,reference,method\n"
                                     "0001042,2026-02-21,1250.00,SGD,INV-00017,DBS-TT-20260220-01,wire\n")
    report = load(db, config, path)
    assert report.counts["payments"] == KindCounts(changed=1)
    assert [str(c) for c in report.changes] == [
        "account 0001042 payment DBS-TT-20260220-01: paid_on 2026-02-20 -> 2026-02-21",
        "account 0001042 payment DBS-TT-20260220-01: amount 500.00 -> 1250.00"]
    # The 100.00 cheque already sits on INV-00017 (1,250.00): the wire now fills the remaining
    # 1,150.00 and the rest goes to the next oldest open invoice.
    alloc = db.connection().execute(
        "SELECT i.number, sum(al.amount_minor) FROM allocation al JOIN invoice i ON i.id = al.invoice_id "
        "JOIN payment p ON p.id = al.payment_id WHERE p.reference = 'DBS-TT-20260220-01' GROUP BY i.number"
    ).fetchall()
    assert alloc == [("INV-00017", 115000), ("INV-00018", 10000)]


def test_duplicate_payment_reference(db, config, tmp_path):
    from arcollect_tui.errors import InputError

    path = write(tmp_path, "p.csv", "account,date,amount,currency,reference\n001,2026-01-02,1,USD,R1\n"
                                    "001,2026-01-03,2,USD,R1\n")
    with pytest.raises(InputError) as exc:
        load(db, config, path)
    assert exc.value.problems == [f"{path}:3: reference: R1: the same payment reference of account 001 as "
                                  f"{path}:2: each payment may appear once per import"]


def test_identical_payments_without_reference_are_told_apart_by_occurrence(db, config, tmp_path):
    path = write(tmp_path, "p.csv", "account,date,amount,currency\n001,2026-01-02,5,USD\n001,2026-01-02,5,USD\n")
    assert load(db, config, path).counts["payments"] == KindCounts(new=2)
    assert load(db, config, path).counts["payments"] == KindCounts(unchanged=2)


def test_progress_is_reported(db, config, ibm_csv):
    seen = []
    load(db, config, ibm_csv, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2466, 2466)
    assert all(d <= t for d, t in seen)
