"""Coaching comments (辅导意见) on a conversation or one of its messages, kept masked with who and when."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from qc_engine.lang import _
from qc_engine.store import write_transaction
from qc_engine.text.personal_data import mask_text
from qc_engine.review.accounts import Account, can_review, require
from qc_engine.review.verdicts import ReviewError, _conversation, _now

MAX_COMMENT = 4000


def add_comment(db: sqlite_utils.Database, conversation_id: str, body: str, author: str | None = None, *,
                message_index: int | None = None, account: Account | None = None) -> int:
    """Keep a comment; a reviewer or lead of the shop when ``account`` is given. Returns its id."""
    conv = _conversation(db, conversation_id)
    if account is not None:
        require(can_review(account, conv["shop"]), _("comment on conversations of shop {shop}").format(shop=conv["shop"]))
        author = account.name
    text = (body or "").strip()
    if not text:
        raise ReviewError(_("a comment cannot be empty"))
    if not (author or "").strip():
        raise ReviewError(_("say who you are (--reviewer)"))
    if message_index is not None and db.execute(
            "select 1 from messages where conversation_id = ? and message_index = ?", [conversation_id, message_index]
    ).fetchone() is None:
        raise ReviewError(_("conversation {id!r} has no message {index}").format(id=conversation_id, index=message_index))
    with write_transaction(db.conn):
        cur = db.conn.execute(
            "insert into review_comments (conversation_id, message_index, body, author, created_at) values (?, ?, ?, ?, ?)",
            (conversation_id, message_index, mask_text(text[:MAX_COMMENT]), author.strip(), _now()))
    return cur.lastrowid


def list_comments(db: sqlite_utils.Database, conversation_id: str) -> list[dict[str, Any]]:
    """A conversation's comments, oldest first."""
    return list(db.query("select id, conversation_id, message_index, body, author, created_at from review_comments"
                         " where conversation_id = ? order by id", [conversation_id]))
