"""Picking the day's conversations for manual review (抽检): every red line, plus a share per agent.

The share is drawn without replacement with weights that grow as the score falls (weighted random
sampling by keys u^(1/w)), so weak conversations are seen more often while good ones still get checked.
The same seed on the same store always gives the same sample.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from qc_engine.store import write_transaction
from qc_engine.review.rollup import effective_scores_sql

RED_LINE = "red_line"
LOW_SCORE_WEIGHTED = "weighted_share"


@dataclass(frozen=True)
class Pick:
    day: str
    shop: str
    conversation_id: str
    agent: str
    score: float
    reason: str


def weight(score: float) -> float:
    """How much more likely a conversation is picked: 1 at 100 points, 2 at 95, 21 at 0."""
    return 1.0 + max(0.0, 100.0 - float(score or 0.0)) / 5.0


def default_seed(day: str) -> int:
    """A seed that is the same for every run on that day (20261120 for 2026-11-20)."""
    return int(day.replace("-", "")) if day.replace("-", "").isdigit() else 0


def draw_sample(db: sqlite_utils.Database, day: str, share: float = 0.1, seed: int | None = None,
                shop: str | None = None) -> list[Pick]:
    """The day's review sample: red-line conversations plus ``share`` of each agent's others, weighted to low scores."""
    if not 0 <= share <= 1:
        raise ValueError("share must be between 0 and 1")
    seed = default_seed(day) if seed is None else seed
    where, params = "c.day = ?", [day]
    if shop:
        where += " and c.shop = ?"
        params.append(shop)
    rows = db.execute(
        f"select conversation_id, shop, primary_agent, score, red_line from ({effective_scores_sql(where)})"
        " order by shop, primary_agent, conversation_id",
        params * 3,
    ).fetchall()
    picks: list[Pick] = []
    by_agent: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for cid, shop_name, agent, score, red in rows:
        if red:
            picks.append(Pick(day, shop_name, cid, agent or "", score, RED_LINE))
        else:
            by_agent.setdefault((shop_name, agent or ""), []).append((cid, score))
    rng = random.Random(seed)
    for (shop_name, agent), convs in sorted(by_agent.items()):
        k = math.ceil(share * len(convs)) if share > 0 else 0
        keyed = sorted(((rng.random() ** (1.0 / weight(score)), cid, score) for cid, score in convs), reverse=True)
        picks.extend(Pick(day, shop_name, cid, agent, score, LOW_SCORE_WEIGHTED) for _, cid, score in keyed[:k])
    return picks


def store_sample(db: sqlite_utils.Database, picks: list[Pick], day: str, seed: int, shop: str | None = None) -> None:
    """Replace the stored sample of that day (and shop) with these picks."""
    now = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    with write_transaction(db.conn):
        if shop:
            db.conn.execute("delete from samples where day = ? and shop = ?", (day, shop))
        else:
            db.conn.execute("delete from samples where day = ?", (day,))
        db.conn.executemany(
            "insert or replace into samples (day, shop, conversation_id, reason, seed, created_at) values (?, ?, ?, ?, ?, ?)",
            [(p.day, p.shop, p.conversation_id, p.reason, seed, now) for p in picks],
        )


def stored_sample(db: sqlite_utils.Database, day: str, shop: str | None = None) -> list[dict]:
    """The stored sample of a day, with each conversation's agent and review-aware score."""
    where, params = "c.day = ?", [day]
    if shop:
        where += " and c.shop = ?"
        params.append(shop)
    sql = (f"select s.conversation_id, s.shop, s.reason, s.seed, e.primary_agent as agent, e.score, e.red_line,"
           f" e.finding_count, (select count(*) from reviews r where r.conversation_id = s.conversation_id) as reviews"
           f" from samples s join ({effective_scores_sql(where)}) e on e.conversation_id = s.conversation_id"
           f" where s.day = ? order by s.shop, (s.reason = 'red_line') desc, e.score, s.conversation_id")
    return list(db.query(sql, params * 3 + [day]))
