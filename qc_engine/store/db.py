"""Opening the store: WAL so a second writer waits instead of failing, migrations applied."""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
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
    _use_wal(db)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = OFF")
    if migrate_schema:
        migrate(db)
    return db


def _use_wal(db: sqlite_utils.Database) -> None:
    # Switching a new file to WAL needs a moment alone with it, and SQLite does not wait (busy timeout) for
    # that: when two audits create the same database at once, the second retries until the first is done.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def checkpoint_beside(path: str | Path):
    """Copy the write-ahead log into the database from a thread of its own while the block runs.

    SQLite does it anyway when the last connection closes, alone and after everything else; done during the
    work that follows the bulk writes (the rollup), it takes next to no time of its own. A checkpoint only
    copies what is committed, so it may overlap writes; a failed one is merely left for the close.
    """
    def checkpoint() -> None:
        try:
            conn = sqlite3.connect(path)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        except sqlite3.Error:
            pass

    thread = threading.Thread(target=checkpoint, name="qc-checkpoint", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


@contextmanager
def write_transaction(conn: sqlite3.Connection):
    """A transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another audit wrote in between; taking the lock first makes it wait
    (busy timeout) instead, so two audits on one database both finish.
    """
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
