"""Every preset from a small fixture in its real shape, header matching, and reading details:
encodings, delimiters, title/section/total rows, SAP signs, date orders."""

from __future__ import annotations

import dataclasses

import pytest

from arcollect_tui.config import Config, ImportSettings
from arcollect_tui.errors import InputError
from arcollect_tui.importer import run_import
from arcollect_tui.importer.presets import PRESETS, map_columns, norm

from test_import_support import TODAY, fixture, write


def load(db, config, *paths, **kw):
    return run_import(db, list(paths), today=kw.pop("today", TODAY), config=config, user="tester", **kw)


def invoices(db):
    return db.connection().execute(
        "SELECT a.key, a.name, i.number, i.kind, i.invoice_date, i.due_date, i.currency, i.amount_minor, "
        "i.settled_on FROM invoice i JOIN account a ON a.id = i.account_id ORDER BY i.id").fetchall()


def payments(db):
    return db.connection().execute("SELECT source_key, paid_on, currency, amount_minor FROM payment "
                                   "ORDER BY source_key").fetchall()


def disputes(db):
    return db.connection().execute("SELECT source_key, currency, amount_minor, status, opened_on, resolved_on "
                                   "FROM dispute ORDER BY source_key").fetchall()


# -- header matching ---------------------------------------------------------------------------

def test_norm_ignores_case_spaces_dots_underscores():
    assert norm("Amount in doc. curr.") == norm("AMOUNT_IN_DOC_CURR") == "amountindoccurr"
    assert norm(" Invoice_Date ") == norm("invoice date") == norm("INVOICEDATE")


def test_aliases_map_onto_canonical_columns():
    headers = ["Customer Name", "Document Number", "Document Date", "Net due date", "Amount in doc. curr.",
               "Document currency", "Open Balance", "Payment Block", "KUNNR"]
    mapping = map_columns(PRESETS["canonical"], "invoices", headers)
    assert mapping == {"account": 8, "invoice": 1, "invoice_date": 2, "due_date": 3, "amount": 4, "currency": 5,
                       "name": 0, "open_amount": 6, "disputed": 7}


def test_every_preset_is_detected_from_its_fixture(db, config):
    expected = {
        "ibm_sample.csv": "ibm",
        "salesforce_invoices.csv": "salesforce",
        "salesforce_report.csv": "salesforce",
        "sap_fbl5n.txt": "sap",
        "quickbooks_ar_aging_detail.csv": "quickbooks",
        "netsuite_ar_aging_detail.csv": "netsuite",
        "business_central_ledger_entries.csv": "business_central",
        "canonical_invoices.csv": "canonical",
    }
    for name, preset in expected.items():
        report = load(db, config, fixture(name), dry_run=True)
        assert (report.files[0].preset, report.files[0].kind) == (preset, "invoices"), name


def test_kind_is_detected_for_each_canonical_kind(db, config):
    for name, kind in [("canonical_accounts.csv", "accounts"), ("canonical_contacts.csv", "contacts"),
                       ("canonical_invoices.csv", "invoices")]:
        assert load(db, config, fixture(name), dry_run=True).files[0].kind == kind
    report = load(db, config, fixture("canonical_invoices.csv"), fixture("canonical_payments.csv"), dry_run=True)
    assert [f.kind for f in report.files] == ["invoices", "payments"]


def test_preset_and_kind_can_be_forced(db, config):
    report = load(db, config, fixture("canonical_accounts.csv"), kind="contacts", dry_run=True)
    assert report.files[0].kind == "contacts"


def test_presets_without_currency_columns_use_the_default(db, config, tmp_path):
    path = write(tmp_path, "nocur.csv", "account,invoice,invoice_date,due_date,amount\n001,A-1,2026-01-05,2026-02-04,5\n")
    with pytest.raises(InputError) as exc:
        load(db, config, path, preset="canonical")
    assert "missing required column for invoices (preset canonical): currency (accepted: currency," in str(exc.value)
    load(db, config, path, preset="quickbooks")
    assert invoices(db)[0][6:8] == ("USD", 500)


# -- presets -----------------------------------------------------------------------------------

