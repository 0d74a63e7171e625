"""The mark that a reviewer went through a whole conversation of the day's sample (复核完成), with who and when.

A sampled conversation counts as reviewed when it has such a mark, or when each of its findings has a verdict.
"""
from __future__ import annotations

import sqlite_utils

from qc_engine.store import write_transaction
from qc_engine.review.verdicts import _conversation, _now, default_reviewer

# A conversation (alias c) of the sample counts as reviewed: marked, or every automatic finding judged.
REVIEWED_SQL = """(exists (select 1 from conversation_reviews cr where cr.conversation_id = c.conversation_id)
 or (exists (select 1 from findings f where f.conversation_id = c.conversation_id)
     and not exists (select 1 from findings f where f.conversation_id = c.conversation_id
                     and not exists (select 1 from reviews r where r.finding_id = f.finding_id))))"""


def mark_reviewed(db: sqlite_utils.Database, conversation_id: str, reviewer: str | None = None) -> None:
    """Record that ``reviewer`` went through the conversation."""
    _conversation(db, conversation_id)
    with write_transaction(db.conn):
        db.conn.execute("insert into conversation_reviews (conversation_id, reviewer, reviewed_at) values (?, ?, ?)",
                        (conversation_id, reviewer or default_reviewer(), _now()))


def reviewed_marks(db: sqlite_utils.Database, conversation_id: str) -> list[dict]:
    """Who marked the conversation reviewed, and when, oldest first."""
    return list(db.query("select reviewer, reviewed_at from conversation_reviews where conversation_id = ? order by id",
                         [conversation_id]))
