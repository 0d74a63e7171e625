"""Appeals (申诉): an agent disputes a finding with a reason, a QC lead accepts or rejects it.

An accepted appeal overturns the finding exactly as a reviewer's overturn does (a row in `reviews`, so the
rollup, `qc report` and every page follow it); the appeal keeps the id of that row. A finding is appealed
once: while an appeal is open, or after one was decided, another is refused, and a decided appeal cannot be
decided again, so nothing is applied twice. Who filed, who decided, when and why are all kept, masked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from qc_engine.lang import _
from qc_engine.store import write_transaction
from qc_engine.text.personal_data import mask_text
from qc_engine.review.accounts import Account, can_appeal, can_decide_appeals, conversation_filter, require
from qc_engine.review.rollup import LATEST_VERDICTS_SQL, rebuild_agent_daily
from qc_engine.review.verdicts import ReviewError, _finding, _now, insert_review

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
STATUSES = (PENDING, ACCEPTED, REJECTED)
MAX_REASON = 2000
ACCEPTED_PREFIX = "申诉通过："  # the overturn's reason in `reviews`, so listings say where it came from


@dataclass(frozen=True)
class Appeal:
    id: int
    finding_id: str
    status: str
    score_before: float | None = None
    score_after: float | None = None


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReviewError(_("a reason is required, so the agent and the shop can see why"))
    return mask_text(text[:MAX_REASON])


def _who(account: Account | None, name: str | None) -> str:
    who = account.name if account is not None else (name or "").strip()
    if not who:
        raise ReviewError(_("say who you are (--by)"))
    return who


def file_appeal(db: sqlite_utils.Database, finding_id: str, reason: str, *, account: Account | None = None,
                name: str | None = None) -> Appeal:
    """Dispute a finding. ``account`` (the web, or a store with accounts) is checked: the agent the finding is
    about, or a lead of its shop on their behalf. Without accounts ``name`` is recorded as given."""
    finding = _finding(db, finding_id)
    if account is not None:
        require(can_appeal(account, finding), _("appeal finding {id}").format(id=finding_id))
    who = _who(account, name)
    text = _reason(reason)
    latest = db.execute(f"select verdict from ({LATEST_VERDICTS_SQL}) where finding_id = ?", [finding_id]).fetchone()
    if latest and latest[0] == "overturned":
        raise ReviewError(_("finding {id} is already overturned; there is nothing to appeal").format(id=finding_id))
    with write_transaction(db.conn):
        earlier = db.conn.execute("select id, status from appeals where finding_id = ? order by id desc limit 1",
                                  (finding_id,)).fetchone()
        if earlier is not None:
            raise ReviewError(_("finding {id} was already appealed (appeal {appeal}, {status})").format(
                id=finding_id, appeal=earlier[0], status=_(earlier[1])))
        cur = db.conn.execute(
            "insert into appeals (finding_id, conversation_id, shop, day, agent, reason, filed_by, filed_at, status)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (finding_id, finding["conversation_id"], finding["shop"], finding["day"], finding["agent"], text, who,
             _now(), PENDING))
    return Appeal(cur.lastrowid, finding_id, PENDING)


def _agent_score(db, shop, agent, day):
    row = db.execute("select score_avg from agent_daily where shop = ? and agent = ? and day = ?",
                     [shop, agent or "", day]).fetchone()
    return row[0] if row else None


def decide_appeal(db: sqlite_utils.Database, appeal_id: int, accept: bool, reason: str, *,
                  account: Account | None = None, name: str | None = None) -> Appeal:
    """Accept (the finding is overturned and stops counting) or reject (it stands) an open appeal, once."""
    row = db.execute("select * from appeals where id = ?", [appeal_id]).fetchone()
    if row is None:
        raise ReviewError(_("no appeal {id}; `qc review appeal list` shows them").format(id=appeal_id))
    appeal = dict(zip([d[0] for d in db.execute("select * from appeals limit 0").description], row))
    if account is not None:
        require(can_decide_appeals(account, appeal["shop"]), _("decide appeal {id}").format(id=appeal_id))
    who = _who(account, name)
    text = _reason(reason)
    status = ACCEPTED if accept else REJECTED
    shop, day, agent = appeal["shop"], appeal["day"], appeal["agent"]
    rebuild_agent_daily(db, {(shop, day)})
    before = _agent_score(db, shop, agent, day)
    now = _now()
    with write_transaction(db.conn):
        # Checked again under the write lock: two leads deciding at once must not both apply it.
        current = db.conn.execute("select status from appeals where id = ?", (appeal_id,)).fetchone()[0]
        if current != PENDING:
            raise ReviewError(_("appeal {id} was already decided ({status})").format(id=appeal_id, status=_(current)))
        review_id = None
        if accept:
            review_id = insert_review(db.conn, appeal, "overturned", ACCEPTED_PREFIX + text, who, now)
        db.conn.execute("update appeals set status = ?, decision_reason = ?, decided_by = ?, decided_at = ?,"
                        " review_id = ? where id = ?", (status, text, who, now, review_id, appeal_id))
    if accept:
        rebuild_agent_daily(db, {(shop, day)})
    return Appeal(appeal_id, appeal["finding_id"], status, before, _agent_score(db, shop, agent, day))


def list_appeals(db: sqlite_utils.Database, *, status: str | None = None, day: str | None = None,
                 shop: str | None = None, account: Account | None = None) -> list[dict[str, Any]]:
    """Appeals, open ones first then newest; only those ``account`` may see when given."""
    where, params = ["1"], []
    if status:
        where.append("a.status = ?")
        params.append(status)
    if day:
        where.append("a.day = ?")
        params.append(day)
    if shop:
        where.append("a.shop = ?")
        params.append(shop)
    if account is not None:
        condition, extra = conversation_filter(account)
        where.append(condition)
        params += extra
    sql = (f"select a.*, f.rule_id, f.category, f.points, f.red_line, f.evidence from appeals a"
           f" join conversations c on c.conversation_id = a.conversation_id"
           f" left join findings f on f.finding_id = a.finding_id"
           f" where {' and '.join(where)} order by (a.status = 'pending') desc, a.id desc")
    return list(db.query(sql, params))
