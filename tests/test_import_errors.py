"""One test per class of bad input: exit 2, the file and line named, no traceback, and the
database file byte-for-byte as it was."""

from __future__ import annotations

import codecs

import pytest

from test_import_support import cli, digest, fixture, fresh_db, query, write

HEADER = "account,invoice,invoice_date,due_date,amount,currency\n"
GOOD = "0001,INV-1,2026-01-05,2026-02-04,100.00,USD\n"


def refused(capsys, tmp_path, *files, expect: str) -> str:
    """Run the import, check exit 2, the message, no traceback and an untouched database."""
    db = fresh_db(tmp_path)
    before = digest(db)
    code, out, err = cli(capsys, db, *map(str, files))
    assert code == 2, (out, err)
    assert expect in err, err
    assert "Traceback" not in err and "Traceback" not in out
    assert digest(db) == before
    return err


def test_empty_file(capsys, tmp_path):
    path = write(tmp_path, "empty.csv", b"")
    refused(capsys, tmp_path, path, expect=f"{path}:1: the file is empty")


def test_whitespace_only_file_is_empty(capsys, tmp_path):
    path = write(tmp_path, "blank.csv", "\ufeff \r\n\r\n")
    refused(capsys, tmp_path, path, expect=f"{path}:1: the file is empty")


def test_binary_junk_with_nul_bytes(capsys, tmp_path):
    path = write(tmp_path, "junk.csv", HEADER.encode() + b"abc\n\x89PNG\x00\x00\x01\x02\xff")
    refused(capsys, tmp_path, path, expect=f"{path}:3: binary data")


def test_undecodable_bytes(capsys, tmp_path):
    # Not UTF-8, and 0x81 is undefined in cp1252 too.
    path = write(tmp_path, "bad.csv", HEADER.encode() + GOOD.encode() + b"0002,INV-\x81\x8d,2026-01-05,2026-02-04,1,USD\n")
    refused(capsys, tmp_path, path, expect=f"{path}:3: undecodable bytes")


def test_mostly_control_characters(capsys, tmp_path):
    path = write(tmp_path, "ctl.csv", HEADER + "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11" * 20 + "\n")
    refused(capsys, tmp_path, path, expect=f"{path}:2: mostly control characters")


def test_broken_quoting(capsys, tmp_path):
    path = write(tmp_path, "q.csv", HEADER + GOOD + '0002,"INV-2"x,2026-01-05,2026-02-04,1.00,USD\n')
    refused(capsys, tmp_path, path, expect=f"{path}:3: broken quoting")


def test_unterminated_quote_names_the_line_it_opens_on(capsys, tmp_path):
    path = write(tmp_path, "q.csv", HEADER + GOOD + '0002,"INV-2,2026-01-05,2026-02-04,1.00,USD\n' + GOOD + GOOD)
    refused(capsys, tmp_path, path, expect=f"{path}:3: a quote opens a field here and is never closed")


def test_missing_required_columns_names_them_and_their_aliases(capsys, tmp_path):
    path = write(tmp_path, "m.csv", "account,invoice,amount,currency\n0001,INV-1,1.00,USD\n")
    err = refused(capsys, tmp_path, path, expect=f"{path}:1: header:")
    assert "missing required columns for invoices" in err
    assert "invoice_date (accepted: invoice_date, Document Date, BLDAT" in err
    assert "due_date (accepted: due_date, due_in_date, Net due date" in err


def test_no_header_at_all(capsys, tmp_path):
    path = write(tmp_path, "n.csv", "foo,bar\n1,2\n")
    refused(capsys, tmp_path, path, expect=f"{path}: no header row found")


@pytest.mark.parametrize("value, what", [
    ("2026-13-01", "not a real date"),
    ("31/31/2026", "not a real date"),
    ("yesterday", "is not a date: expected a date such as"),
])
def test_bad_dates(capsys, tmp_path, value, what):
    path = write(tmp_path, "d.csv", HEADER + GOOD + f"0002,INV-2,{value},2026-02-04,1.00,USD\n")
    err = refused(capsys, tmp_path, path, expect=f"{path}:3: invoice_date: {value}: ")
    assert what in err


@pytest.mark.parametrize("value, what", [
    ("12,34,5", "digit groups must be of three"),
    ("1O0.00", "is not an amount"),
    ("", "missing amount"),
])
def test_bad_amounts(capsys, tmp_path, value, what):
    path = write(tmp_path, "a.csv", HEADER + GOOD + f'0002,INV-2,2026-01-05,2026-02-04,"{value}",USD\n')
    err = refused(capsys, tmp_path, path, expect=f"{path}:3: amount: ")
    assert what in err


def test_too_many_minor_digits_for_the_currency(capsys, tmp_path):
    path = write(tmp_path, "a.csv", HEADER + "0001,INV-1,2026-01-05,2026-02-04,100.5,JPY\n"
                                            "0001,INV-2,2026-01-05,2026-02-04,1.2345,USD\n")
    err = refused(capsys, tmp_path, path, expect=f"{path}:2: amount: 100.5: has 1 decimal place; JPY has 0")
    assert f"{path}:3: amount: 1.2345: has 4 decimal places; USD has 2" in err


