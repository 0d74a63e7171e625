"""Schema migrations: an append-only list of named functions over sqlite-utils.

Never edit or reorder a migration that has shipped; add a new one at the end.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

from qc_engine.store.message_key import MESSAGE_INDEX_BITS, MESSAGE_INDEX_MASK

MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(fn: Callable[[sqlite_utils.Database], None]):
    MIGRATIONS.append(fn)
    return fn


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not had yet; returns their names."""
    applied: list[str] = []
    # IMMEDIATE takes the write lock first, so two audits starting at once migrate one after the other.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db["_qc_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
        done = {row["name"] for row in db["_qc_migrations"].rows}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            fn(db)
            db["_qc_migrations"].insert({"name": fn.__name__, "applied_at": datetime.now(timezone.utc).isoformat()})
            applied.append(fn.__name__)
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise
    return applied


@migration
def m001_initial(db: sqlite_utils.Database):
    db["runs"].create(
        {
            "id": int, "started_at": str, "finished_at": str, "status": str, "pid": int,
            "inputs": str, "rule_files": str, "engine_version": str, "plugins": str, "problems": str,
            "workers": int, "read": int, "audited": int, "rejected": int, "messages": int, "findings": int,
            "rule_errors": int, "skipped_files": str, "duration_s": float,
        },
        pk="id",
    )
    db["conversations"].create(
        {
            "conversation_id": str, "shop": str, "platform": str, "customer": str, "day": str,
            "started_at": str, "ended_at": str, "agents": str, "primary_agent": str,
            "message_count": int, "customer_messages": int, "agent_messages": int, "bot_messages": int,
            "score": float, "red_line": int, "finding_count": int, "rule_files": str,
            "source_file": str, "source_line": int, "run_id": int,
        },
        pk="conversation_id",
    )
    db["conversations"].create_index(["shop", "day"])
    db["messages"].create(
        {"conversation_id": str, "message_index": int, "ts": str, "role": str, "sender": str, "text": str, "type": str},
        pk=("conversation_id", "message_index"),
    )
    db["findings"].create(
        {
            "finding_id": str, "conversation_id": str, "message_index": int, "category": str, "rule_id": str,
            "severity": str, "agent": str, "evidence": str, "reason": str, "expected": str, "points": float,
            "red_line": int, "shop": str, "day": str, "run_id": int,
        },
        pk="finding_id",
    )
    db["findings"].create_index(["conversation_id"])
    db["findings"].create_index(["shop", "day", "agent"])
    # Figures are stored as one JSON object per conversation and agent (a few rows per conversation
    # instead of dozens); the `metrics` view shows them one figure per row.
    db["metric_sets"].create({"conversation_id": str, "agent": str, "figures": str}, pk=("conversation_id", "agent"))
    db.create_view(
        "metrics",
        "select s.conversation_id, s.agent, f.key as name, f.value as value from metric_sets s, json_each(s.figures) f",
    )
    db["rejected"].create(
        {"id": int, "run_id": int, "source_file": str, "line": int, "offset": int, "reason": str, "raw": str},
        pk="id",
    )
    db["rule_errors"].create(
        {"id": int, "run_id": int, "conversation_id": str, "rule_id": str, "plugin": str, "error": str},
        pk="id",
    )
    db["rule_errors"].create_index(["conversation_id"])


@migration
def m002_agent_daily(db: sqlite_utils.Database):
    # Per shop, agent and day: the figures coaching and shop reports show. Rebuilt from the other tables
    # for the days an audit or an order import touched; the sales columns come from order exports.
    db["agent_daily"].create(
        {
            "shop": str, "agent": str, "day": str, "conversations": int, "score_avg": float, "findings": int,
            "red_lines": int, "rounds": int, "answered_rounds": int, "response_time_sum": float,
            "avg_response_time": float, "first_response_sum": float, "first_response_count": int,
            "first_response_avg": float, "slowest_response": float, "rounds_within_3min": int,
            "response_rate_3min": float, "slow_rounds": int, "unanswered_rounds": int, "agent_messages": int,
            "customer_messages": int, "answer_ratio": float, "inquiries": int, "ordered": int, "paid": int,
            "paid_amount": float, "conversion_rate": float, "avg_order_value": float,
        },
        pk=("shop", "agent", "day"),
    )


@migration
def m003_review_loop(db: sqlite_utils.Database):
    # Human verdicts live apart from the automatic findings: a re-audit replaces findings, never reviews.
    db["reviews"].create(
        {
            "id": int, "finding_id": str, "conversation_id": str, "verdict": str, "reason": str,
            "reviewer": str, "reviewed_at": str,
        },
        pk="id",
    )
    db["reviews"].create_index(["finding_id"])
    db["manual_findings"].create(
        {
            "id": int, "conversation_id": str, "message_index": int, "category": str, "severity": str,
            "agent": str, "note": str, "points": float, "reviewer": str, "created_at": str,
        },
        pk="id",
    )
    db["manual_findings"].create_index(["conversation_id"])
    db["samples"].create(
        {"day": str, "shop": str, "conversation_id": str, "reason": str, "seed": int, "created_at": str},
        pk=("day", "conversation_id"),
    )


@migration
def m004_orders(db: sqlite_utils.Database):
    # Only what the sales figures need: no buyer names, phones or addresses are ever stored.
    db["orders"].create(
        {
            "order_id": str, "shop": str, "buyer_key": str, "created_at": str, "paid_at": str, "amount": float,
            "status": str, "source_file": str, "run_id": int,
        },
        pk="order_id",
    )
    db["orders"].create_index(["shop", "buyer_key"])


