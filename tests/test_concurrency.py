"""Concurrency: collectors' writes and a big import on one database at once.

Two writer processes (as two app instances would: each its own connection, each write one IMMEDIATE
transaction) log calls in a loop for as long as a CLI import of 200,000 invoices runs, and a third
reads the queue meanwhile.  No "database is locked" reaches anyone, every write is there, the
import is whole, the audit chain holds.  Then an app open on the database sees another process's
change when it reloads.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config
from arcollect_tui.demo import build_demo
from arcollect_tui.services.worklist import clear_memory_cache

from test_app import SIZE, settle, visible_text

TODAY = dt.date(2026, 11, 23)
ROWS = 200_000

WRITER = """
import sys
from pathlib import Path
from arcollect_tui.cli import main
db, today, stop, keys = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4:]
done = 0
while not stop.exists() or done < 3:   # keep writing while the import runs (at least three)
    key = keys[done % len(keys)]
    code = main(["--db", db, "--today", today, "log", key, "--outcome", "no_answer", "--note", f"w{done}"])
    if code != 0:
        sys.exit(10 + code)
    done += 1
    if done >= 400:
        break
print(done)
"""

READER = """
import sys
from pathlib import Path
from arcollect_tui.cli import main
db, today, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
runs = 0
while not stop.exists() or runs < 2:
    if main(["--db", db, "--today", today, "queue", "--limit", "5", "--format", "json"]) != 0:
        sys.exit(20)
    runs += 1
    if runs >= 100:
        break
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCOLLECT_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return env


@pytest.fixture
def demo_db(db, db_path, config):
    build_demo(db, today=TODAY, accounts=40, seed=3, config=config, user="tester")
    db.close()
    return db_path


def _csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("account,name,invoice,invoice_date,due_date,amount,currency\n")
        for i in range(ROWS):
            acct = i % 10_000
            out.write(f"IMP{acct:05d},Imported {acct},X{i:07d},2026-09-0{1 + i % 9},2026-10-0{1 + i % 9},"
                      f"{50 + i % 900}.{i % 100:02d},USD\n")
    return path


def test_writers_readers_and_an_import_at_once_lose_nothing(demo_db, tmp_path):
    conn = sqlite3.connect(demo_db)
    keys = [k for (k,) in conn.execute("SELECT key FROM account ORDER BY id LIMIT 6")]
    activities, invoices = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("activity", "invoice"))
    conn.close()
    env, stop, day = _env(tmp_path), tmp_path / "import-finished", TODAY.isoformat()
    csv = _csv(tmp_path / "big.csv")

    importer = subprocess.Popen([sys.executable, "-m", "arcollect_tui", "--db", str(demo_db), "--today", day,
                                 "import", str(csv)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(demo_db), day, str(stop), *keys[i::2]],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(2)]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(demo_db), day, str(stop)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out, err = importer.communicate(timeout=300)
    stop.touch()
    results = [w.communicate(timeout=300) for w in writers]
    _, reader_err = reader.communicate(timeout=300)

    assert importer.returncode == 0, err
    for w, (w_out, w_err) in zip(writers, results):
        assert w.returncode == 0, w_err
        assert "locked" not in w_err.lower()
    assert reader.returncode == 0, reader_err
    assert "locked" not in (err + reader_err).lower()
    logged = sum(int(w_out.split()[-1]) for w_out, _ in results)
    assert logged >= 6

    conn = sqlite3.connect(demo_db)
    assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == activities + logged
    assert conn.execute("SELECT count(*) FROM invoice").fetchone()[0] == invoices + ROWS
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    verify = subprocess.run([sys.executable, "-m", "arcollect_tui", "--db", str(demo_db), "audit", "verify"],
                            env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr


async def test_an_open_app_sees_another_programs_change_when_it_reloads(demo_db, tmp_path):
    clear_memory_cache()
    app = ArcollectApp(demo_db, TODAY, Config(user="tester"), welcome=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Brand New Debtor" not in visible_text(app)
        csv = tmp_path / "one.csv"
        csv.write_text("account,name,invoice,invoice_date,due_date,amount,currency\n"
                       "NEW1,Brand New Debtor,N-1,2026-08-01,2026-08-31,999999.00,USD\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "arcollect_tui", "--db", str(demo_db), "--today",
                               TODAY.isoformat(), "import", str(csv)], env=_env(tmp_path),
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        await pilot.press("r")
        await settle(app, pilot)
        assert "Brand New Debtor" in visible_text(app)
