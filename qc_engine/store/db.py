"""Opening the store: WAL so a second writer waits instead of failing, migrations applied."""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from qc_engine.store.migrations import migrate

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


class Checkpoints:
    """Copies the write-ahead log into the database from a thread of its own, while the writing goes on.

    SQLite would copy it in the writing connection every few thousand pages, and wait there for the disk
    each time (fsync); here the writer goes on meanwhile. The writer says when it has committed
    (``committed``); every ``every`` commits, and once more when the writing is over (``close``), the
    thread copies what is committed by then. A checkpoint may overlap writes (it only copies committed
    pages); one that fails is merely left for the next, or for the close of the last connection.
    """

    def __init__(self, path: str | Path, writer: sqlite3.Connection, every: int = 4):
        self.path, self.writer, self.every = path, writer, every
        self._commits = 0
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Checkpoints:
        self._autocheckpoint = self.writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="qc-checkpoints", daemon=True)
        self._thread.start()
        return self

    def committed(self) -> None:
        self._commits += 1
        if self._commits % self.every == 0:
            self._wake.set()

    def close(self) -> None:
        """Copy what is committed now, and stop once that is done (the writer may go on meanwhile)."""
        if self._thread is None:
            return
        self._closing = True
        self._wake.set()

    def __exit__(self, *exc) -> None:
        self.close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.writer.execute(f"PRAGMA wal_autocheckpoint = {int(self._autocheckpoint)}")

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path)
        except sqlite3.Error:
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                last = self._closing  # read before copying: a close asked for meanwhile needs one more copy
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    pass
                if last:
                    return
        finally:
            conn.close()


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
