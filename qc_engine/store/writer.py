"""The single writer: one transaction per batch, idempotent per conversation."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Iterable

import sqlite_utils

from qc_engine.store.db import write_transaction
from qc_engine.store.message_key import MESSAGE_INDEX_BITS, message_ids
from qc_engine.store.rows import CONVERSATIONS, LAYOUTS, MESSAGES, RowLayout, Rows, qualified_id

CHILD_TABLES = ("findings", "metric_sets", "rule_errors")  # and message_rows, found by key rather than by id
CACHE_KIB = 32 * 1024
CHECKPOINT_PAGES = 10_000
CHUNK = 500  # ids per DELETE ... IN (...): below SQLite's variable limit


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


KEYED = ("conversations", "messages")  # Rows' lists stored under keys the writer gives; the others as they are
_conversation_id = CONVERSATIONS.getter("conversation_id")
_ordinal = CONVERSATIONS.getter("ordinal")
_shop = CONVERSATIONS.getter("shop")


def _insert_sql(layout: RowLayout) -> str:
    return f"INSERT INTO [{layout.table}] ({', '.join(layout.columns)}) VALUES ({', '.join('?' * len(layout.columns))})"


class StoreWriter:
    """Writes audit rows. Re-auditing a conversation replaces its rows, so a re-run never duplicates."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.conn = db.conn
        # A bulk writer: a larger page cache keeps the index pages it keeps coming back to, and checkpoints
        # every ~40 MB of log rather than every 4 MB copy each page into the database fewer times.
        self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        self._sql = {name: _insert_sql(layout) for name, layout in LAYOUTS.items() if name not in KEYED}

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a process that no longer exists were cut off: mark them incomplete."""
        stale = [r["id"] for r in self.db.query("select id, pid from runs where status = 'running'") if not _alive(r["pid"])]
        with write_transaction(self.conn):
            for run_id in stale:
                self.conn.execute("update runs set status = 'incomplete' where id = ?", (run_id,))
        return len(stale)

    def start_run(self, fields: dict[str, Any]) -> int:
        with write_transaction(self.conn):
            cur = self.conn.execute(
                "insert into runs (started_at, status, pid, inputs, rule_files, engine_version, plugins, problems, workers)"
                " values (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    _now(), os.getpid(), json.dumps(fields["inputs"], ensure_ascii=False),
                    json.dumps(fields["rule_files"], ensure_ascii=False), fields["engine_version"],
                    json.dumps(fields["plugins"], ensure_ascii=False),
                    json.dumps(fields["problems"], ensure_ascii=False), fields["workers"],
                ),
            )
        return cur.lastrowid

    def write(self, batches: list[Rows], run_id: int, files_read: list[str] = ()) -> None:
        """Store batches of rows of one run, in one transaction.

        A conversation stored by an earlier run is replaced with its rows. One this run has stored already is
        a duplicate: it is taken out of its batch and kept aside as a rejected record (``Rows.drop_conversations``).
        The records earlier runs rejected from ``files_read`` (files this run reads again) are deleted: this
        run's rejections of them replace them, so a re-run never duplicates them.
        """
        with write_transaction(self.conn):
            self.conn.executemany("delete from rejected where source_file = ? and run_id != ?",
                                  [(name, run_id) for name in files_read])
            # Keys are taken inside the transaction, which holds the write lock: runs writing at once never share one.
            key = (self.conn.execute("select max(conversation_key) from conversations").fetchone()[0] or 0) + 1
            for rows in batches:
                key = self._write_batch(rows, run_id, key)

    def _write_batch(self, rows: Rows, run_id: int, first_key: int) -> int:
        """Store one batch, its conversations keyed from first_key on by their ordinals; returns the next free key."""
        conn = self.conn
        base = int(first_key)
        next_key = base + max(map(_ordinal, rows.conversations), default=-1) + 1
        before = conn.total_changes
        conn.executemany(_keyed_conversation_sql("INSERT OR IGNORE", base), rows.conversations)
        if conn.total_changes - before < len(rows.conversations):  # some were stored before: by this run or another
            self._settle(rows, run_id, base, rows.conversations)
        conn.executemany(_keyed_messages_sql(base), rows.messages)
        self._write_tables(rows)
        return next_key

    def _settle(self, rows: Rows, run_id: int, base: int, candidates: list[tuple], renaming: bool = True) -> None:
        """The conversations among ``candidates`` that an id stored before kept out: a duplicate of this run is
        rejected, one an earlier run stored for the same shop is replaced, and one of another shop is stored
        under its id qualified by its shop (``qualified_id``) - never over the other shop's conversation."""
        ids = [_conversation_id(r) for r in candidates]
        stored = {cid: (key, by, shop) for cid, key, by, shop in self._stored(ids)}
        duplicates, earlier, elsewhere, clash = set(), [], [], set()
        for row in candidates:
            cid, shop = _conversation_id(row), _shop(row)
            key, by, stored_shop = stored.get(cid, (None, None, None))
            if key == base + _ordinal(row):
                continue  # this row itself
            if stored_shop != shop:
                if renaming:
                    elsewhere.append(cid)
                else:
                    clash.add(cid)
            elif by == run_id:
                duplicates.add(cid)
            else:
                earlier.append((cid, key))
        if duplicates:
            rows.drop_conversations(duplicates, run_id)
        if clash:
            rows.drop_conversations(clash, run_id, "its id qualified by its shop is another shop's id")
        self._replace(earlier, rows, base)
        if elsewhere:
            renamed = []
            for cid in elsewhere:
                row = next(r for r in rows.conversations if _conversation_id(r) == cid)
                new = qualified_id(cid, _shop(row))
                rows.rename_conversation(cid, new)
                renamed.append(new)
            again = [r for r in rows.conversations if _conversation_id(r) in set(renamed)]
            before = self.conn.total_changes
            self.conn.executemany(_keyed_conversation_sql("INSERT OR IGNORE", base), again)
            if self.conn.total_changes - before < len(again):
                self._settle(rows, run_id, base, again, renaming=False)

    def _replace(self, stored: list[tuple[str, int | None]], rows: Rows, base: int) -> None:
        """Delete the rows of conversations stored by an earlier run, and store the batch's in their place."""
        if not stored:
            return
        conn = self.conn
        ids = [cid for cid, _ in stored]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for table in CHILD_TABLES:
                conn.execute(f"delete from [{table}] where conversation_id in ({marks})", chunk)
        ranges = [message_ids(k) for _, k in stored if k is not None]
        conn.executemany("delete from message_rows where id between ? and ?", ranges)
        replaced = set(ids)
        again = [r for r in rows.conversations if _conversation_id(r) in replaced]
        conn.executemany(_keyed_conversation_sql("INSERT OR REPLACE", base), again)

    def _write_tables(self, rows: Rows) -> None:
        for name, sql in self._sql.items():
            batch = getattr(rows, name)
            if batch:
                self.conn.executemany(sql, batch)

    def _stored(self, ids: Iterable[str]):
        """(conversation_id, conversation_key, run_id, shop) of the stored conversations among ids."""
        ids = list(ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            yield from self.conn.execute(
                "select conversation_id, conversation_key, run_id, shop from conversations"
                f" where conversation_id in ({','.join('?' * len(chunk))})", chunk)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        with write_transaction(self.conn):
            self.conn.execute(
                "update runs set finished_at = ?, status = ?, read = ?, audited = ?, rejected = ?, messages = ?,"
                " findings = ?, rule_errors = ?, skipped_files = ?, duration_s = ?, problems = ? where id = ?",
                (
                    _now(), status, counts["read"], counts["audited"], counts["rejected"], counts["messages"],
                    counts["findings"], counts["rule_errors"], json.dumps(counts["skipped_files"], ensure_ascii=False),
                    round(counts["duration_s"], 3), json.dumps(counts["problems"], ensure_ascii=False), run_id,
                ),
            )


def _param(layout: RowLayout, column: str) -> str:
    """The SQL parameter that takes a row's value of this column."""
    return f"?{layout.position(column) + 1}"


def _keyed_conversation_sql(verb: str, base: int) -> str:
    # A conversation's key is base plus its ordinal in the batch.
    columns = [c for c in CONVERSATIONS.columns if c != "ordinal"]
    values = ", ".join(_param(CONVERSATIONS, c) for c in columns)
    return (f"{verb} INTO conversations ({', '.join(columns)}, conversation_key)"
            f" VALUES ({values}, {_param(CONVERSATIONS, 'ordinal')} + {int(base)})")


def _keyed_messages_sql(base: int) -> str:
    # A message's row id is its conversation's key (base plus the ordinal) and its index (message_key.py).
    columns = [c for c in MESSAGES.columns if c not in ("ordinal", "message_index")]
    row_id = (f"((({_param(MESSAGES, 'ordinal')} + {int(base)}) << {MESSAGE_INDEX_BITS})"
              f" + {_param(MESSAGES, 'message_index')})")
    values = ", ".join(_param(MESSAGES, c) for c in columns)
    return f"INSERT INTO [{MESSAGES.table}] (id, {', '.join(columns)}) VALUES ({row_id}, {values})"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