def test_unknown_currency(capsys, tmp_path):
    path = write(tmp_path, "c.csv", HEADER + GOOD + "0002,INV-2,2026-01-05,2026-02-04,1.00,XYZ\n")
    refused(capsys, tmp_path, path, expect=f"{path}:3: currency: XYZ: expected an ISO 4217 code")


def test_duplicate_invoice_names_both_lines(capsys, tmp_path):
    path = write(tmp_path, "dup.csv", HEADER + GOOD + "0002,INV-9,2026-01-05,2026-02-04,1.00,USD\n" + GOOD)
    refused(capsys, tmp_path, path,
            expect=f"{path}:4: invoice: INV-1: the same invoice of account 0001 as {path}:2")


def test_duplicate_across_two_files_of_one_command(capsys, tmp_path):
    first = write(tmp_path, "one.csv", HEADER + GOOD)
    second = write(tmp_path, "two.csv", HEADER + GOOD)
    refused(capsys, tmp_path, first, second, expect=f"{second}:2: invoice: INV-1: the same invoice of account 0001 "
                                                    f"as {first}:2")


def test_missing_file(capsys, tmp_path):
    refused(capsys, tmp_path, tmp_path / "nope.csv", expect=f"{tmp_path / 'nope.csv'}: file not found")


def test_row_with_more_fields_than_the_header(capsys, tmp_path):
    # An unquoted "1,250.00" in a comma file shifts every column after it.
    path = write(tmp_path, "w.csv", HEADER + "0001,INV-1,2026-01-05,2026-02-04,1,250.00,USD\n")
    refused(capsys, tmp_path, path, expect=f"{path}:2: row: 7 fields, but the header (line 1) has 6")


def test_open_amount_above_the_amount(capsys, tmp_path):
    path = write(tmp_path, "o.csv", "account,invoice,invoice_date,due_date,amount,currency,open_amount\n"
                                    "0001,INV-1,2026-01-05,2026-02-04,100.00,USD,120.00\n")
    refused(capsys, tmp_path, path, expect=f"{path}:2: open_amount: 120.00: expected an amount between 0 and the "
                                           "invoice amount (100.00)")


def test_payment_for_an_unknown_invoice(capsys, tmp_path):
    path = write(tmp_path, "p.csv", "account,date,amount,currency,invoice\n0001,2026-02-01,10.00,USD,INV-404\n")
    refused(capsys, tmp_path, path, expect=f"{path}:2: invoice: INV-404: account 0001 has no such invoice")


def test_every_problem_is_listed_not_just_the_first(capsys, tmp_path):
    path = write(tmp_path, "many.csv", HEADER + "0001,INV-1,2026-02-30,2026-02-04,1.00,USD\n"
                                                "0001,INV-2,2026-01-05,2026-02-04,abc,USD\n"
                                                "0001,INV-3,2026-01-05,2026-02-04,1.00,EURO\n")
    err = refused(capsys, tmp_path, path, expect=f"{path}:2: invoice_date")
    assert f"{path}:3: amount" in err and f"{path}:4: currency" in err


def test_one_bad_file_means_nothing_from_the_good_one(capsys, tmp_path):
    good = fixture("canonical_invoices.csv")
    bad = write(tmp_path, "bad.csv", HEADER + "0001,INV-1,2026-01-05,2026-02-04,1.00,ZZZ\n")
    refused(capsys, tmp_path, good, bad, expect=f"{bad}:2: currency")


def test_bad_input_on_a_store_with_data_leaves_it_byte_identical(capsys, tmp_path):
    db = fresh_db(tmp_path)
    assert cli(capsys, db, str(fixture("canonical_invoices.csv")))[0] == 0
    before = digest(db)
    bad = write(tmp_path, "bad.csv", codecs.BOM_UTF8 + (HEADER + "0001,INV-1,2026-01-05,soon,1.00,USD\n").encode())
    code, _out, err = cli(capsys, db, str(bad))
    assert code == 2 and f"{bad}:2: due_date: soon" in err
    assert digest(db) == before
    assert query(db, "SELECT count(*) FROM import_batch") == [(1,)]


def test_unknown_kind_or_preset_is_a_usage_error(capsys, tmp_path):
    db = fresh_db(tmp_path)
    with pytest.raises(SystemExit) as exc:
        cli(capsys, db, "--preset", "oracle", str(fixture("canonical_invoices.csv")))
    assert exc.value.code == 2


def test_an_absurdly_large_amount(capsys, tmp_path):
    path = write(tmp_path, "big.csv", HEADER + "0001,INV-1,2026-01-05,2026-02-04,99999999999999999999,USD\n")
    refused(capsys, tmp_path, path, expect=f"{path}:2: amount: 99999999999999999999: is too large")
