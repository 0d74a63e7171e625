"""Opening the store: WAL so a second writer waits instead of failing, migrations applied."""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

from .migrations import migrate

BUSY_TIMEOUT_MS = 60_000


def open_db(path: str | Path, migrate_schema: bool = True) -> sqlite_utils.Database:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = OFF")
    if migrate_schema:
        migrate(db)
    return db
