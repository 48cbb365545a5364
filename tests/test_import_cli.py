"""`arcollect import` on the command line: what it prints, exit codes, progress on a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

from arcollect_tui.cli.cmd_import import terminal_progress

from test_import_support import cli, digest, fixture, fresh_db, query


def test_prints_counts_per_kind_and_writes(capsys, tmp_path):
    db = fresh_db(tmp_path)
    code, out, err = cli(capsys, db, str(fixture("quickbooks_ar_aging_detail.csv")))
    assert code == 0 and err == ""
    assert "invoices (preset quickbooks), 5 rows, header on line 5, comma-separated utf-8, dates month-first" in out
    lines = out.splitlines()
    assert lines[lines.index("kind      new  changed  unchanged") + 2:][:3] == [
        "accounts    3        0          0",
        "invoices    5        0          0",
        "payments    1        0          0",
    ]
    assert ("skipped: title rows above the header: 3; section and note rows: 4; total rows: 4; blank rows: 4"
            in out)
    assert "written as import batch 1" in out
    assert query(db, "SELECT count(*) FROM invoice") == [(5,)]


def test_reimport_says_nothing_to_write(capsys, tmp_path):
    db = fresh_db(tmp_path)
    cli(capsys, db, str(fixture("canonical_invoices.csv")))
    before = digest(db)
    code, out, _ = cli(capsys, db, str(fixture("canonical_invoices.csv")))
    assert code == 0
    assert "invoices    0        0          6" in out
    assert "nothing to write: the store already holds this data" in out
    assert digest(db) == before


def test_dry_run_lists_changes_and_says_nothing_was_written(capsys, tmp_path):
    db = fresh_db(tmp_path)
    cli(capsys, db, str(fixture("canonical_invoices.csv")))
    before = digest(db)
    code, out, _ = cli(capsys, db, "--dry-run", str(fixture("canonical_invoices_v2.csv")))
    assert code == 0
    assert "  account 0001042 invoice INV-00017: due_date 2026-02-04 -> 2026-02-06\n" in out
    assert out.rstrip().endswith("dry run: nothing was written")
    assert digest(db) == before


def test_kind_option(capsys, tmp_path):
    db = fresh_db(tmp_path)
    code, out, _ = cli(capsys, db, "--kind", "contacts", str(fixture("canonical_accounts.csv")))
    assert code == 0 and "contacts (preset canonical)" in out


def test_progress_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert terminal_progress(io.StringIO()) is None
    stream = Tty()
    show = terminal_progress(stream)
    assert show is not None
    for done in (0, 50_000, 50_000, 100_000):
        show(done, 100_000)
    assert stream.getvalue() == ("\rimport: 0/100,000 rows read (0%)\rimport: 50,000/100,000 rows read (50%)"
                                 "\rimport: 100,000/100,000 rows read (100%); writing\n")


def test_no_progress_when_stderr_is_not_a_terminal(capsys, tmp_path, ibm_csv):
    db = fresh_db(tmp_path)
    code, _out, err = cli(capsys, db, str(ibm_csv))
    assert code == 0 and err == ""


def test_the_importer_imports_no_ui_library():
    code = ("import sys, arcollect_tui.importer, arcollect_tui.cli.cmd_import; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
