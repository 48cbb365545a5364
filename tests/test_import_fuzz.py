"""Whatever the bytes, an import ends in success or InputError (exit 2), never a traceback."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arcollect_tui.config import Config
from arcollect_tui.db import connect
from arcollect_tui.errors import InputError
from arcollect_tui.importer import run_import

HEADERS = ["account,invoice,invoice_date,due_date,amount,currency,open_amount,disputed",
           "account,date,amount,currency,invoice,reference", "account,name,role,email,primary",
           "account,name,currency,credit_limit", "Date,Num,Customer,Due Date,Amount,Open Balance"]
CELLS = st.one_of(st.sampled_from(["", "0001", "INV-1", "2026-01-05", "3/4/2026", "13/4/2026", "31.12.2025",
                                   "1,234.50", "1.234,50", "500,00-", "(12.00)", "USD", "JPY", "xyz", "yes",
                                   "no", '"', '""', "Total", "1e9", "9" * 25, "-5", "\x00", "\x1b[31m"]),
                  st.text(max_size=12))
ROW = st.lists(CELLS, min_size=0, max_size=10).map(lambda cells: ",".join(cells))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS), rows=st.lists(ROW, max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_rows_never_crash(tmp_path_factory, header, rows, encoding):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "in.csv"
    try:
        path.write_bytes("\n".join([header, *rows]).encode(encoding))
    except UnicodeEncodeError:
        return
    db = connect(tmp / "store.db")
    try:
        run_import(db, [path], today=dt.date(2026, 3, 31), config=Config(user="t"), user="t")
    except InputError as exc:
        assert exc.problems and all(p.strip() for p in exc.problems)
    finally:
        db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "in.csv"
    path.write_bytes(data)
    db = connect(tmp / "store.db")
    try:
        run_import(db, [path], today=dt.date(2026, 3, 31), config=Config(user="t"), user="t")
    except InputError:
        pass
    finally:
        db.close()
