"""Opening the store: WAL so a second writer waits instead of failing, migrations applied."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from qc_engine.store.migrations import migrate

BUSY_TIMEOUT_MS = 60_000


class StoreError(Exception):
    """A store this version cannot use; the message says why, on one line."""


def open_db(path: str | Path, migrate_schema: bool = True, read_only: bool = False) -> sqlite_utils.Database:
    """The store at ``path``. A store written by a newer version is refused (StoreError) before anything is
    written into it. ``read_only`` (reports, reviews' listings) also opens a store that cannot be written,
    as a file without write permission or on a read-only disk: ``db.read_only`` then says so."""
    path = Path(path)
    if read_only and path.is_file() and not os.access(path, os.W_OK):
        return _open_read_only(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        check_version(db)
        _use_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = OFF")
        if migrate_schema:
            migrate(db)
    except sqlite3.OperationalError as exc:
        db.close()
        if read_only and ("readonly" in str(exc) or "read-only" in str(exc) or "unable to open" in str(exc)):
            return _open_read_only(path)
        raise StoreError(f"cannot use the store {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} is not a qc-engine store: {exc}") from None
    db.read_only = False
    return db


def _open_read_only(path: Path) -> sqlite_utils.Database:
    # immutable: no lock or shared-memory file is needed beside it, so a store on a read-only disk opens too.
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
        uri += "&immutable=1"
    try:
        db = sqlite_utils.Database(sqlite3.connect(uri, uri=True))
        check_version(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot read the store {path}: {exc}") from None
    db.read_only = True
    return db


def check_version(db: sqlite_utils.Database) -> None:
    """Refuse a store with migrations this version does not know: a newer qc-engine wrote it."""
    from qc_engine.store.migrations import MIGRATIONS

    if not db.execute("select 1 from sqlite_master where type = 'table' and name = '_qc_migrations'").fetchone():
        return
    known = {fn.__name__ for fn in MIGRATIONS}
    unknown = sorted({r[0] for r in db.execute("select name from _qc_migrations")} - known)
    if unknown:
        raise StoreError(f"this store was written by a newer qc-engine (it has {', '.join(unknown[:3])}); "
                         "upgrade qc-engine to use it, or choose another --db")


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
