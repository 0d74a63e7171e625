"""What the workbench's pages show, read from the store: the day's sample with its review state, one conversation.

Pages never carry a conversation or finding id in a URL or a form: a conversation is named by its integer
key, a finding by a digest of its id (ids come from the exports and may hold anything).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlite_utils

from qc_engine.review.progress import REVIEWED_SQL
from qc_engine.review.rollup import LATEST_VERDICTS_SQL, effective_scores_sql


def finding_key(finding_id: str) -> str:
    """The name a page gives a finding: a digest of its id."""
    return hashlib.sha1(finding_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def days(db: sqlite_utils.Database, limit: int = 31) -> list[str]:
    """The latest days with conversations, newest first."""
    return [r[0] for r in db.execute(
        "select distinct day from conversations where day between '2000-01-01' and '2099-12-31' order by day desc limit ?",
        [limit]).fetchall()]


def default_day(db: sqlite_utils.Database) -> str | None:
    """The latest day with a stored sample, else the latest day with conversations."""
    row = db.execute("select max(day) from samples").fetchone()
    return row[0] if row and row[0] else (days(db, 1) or [None])[0]


@dataclass
class Queue:
    day: str
    rows: list[dict]  # the sample after the filters, red lines first, then the lowest score
    total: int  # the whole day's sample (filters aside)
    done: int
    shops: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def queue(db: sqlite_utils.Database, day: str, shop: str = "", agent: str = "", rule: str = "", status: str = "") -> Queue:
    """The day's sample with each conversation's review-aware score, rules and review state, filtered."""
    sql = f"""
    select c.conversation_key as key, c.conversation_id, s.shop, s.reason, e.primary_agent as agent, e.score,
           c.score as audit_score, e.red_line, e.finding_count, c.message_count, c.started_at,
           (select group_concat(distinct f.rule_id) from findings f where f.conversation_id = c.conversation_id) as rules,
           (select count(*) from findings f where f.conversation_id = c.conversation_id) as auto_findings,
           (select count(distinct r.finding_id) from reviews r where r.conversation_id = c.conversation_id) as judged,
           {REVIEWED_SQL} as done
    from samples s
    join conversations c on c.conversation_id = s.conversation_id
    join ({effective_scores_sql("c.day = ?")}) e on e.conversation_id = s.conversation_id
    where s.day = ?
    order by (s.reason = 'red_line' or e.red_line) desc, e.score, c.started_at, c.conversation_id
    """
    rows = list(db.query(sql, [day] * 3 + [day]))
    for r in rows:
        r["rules"] = sorted((r["rules"] or "").split(",")) if r["rules"] else []
    result = Queue(day, [], len(rows), sum(1 for r in rows if r["done"]))
    result.shops = sorted({r["shop"] for r in rows})
    result.agents = sorted({r["agent"] or "" for r in rows if not shop or r["shop"] == shop})
    result.rules = sorted({rule_id for r in rows for rule_id in r["rules"]})
    result.rows = [r for r in rows if (not shop or r["shop"] == shop) and (not agent or r["agent"] == agent)
                   and (not rule or rule in r["rules"])
                   and (status not in ("todo", "done") or bool(r["done"]) == (status == "done"))]
    return result


def conversation_by_key(db: sqlite_utils.Database, key: int) -> dict | None:
    rows = list(db.query(
        f"select c.*, e.score as review_score, e.red_line as review_red_line from conversations c"
        f" join ({effective_scores_sql('c.conversation_key = ?')}) e on e.conversation_id = c.conversation_id"
        f" where c.conversation_key = ?", [key] * 4))
    return rows[0] if rows else None


def messages(db: sqlite_utils.Database, conversation_id: str) -> list[dict]:
    return list(db.query("select message_index, ts, role, sender, text, type from messages where conversation_id = ?"
                         " order by message_index", [conversation_id]))


def findings(db: sqlite_utils.Database, conversation_id: str) -> list[dict]:
    """The conversation's automatic findings, each with its latest verdict (who, why, when) and its page key."""
    rows = list(db.query(
        f"select f.*, lv.verdict, r.reason as review_reason, r.reviewer, r.reviewed_at from findings f"
        f" left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id"
        f" left join reviews r on r.id = (select max(id) from reviews r3 where r3.finding_id = f.finding_id)"
        f" where f.conversation_id = ? order by coalesce(f.message_index, -1), f.rule_id, f.finding_id", [conversation_id]))
    for r in rows:
        r["key"] = finding_key(r["finding_id"])
    return rows


def manual_findings(db: sqlite_utils.Database, conversation_id: str) -> list[dict]:
    return list(db.query("select * from manual_findings where conversation_id = ? order by id", [conversation_id]))


def neighbours(q: Queue, key: int) -> tuple[int | None, int | None]:
    """The previous and next conversation of the (filtered) queue around ``key``."""
    keys = [r["key"] for r in q.rows]
    if key not in keys:
        return None, (keys[0] if keys else None)
    i = keys.index(key)
    return (keys[i - 1] if i > 0 else None), (keys[i + 1] if i + 1 < len(keys) else None)
