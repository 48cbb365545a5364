"""What every screen needs: the as-of date, the config, and the database, opened on first use.

The database is opened in a worker thread the first time a screen asks for it (never at import,
never on the UI thread).  Peewee keeps one sqlite3 connection per thread; `reading()` closes the
calling thread's connection when the read is done, so short-lived worker threads leave nothing
open behind them.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from peewee import SqliteDatabase

from arcollect_tui.config import Config


class Session:
    def __init__(self, db_path: Path, today: dt.date, config: Config) -> None:
        self.db_path = Path(db_path)
        self.today = today
        self.config = config
        self._db: SqliteDatabase | None = None
        self._lock = threading.Lock()

    def _database(self) -> SqliteDatabase:
        with self._lock:
            if self._db is None:
                from arcollect_tui.db import connect

                self._db = connect(self.db_path)
            return self._db

    @contextmanager
    def reading(self) -> Iterator[SqliteDatabase]:
        """The database for one unit of work on the current (worker) thread."""
        db = self._database()
        try:
            yield db
        finally:
            if not db.is_closed():
                db.close()  # this thread's connection only

    def close(self) -> None:
        with self._lock:
            if self._db is not None and not self._db.is_closed():
                self._db.close()
