"""`arcollect report dso|cei|promises|activity|disputes|stages|cash` through the CLI: table, csv,
json and xlsx (read back with openpyxl), the formula-injection rule, and exit 2 for bad options
with nothing written."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arcollect_tui.cli import main
from arcollect_tui.db import connect

from test_reports_metrics import Book, D

TODAY = D(2026, 3, 31)
HOSTILE_KEY = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def store(db, db_path):
    book = Book(db)
    a = book.account(HOSTILE_KEY, "+1")
    inv = book.invoice(a, D(2026, 1, 10), D(2026, 2, 9), 123456)
    book.pay(a, D(2026, 2, 20), 23456)
    book.dispute(a, 5000, D(2026, 3, 1), owner="-2+3", invoice=inv)
    book.dispute(a, 700, D(2026, 2, 1), owner="@SUM(A1)", resolved=D(2026, 3, 11))
    b = book.account("0042", "Tanaka K.K.")
    book.invoice(b, D(2026, 2, 1), D(2026, 3, 3), 500000, currency="JPY")
    book.dispute(b, 120000, D(2026, 3, 20), reason="tax", currency="JPY")
    book.activity(a, D(2026, 3, 2), "call", "reached", note="=1+1")
    book.promise(a, D(2026, 3, 2), D(2026, 3, 9), 10000)
    db.close()
    return db_path


def run(db_path, *argv: str, today: dt.date = TODAY) -> int:
    return main(["--db", str(db_path), "--today", today.isoformat(), "report", *argv])


def dump(db_path) -> list[str]:
    db = connect(db_path)
    try:
        return list(db.connection().iterdump())
    finally:
        db.close()


@pytest.mark.parametrize("name", ["dso", "cei", "promises", "activity", "disputes", "stages", "cash"])
def test_every_report_in_every_text_format(store, capsys, name):
    assert run(store, name) == 0
    out = capsys.readouterr().out
    assert "as of 2026-03-31, period 2026-01-01 to 2026-03-31 (90 days)" in out
    assert "Formula: " in out and "Traceback" not in out
    assert run(store, name, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == name and data["period"] == {"from": "2026-01-01", "to": "2026-03-31", "days": 90}
    assert data["formula"]
    assert run(store, name, "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(len(r) == len(rows[0]) for r in rows)


def test_json_amounts_are_strings_with_the_currency_digits(store, capsys):
    assert run(store, "dso", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    by = {x["currency"]: x for x in data["dso"]}
    assert by["USD"]["ar_end"] == "1000.00" and by["JPY"]["ar_end"] == "500000"
    assert by["USD"]["credit_sales"] == "1234.56"
    assert by["USD"]["dso_standard"] == "72.9"            # 1,000.00 / 1,234.56 x 90 = 72.90
    assert isinstance(by["USD"]["days"], int)


def test_cei_states_its_convention_in_the_table_footer(store, capsys):
    assert run(store, "cei") == 0
    out = capsys.readouterr().out
    footer = out[out.index("Formula:"):].replace("\n", " ")
    assert "NOT divided by the number of months" in footer and "55.9%" in footer and "79.6%" in footer


def test_csv_takes_the_chosen_table_and_guards_formula_looking_cells(store, capsys):
    assert run(store, "disputes", "--format", "csv", "--table", "open") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["account", "name", "invoice", "currency", "amount", "reason", "routed_to", "owner", "status",
                       "opened_on", "resolved_on", "age_days"]
    usd = next(r for r in rows[1:] if r[3] == "USD")
    assert usd[0] == "'" + HOSTILE_KEY and usd[1] == "'+1" and usd[7] == "'-2+3"
    assert usd[4] == "50.00" and usd[9] == "2026-03-01" and usd[10] == "" and usd[11] == "30"
    jpy = next(r for r in rows[1:] if r[3] == "JPY")
    assert jpy[0] == "0042" and jpy[4] == "120000"
    assert run(store, "dso", "--format", "csv", "--table", "countback") == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head == "currency,month_from,month_to,days,sales,ar_before,days_counted"


def test_table_output_shows_n_a_for_what_is_undefined(store, capsys):
    assert run(store, "cash") == 0
    out = capsys.readouterr().out
    usd = next(line for line in out.splitlines() if line.startswith("USD"))
    assert usd.split()[-2:] == ["n/a", "n/a"]           # nothing overdue at the start: no rates
    assert "234.56" in usd                              # but cash came in


def test_xlsx_types_formats_frozen_header_filters_and_text_guards(store, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "disputes.xlsx"
    assert run(store, "disputes", "--format", "xlsx", "--out", str(out)) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Cycle time", "Open disputes", "Resolved in period", "About"]
    ws = wb["Open disputes"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
    header = [c.value for c in ws[1]]
    assert header[:5] == ["account", "name", "invoice", "currency", "amount"]
    rows = {ws.cell(r, 4).value: r for r in range(2, ws.max_row + 1)}
    usd, jpy = rows["USD"], rows["JPY"]
    key, name, owner = ws.cell(usd, 1), ws.cell(usd, 2), ws.cell(usd, 8)
    assert key.value == "'" + HOSTILE_KEY and key.data_type == "s"        # text, not a formula
    assert name.value == "'+1" and name.data_type == "s"
    assert owner.value == "'-2+3" and owner.data_type == "s"
    assert ws.cell(jpy, 1).value == "0042" and ws.cell(jpy, 1).data_type == "s"   # leading zeros kept
    amount = ws.cell(usd, 5)
    assert amount.data_type == "n" and amount.value == 50 and amount.number_format == "#,##0.00"
    assert ws.cell(jpy, 5).value == 120000 and ws.cell(jpy, 5).number_format == "#,##0"
    opened = ws.cell(usd, 10)
    assert opened.is_date and opened.value == dt.datetime(2026, 3, 1) and opened.number_format == "yyyy-mm-dd"
    assert ws.cell(usd, 11).value is None                                 # not resolved: an empty cell
    age = ws.cell(usd, 12)
    assert age.value == 30 and age.data_type == "n"
    assert ws.column_dimensions["A"].width > len(HOSTILE_KEY)              # sized to the data
    resolved = wb["Resolved in period"]
    assert resolved.cell(2, 8).value == "'@SUM(A1)" and resolved.cell(2, 8).data_type == "s"
    summary = wb["Summary"]
    mean = summary.cell(2, 6)
    assert mean.data_type == "n" and mean.number_format == "0.0"
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["report"] == "Disputes" and about["from"] == dt.datetime(2026, 1, 1)
    assert about["formula"].startswith("Open = opened on or before --today")


def test_xlsx_percentages_are_fractions_in_percent_format(store, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "promises.xlsx"
    assert run(store, "promises", "--format", "xlsx", "--out", str(out)) == 0
    ws = openpyxl.load_workbook(out)["Promises"]
    header = [c.value for c in ws[1]]
    rate = ws.cell(2, header.index("kept_rate") + 1)
    assert rate.value == 0 and rate.number_format == "0.0%"       # the one promise was broken
    broken = ws.cell(2, header.index("broken_rate") + 1)
    assert broken.value == 1 and broken.number_format == "0.0%"
    assert ws.cell(2, header.index("promises") + 1).value == 1


def test_out_writes_text_formats_atomically(store, tmp_path):
    out = tmp_path / "dso.json"
    out.write_text("old")
    assert run(store, "dso", "--format", "json", "--out", str(out), "--from", "2026-03-01") == 0
    data = json.loads(out.read_text())
    assert data["period"]["from"] == "2026-03-01" and stat.S_IMODE(os.stat(out).st_mode) == 0o600


@pytest.mark.parametrize("argv, expected", [
    (["dso", "--to", "2026-04-01"], "--to: 2026-04-01"),
    (["cei", "--from", "2026-03-02", "--to", "2026-03-01"], "--from: 2026-03-02"),
    (["cash", "--from", "2026-02-30"], "--from '2026-02-30' is not a date"),
    (["stages", "--to", "31/03/2026"], "--to '31/03/2026' is not a date"),
    (["promises", "--format", "xlsx"], "--out"),
    (["activity", "--format", "csv", "--out", "/nonexistent/folder/a.csv"], "does not exist"),
])
def test_bad_options_are_exit_2_and_write_nothing(store, capsys, argv, expected):
    before = dump(store)
    capsys.readouterr()
    assert run(store, *argv) == 2
    out = capsys.readouterr()
    assert expected in out.err and out.out == "" and "Traceback" not in out.err
    assert dump(store) == before


@pytest.mark.parametrize("argv", [["dso", "--table", "nope"], ["stages", "--format", "pdf"], ["nonsense"]])
def test_usage_errors_are_exit_2(store, capsys, argv):
    with pytest.raises(SystemExit) as e:
        run(store, *argv)
    assert e.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


NASTY = st.one_of(st.sampled_from(["", "2026-02-30", "2026-13-01", "31/12/2026", "2026-03-31", "2026-01-01",
                                   "2026-04-01", "1900-01-01", "0001-01-01", "9999-12-31", "=1+1", "-1", "+3d",
                                   "2026-1-5", "x" * 300, "\x1b[2J"]),
                  st.text(max_size=12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["dso", "cei", "promises", "activity", "disputes", "stages", "cash"]),
       start=st.one_of(st.none(), NASTY), end=st.one_of(st.none(), NASTY), today=NASTY,
       fmt=st.sampled_from(["table", "csv", "json", "xlsx"]))
def test_any_period_options_exit_0_or_2_never_a_traceback(store, name, start, end, today, fmt):
    argv = ["--db", str(store), "--today", today, "report", name, "--format", fmt]
    argv += [f"--from={start}"] if start is not None else []
    argv += [f"--to={end}"] if end is not None else []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    assert code in (0, 2), (argv, err.getvalue()[-300:])
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert err.getvalue().strip() and out.getvalue() == ""