def test_ibm_shape(db, config):
    report = load(db, config, fixture("ibm_sample.csv"))
    assert report.files[0].date_order == "MDY"
    assert invoices(db)[:2] == [
        ("0107-QWERT", "0107-QWERT", "0004471120", "invoice", "2013-01-09", "2013-02-08", "USD", 7118, "2013-02-01"),
        ("0107-QWERT", "0107-QWERT", "0004471987", "invoice", "2013-02-13", "2013-03-15", "USD", 6402, "2013-04-02"),
    ]
    assert ("settle:0107-QWERT:0004471120", "2013-02-01", "USD", 7118) in payments(db)
    assert disputes(db) == [
        ("dispute:0107-QWERT:0004471987", "USD", 6402, "resolved_valid", "2013-02-13", "2013-04-02"),
        ("dispute:8841-MNBVC:0092235510", "USD", 1875, "resolved_valid", "2013-03-04", "2013-04-20"),
    ]
    assert db.connection().execute("SELECT country FROM account WHERE key = '5520-ZXCVB'").fetchone() == ("406",)


def test_ibm_currency_is_the_configs_default(db):
    load(db, dataclasses.replace(Config(user="t"), default_currency="SGD"), fixture("ibm_sample.csv"))
    assert {row[6] for row in invoices(db)} == {"SGD"}


def test_salesforce_api_names(db, config):
    report = load(db, config, fixture("salesforce_invoices.csv"))
    assert report.skipped == {"not_posted": 1}
    assert invoices(db) == [
        ("0015g00000XyZ12AAB", "Northwind Traders", "INV-0000101", "invoice", "2026-01-15", "2026-02-14", "USD",
         120000, None),
        ("0015g00000XyZ12AAB", "Northwind Traders", "INV-0000102", "invoice", "2026-02-15", "2026-03-17", "USD",
         120000, None),
        ("0015g00000QrS34AAB", "Contoso Pharmaceuticals", "INV-0000103", "invoice", "2026-02-01", "2026-03-03",
         "EUR", 1535075, None),
    ]
    # Balance 700 of 1,200: 500 paid at an unknown date, recorded on the import's today.
    assert payments(db) == [("open:0015g00000XyZ12AAB:INV-0000102", "2026-03-31", "USD", 50000)]


def test_salesforce_field_labels_report_with_footer(db, config):
    report = load(db, config, fixture("salesforce_report.csv"))
    assert report.skipped == {"section": 2, "total": 1, "blank": 2, "not_posted": 1}
    rows = invoices(db)
    assert [r[:3] for r in rows] == [("Northwind Traders", "Northwind Traders", "INV-0000101"),
                                     ("Northwind Traders", "Northwind Traders", "INV-0000102"),
                                     ("Contoso Pharmaceuticals", "Contoso Pharmaceuticals", "INV-0000103")]
    assert rows[2][6:8] == ("EUR", 1535075)


def test_sap_fbl5n_signs_icons_totals_and_cp1252(db, config):
    report = load(db, config, fixture("sap_fbl5n.txt"))
    f = report.files[0]
    assert (f.delimiter, f.encoding, f.header_line) == ("tab", "cp1252", 6)
    assert report.skipped == {"title": 3, "total": 3, "blank": 2}
    assert invoices(db) == [
        ("0000100017", "Hanse Maschinenbau GmbH", "1800000123", "invoice", "2026-01-15", "2026-02-14", "EUR",
         125000, None),
        ("0000100017", "Hanse Maschinenbau GmbH", "1800000188", "invoice", "2026-02-03", "2026-03-05", "EUR",
         1248050, None),
        ("0000100017", "Hanse Maschinenbau GmbH", "1700000041", "credit_note", "2026-02-10", "2026-02-10", "EUR",
         -30000, None),
        ("0000100017", "Hanse Maschinenbau GmbH", "1800000099", "invoice", "2025-12-05", "2026-01-04", "EUR",
         200000, "2026-01-20"),
        ("0000100342", "Müller & Söhne KG", "1800000201", "invoice", "2026-02-20", "2026-03-22", "EUR", 84520, None),
    ]
    assert payments(db) == [("settle:0000100017:1800000099", "2026-01-20", "EUR", 200000)]
    # Payment block R: disputed in full, open.
    assert disputes(db) == [("dispute:0000100017:1800000188", "EUR", 1248050, "open", "2026-02-03", None)]


