"""The single writer: one transaction per batch, idempotent per conversation."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from .db import write_transaction
from .rows import (
    CONVERSATION_COLUMNS, FINDING_COLUMNS, MESSAGE_COLUMNS, METRIC_COLUMNS, REJECTED_COLUMNS, RULE_ERROR_COLUMNS, Rows,
)

CHILD_TABLES = ("messages", "findings", "metric_sets", "rule_errors")
CHUNK = 500  # ids per DELETE ... IN (...): below SQLite's variable limit


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _insert_sql(table: str, columns: tuple[str, ...], verb: str = "INSERT") -> str:
    return f"{verb} INTO [{table}] ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


class StoreWriter:
    """Writes audit rows. Re-auditing a conversation replaces its rows, so a re-run never duplicates."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.conn = db.conn
        self._seen_ready = False
        self._sql = {
            "conversations": _insert_sql("conversations", CONVERSATION_COLUMNS, "INSERT OR REPLACE"),
            "messages": _insert_sql("messages", MESSAGE_COLUMNS),
            "findings": _insert_sql("findings", FINDING_COLUMNS),
            "metrics": _insert_sql("metric_sets", METRIC_COLUMNS),
            "rule_errors": _insert_sql("rule_errors", RULE_ERROR_COLUMNS),
            "rejected": _insert_sql("rejected", REJECTED_COLUMNS),
        }

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a process that no longer exists were cut off: mark them incomplete."""
        stale = [r["id"] for r in self.db.query("select id, pid from runs where status = 'running'") if not _alive(r["pid"])]
        with write_transaction(self.conn):
            for run_id in stale:
                self.conn.execute("update runs set status = 'incomplete' where id = ?", (run_id,))
        return len(stale)

    def first_sighting(self, conversation_id: str) -> bool:
        """True the first time this run meets a conversation id (kept on disk, so memory stays flat)."""
        if not self._seen_ready:
            self.conn.execute("create temp table if not exists seen_ids (id text primary key)")
            self._seen_ready = True
        return self.conn.execute("insert or ignore into seen_ids values (?)", (conversation_id,)).rowcount == 1

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

    def write(self, rows: Rows) -> None:
        ids = [r[0] for r in rows.conversations]
        with write_transaction(self.conn):
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for table in CHILD_TABLES:
                    self.conn.execute(f"delete from [{table}] where conversation_id in ({marks})", chunk)
            for table in ("conversations", "messages", "findings", "metrics", "rule_errors", "rejected"):
                batch = getattr(rows, table)
                if batch:
                    self.conn.executemany(self._sql[table], batch)

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
