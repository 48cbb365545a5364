from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from arcollect_tui.config import Config
from arcollect_tui.db import connect

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
IBM_CSV = SHARED_DATA / "ibm_accounts_receivable.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch, tmp_path):
    """Tests never see the developer's own database, config or date."""
    for var in ("ARCOLLECT_DB", "ARCOLLECT_CONFIG", "ARCOLLECT_TODAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "arcollect.db"


@pytest.fixture
def db(db_path):
    database = connect(db_path)
    yield database
    database.close()


@pytest.fixture
def config() -> Config:
    return Config(user="tester")


@pytest.fixture
def ibm_csv() -> Path:
    if not IBM_CSV.exists():
        pytest.skip("../shared/data/ibm_accounts_receivable.csv is absent")
    return IBM_CSV


TODAY = dt.date(2026, 3, 2)


# Property tests explore new examples on every local run; CI replays a fixed set, so that main
# stays green for a reason (a failure found locally is kept in .hypothesis/ and replayed).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