@pytest.mark.parametrize("amount, indicator, expected", [
    ("300,00", "H", -30000),    # credit indicator, unsigned amount
    ("300,00-", "H", -30000),   # credit indicator and SAP's trailing minus
    ("300,00-", "", -30000),    # trailing minus alone
    ("300,00", "S", 30000),     # debit
])
def test_sap_debit_credit_indicator_and_trailing_minus(db, config, tmp_path, amount, indicator, expected):
    path = write(tmp_path, "fbl5n.csv",
                 "Account;Document Number;Document Date;Net due date;Amount in doc. curr.;Document currency;"
                 "Debit/Credit ind\n"
                 f"0000100017;1700000041;10.02.2026;10.02.2026;{amount};EUR;{indicator}\n")
    load(db, config, path)
    assert invoices(db)[0][3] == ("credit_note" if expected < 0 else "invoice")
    assert invoices(db)[0][7] == expected


def test_quickbooks_title_section_and_total_rows_are_skipped_and_counted(db, config):
    report = load(db, config, fixture("quickbooks_ar_aging_detail.csv"))
    assert report.files[0].header_line == 5
    assert report.skipped == {"title": 3, "section": 4, "total": 4, "blank": 4}
    rows = invoices(db)
    assert [(r[0], r[2], r[3], r[7]) for r in rows] == [
        ("Amy's Bird Sanctuary", "1045", "invoice", 120000), ("Bill's Windsurf Shop", "1046", "invoice", 8500),
        ("Amy's Bird Sanctuary", "1030", "invoice", 75000), ("Cool Cars", "1031", "credit_note", -10000),
        ("Cool Cars", "1010", "invoice", 250000)]
    assert payments(db) == [("open:Amy's Bird Sanctuary:1030", "2026-03-31", "USD", 50000)]


def test_netsuite_aging_with_customer_sections_and_currency_totals(db, config):
    report = load(db, config, fixture("netsuite_ar_aging_detail.csv"))
    assert report.skipped == {"title": 3, "section": 2, "total": 4, "blank": 1}
    assert [(r[0], r[2], r[6], r[7]) for r in invoices(db)] == [
        ("Brightline GmbH", "INV10431", "EUR", 450000), ("Wolfe Retail Ltd", "INV10452", "USD", 125000),
        ("Wolfe Retail Ltd", "INV10460", "USD", 98000), ("Wolfe Retail Ltd", "CM1007", "USD", -7500)]


def test_business_central_ledger_entries(db, config):
    report = load(db, config, fixture("business_central_ledger_entries.csv"))
    assert report.files[0].encoding == "utf-8-sig"
    assert report.skipped == {"applied_credit": 1}   # the payment entry, fully applied
    assert [(r[0], r[1], r[2], r[3], r[6], r[7]) for r in invoices(db)] == [
        ("10000", "Adatum Corporation", "103001", "invoice", "USD", 125000),
        ("10000", "Adatum Corporation", "103002", "invoice", "USD", 340000),
        ("20000", "Trey Research", "104001", "credit_note", "USD", -12000),
        ("20000", "Trey Research", "103010", "invoice", "EUR", 98000)]
    assert payments(db) == [("open:10000:103002", "2026-03-31", "USD", 200000)]
    assert [d[0] for d in disputes(db)] == ["dispute:20000:103010"]


def test_canonical_invoices(db, config):
    load(db, config, fixture("canonical_invoices.csv"))
    rows = {r[2]: r for r in invoices(db)}
    assert rows["INV-00017"][7] == 125000           # "1,250.00"
    assert rows["CN-00003"][3:] == ("credit_note", "2026-02-10", "2026-02-10", "SGD", -15000, None)
    assert rows["JP-88001"][6:8] == ("JPY", 1320000)
    assert rows["A-5501"][8] == "2026-03-31"         # open 0.00: paid in full, seen today
    assert disputes(db) == [
        ("dispute:0002310:JP-88001", "JPY", 1320000, "open", "2026-01-20", None),
        ("dispute:0002310:JP-88002", "JPY", 20000, "open", "2026-02-20", None),   # a partial dispute
    ]
    po = db.connection().execute("SELECT po_number, description FROM invoice WHERE number = 'INV-00018'").fetchone()
    assert po == ("PO-7731", "February subscription")