@migration
def m005_shop_sales_daily(db: sqlite_utils.Database):
    # A shop's day of sales figures: distinct customers (an agent's rows may share a customer, so agent rows do
    # not add up), plus 静默下单 (orders with no conversation), which are never credited to an agent.
    db["shop_sales_daily"].create(
        {
            "shop": str, "day": str, "inquiries": int, "ordered": int, "paid": int, "paid_amount": float,
            "conversion_rate": float, "avg_order_value": float, "silent_orders": int, "silent_paid": int,
            "silent_paid_amount": float, "updated_at": str,
        },
        pk=("shop", "day"),
    )
    db["orders"].create_index(["shop", "created_at"], if_not_exists=True)


@migration
def m006_messages_keyed_by_conversation(db: sqlite_utils.Database):
    # Storing a day's messages cost a third more for their (conversation_id, message_index) index. Now each
    # conversation has an integer key, and a message's row id is that key and its index (store/message_key.py):
    # a conversation's messages are one range of the table's own b-tree. The `messages` view shows them as
    # before. The key is a column of its own (not the rowid), which VACUUM may renumber.
    conn = db.conn
    conn.execute("ALTER TABLE conversations ADD COLUMN conversation_key INTEGER")
    conn.execute("UPDATE conversations SET conversation_key = rowid")
    conn.execute("CREATE UNIQUE INDEX idx_conversations_conversation_key ON conversations (conversation_key)")
    conn.execute(
        "CREATE TABLE message_rows (id INTEGER PRIMARY KEY, ts TEXT, role TEXT, sender TEXT, text TEXT, type TEXT)"
    )
    conn.execute(
        "INSERT INTO message_rows (id, ts, role, sender, text, type)"
        f" SELECT (c.conversation_key << {MESSAGE_INDEX_BITS}) + m.message_index, m.ts, m.role, m.sender, m.text, m.type"
        " FROM conversations c JOIN messages m ON m.conversation_id = c.conversation_id"
        f" WHERE m.message_index BETWEEN 0 AND {MESSAGE_INDEX_MASK} ORDER BY 1"
    )
    conn.execute("DROP TABLE messages")
    conn.execute(
        f"CREATE VIEW messages AS SELECT c.conversation_id AS conversation_id, m.id & {MESSAGE_INDEX_MASK} AS message_index,"
        " m.ts AS ts, m.role AS role, m.sender AS sender, m.text AS text, m.type AS type"
        " FROM conversations c JOIN message_rows m"
        f" ON m.id BETWEEN c.conversation_key << {MESSAGE_INDEX_BITS}"
        f" AND (c.conversation_key << {MESSAGE_INDEX_BITS}) + {MESSAGE_INDEX_MASK}"
    )


@migration
def m007_rejected_by_file(db: sqlite_utils.Database):
    # A re-run replaces the rejections of the files it reads again: found by file.
    db["rejected"].create_index(["source_file"], if_not_exists=True)


@migration
def m008_review_workbench(db: sqlite_utils.Database):
    # Named accounts of the review workbench. Only an argon2 hash of a password is kept, never the password.
    # shops is a JSON list ("*" = every shop, for a central QC team); agent binds an agent's account to the
    # sender id their messages carry, so they see their own conversations only.
    db["accounts"].create(
        {"name": str, "password_hash": str, "role": str, "shops": str, "agent": str, "created_at": str,
         "created_by": str, "password_changed_at": str},
        pk="name",
    )
    # 申诉: an agent disputes a finding; a QC lead accepts (the finding is overturned through a review row,
    # review_id) or rejects it. Each step keeps who and when.
    db["appeals"].create(
        {"id": int, "finding_id": str, "conversation_id": str, "shop": str, "day": str, "agent": str,
         "reason": str, "filed_by": str, "filed_at": str, "status": str, "decision_reason": str,
         "decided_by": str, "decided_at": str, "review_id": int},
        pk="id",
    )
    db["appeals"].create_index(["finding_id"])
    db["appeals"].create_index(["shop", "day"])
    # Calibration: second (blind) verdicts on findings that never move a score; compared with the verdicts in
    # `reviews` to show where reviewers or rules disagree.
    db["calibration_verdicts"].create(
        {"id": int, "finding_id": str, "conversation_id": str, "verdict": str, "reason": str, "reviewer": str,
         "reviewed_at": str},
        pk="id",
    )
    db["calibration_verdicts"].create_index(["finding_id"])
    # Coaching comments on a conversation (or one of its messages), with who and when.
    db["review_comments"].create(
        {"id": int, "conversation_id": str, "message_index": int, "body": str, "author": str, "created_at": str},
        pk="id",
    )
    db["review_comments"].create_index(["conversation_id"])
    # Verdicts imported from a workbook, so importing the same workbook again applies nothing twice.
    db["review_imports"].create(
        {"id": int, "finding_id": str, "verdict": str, "reason": str, "review_id": int, "source": str,
         "reviewer": str, "imported_at": str},
        pk="id",
    )
    db["review_imports"].create_index(["finding_id"])


@migration
def m009_conversation_reviews(db: sqlite_utils.Database):
    # The mark that a reviewer went through a whole conversation of the sample (the review workbench's progress):
    # one with no findings has nothing else to show it was looked at.
    db["conversation_reviews"].create({"id": int, "conversation_id": str, "reviewer": str, "reviewed_at": str}, pk="id")
    db["conversation_reviews"].create_index(["conversation_id"])


@migration
def m010_agent_daily_high_risk(db: sqlite_utils.Database):
    # Customer-experience risk per agent and day: how many of the agent's conversations reached the shop's risk
    # threshold (a CX01 finding that counts) and their share of the agent's conversations.
    conn = db.conn
    conn.execute("ALTER TABLE agent_daily ADD COLUMN high_risk INTEGER")
    conn.execute("ALTER TABLE agent_daily ADD COLUMN high_risk_rate FLOAT")