def test_canonical_accounts_and_contacts(db, config):
    load(db, config, fixture("canonical_accounts.csv"), fixture("canonical_contacts.csv"))
    conn = db.connection()
    assert conn.execute("SELECT key, name, currency, country, segment, sales_owner, credit_limit_minor, risk "
                        "FROM account WHERE key = '0002310'").fetchone() == (
        "0002310", "Kansai Robotics KK", "JPY", "JP", "Enterprise", "Kenji Sato", 5000000, "medium")
    assert conn.execute("SELECT credit_limit_minor FROM account WHERE key = '0001042'").fetchone() == (2500000,)
    assert conn.execute("SELECT c.name, c.role, c.is_primary FROM contact c JOIN account a ON a.id = c.account_id "
                        "WHERE a.key = '0001042' ORDER BY c.name").fetchall() == [
        ("Daniel Koh", "Controller", 0), ("Mei Ling Lim", "AP clerk", 1)]


# -- reading -----------------------------------------------------------------------------------

CANONICAL = [["account", "invoice", "invoice_date", "due_date", "amount", "currency"],
             ["007", "Ä-1", "2026-01-05", "2026-02-04", "1234.50", "EUR"],
             ["008", "Ä-2", "2026-01-06", "2026-02-05", "99.00", "EUR"]]


@pytest.mark.parametrize("delimiter, name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiter_sniffing(db, config, tmp_path, delimiter, name):
    path = write(tmp_path, "d.csv", "\r\n".join(delimiter.join(r) for r in CANONICAL) + "\r\n")
    report = load(db, config, path)
    assert report.files[0].delimiter == name
    assert [(r[0], r[2], r[7]) for r in invoices(db)] == [("007", "Ä-1", 123450), ("008", "Ä-2", 9900)]


def test_semicolon_file_with_decimal_commas(db, config, tmp_path):
    path = write(tmp_path, "d.csv", "account;invoice;invoice_date;due_date;amount;currency\n"
                                    "007;A-1;05.01.2026;04.02.2026;1.234,50;EUR\n008;A-2;06.01.2026;05.02.2026;99,00;EUR\n")
    assert load(db, config, path).files[0].delimiter == "semicolon"
    assert [r[7] for r in invoices(db)] == [123450, 9900]


@pytest.mark.parametrize("encoding, label", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                             ("cp1252", "cp1252"), ("utf-8", "utf-8")])
def test_encodings(db, config, tmp_path, encoding, label):
    text = "\r\n".join(",".join(r) for r in CANONICAL) + "\r\n"
    path = write(tmp_path, "e.csv", text, encoding=encoding)
    report = load(db, config, path)
    assert report.files[0].encoding == label
    assert [r[2] for r in invoices(db)] == ["Ä-1", "Ä-2"]


def test_utf16_without_bom(db, config, tmp_path):
    text = "\n".join(",".join(r) for r in CANONICAL) + "\n"
    path = write(tmp_path, "e.csv", text, encoding="utf-16-le")
    assert load(db, config, path).files[0].encoding == "utf-16-le"
    assert len(invoices(db)) == 2


def test_ids_stay_text_with_leading_zeros(db, config, tmp_path):
    path = write(tmp_path, "z.csv", "account,invoice,invoice_date,due_date,amount,currency\n"
                                    "000123,0000611365,2026-01-05,2026-02-04,1,USD\n")
    load(db, config, path)
    assert invoices(db)[0][:3] == ("000123", "000123", "0000611365")


def test_quoted_line_breaks_keep_line_numbers_right(db, config, tmp_path):
    path = write(tmp_path, "q.csv", 'account,invoice,invoice_date,due_date,amount,currency,description\n'
                                    '001,A-1,2026-01-05,2026-02-04,1.00,USD,"two\nlines"\n'
                                    '001,A-2,2026-01-05,2026-02-04,x,USD,one\n')
    with pytest.raises(InputError) as exc:
        load(db, config, path)
    assert exc.value.problems == [f"{path}:4: amount: x: is not an amount: expected a number such as 1234.50"]


def test_excel_sep_hint_line(db, config, tmp_path):
    path = write(tmp_path, "s.csv", "sep=;\n" + "\n".join(";".join(r) for r in CANONICAL) + "\n")
    report = load(db, config, path)
    assert (report.files[0].delimiter, report.files[0].header_line) == ("semicolon", 2)


def test_control_characters_in_names_are_stripped(db, config, tmp_path):
    path = write(tmp_path, "c.csv", "account,name,invoice,invoice_date,due_date,amount,currency\n"
                                    "001,\"Evil\x1b[31m Corp\",A-1,2026-01-05,2026-02-04,1,USD\n")
    load(db, config, path)
    assert invoices(db)[0][1] == "Evil[31m Corp"


# -- date order --------------------------------------------------------------------------------

def slash_file(tmp_path, *dates):
    rows = "".join(f"001,A-{i},{d},{d},1.00,USD\n" for i, d in enumerate(dates))
    return write(tmp_path, "dates.csv", "account,invoice,invoice_date,due_date,amount,currency\n" + rows)


def test_a_first_field_above_12_settles_day_first(db, config, tmp_path):
    report = load(db, config, slash_file(tmp_path, "3/4/2026", "13/4/2026"))
    assert report.files[0].date_order == "DMY"
    assert invoices(db)[0][4] == "2026-04-03"


def test_a_second_field_above_12_settles_month_first(db, config, tmp_path):
    report = load(db, config, slash_file(tmp_path, "3/4/2026", "4/13/2026"))
    assert report.files[0].date_order == "MDY"
    assert invoices(db)[0][4] == "2026-03-04"


def test_the_config_breaks_ties(db, tmp_path):
    config = Config(user="t", import_=ImportSettings(date_order="DMY"))
    report = load(db, config, slash_file(tmp_path, "3/4/2026", "5/6/2026"))
    assert report.files[0].date_order == "DMY"
    assert invoices(db)[0][4] == "2026-04-03"


def test_evidence_beats_the_config(db, tmp_path):
    config = Config(user="t", import_=ImportSettings(date_order="DMY"))
    assert load(db, config, slash_file(tmp_path, "3/4/2026", "4/13/2026")).files[0].date_order == "MDY"


def test_a_truly_ambiguous_file_is_an_error_saying_how_to_fix_it(db, config, tmp_path):
    path = slash_file(tmp_path, "2026-01-01", "3/4/2026", "5/6/2026")
    with pytest.raises(InputError) as exc:
        load(db, config, path)
    assert exc.value.problems == [
        f"{path}:3: dates: 3/4/2026: could be day-first or month-first, and no date in the file settles it "
        "(none has a first or second field above 12): set [import] date_order = \"MDY\" or \"DMY\" in the config"]


def test_a_file_mixing_both_orders_is_an_error(db, config, tmp_path):
    path = slash_file(tmp_path, "13/4/2026", "4/13/2026")
    with pytest.raises(InputError) as exc:
        load(db, config, path)
    assert f"{path}:2: dates: 13/4/2026: day-first, but line 3 has 4/13/2026, month-first" in exc.value.problems[0]


def test_same_day_and_month_needs_no_order(db, config, tmp_path):
    report = load(db, config, slash_file(tmp_path, "4/4/2026", "2026-01-02"))
    assert report.files[0].date_order is None
    assert invoices(db)[0][4] == "2026-04-04"


def test_each_file_decides_its_own_order(db, config, tmp_path):
    a = write(tmp_path, "a.csv", "account,invoice,invoice_date,due_date,amount,currency\n"
                                 "001,A-1,13/4/2026,3/5/2026,1.00,USD\n")
    b = write(tmp_path, "b.csv", "account,invoice,invoice_date,due_date,amount,currency\n"
                                 "001,B-1,4/13/2026,3/5/2026,1.00,USD\n")
    report = load(db, config, a, b)
    assert [f.date_order for f in report.files] == ["DMY", "MDY"]
    assert [r[5] for r in invoices(db)] == ["2026-05-03", "2026-03-05"]


@pytest.mark.parametrize("text, iso", [("2026-03-31", "2026-03-31"), ("31.03.2026", "2026-03-31"),
                                       ("20260331", "2026-03-31"), ("20260331.0", "2026-03-31"),
                                       ("3/31/2026 0:00", "2026-03-31"), ("2026-03-31T10:15:00Z", "2026-03-31")])
def test_date_formats(db, config, tmp_path, text, iso):
    load(db, config, slash_file(tmp_path, text))
    assert invoices(db)[0][4] == iso
