"""Everything the reports show, read from the store with SQL aggregates (no loops over messages).

Only the messages around the findings shown are fetched. Figures respect human verdicts: overturned
findings are left out (they are returned apart, for the review log) and manual findings count.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from qc_engine.lang import _

from qc_engine.review.rollup import HIGH_RISK_RULE, LATEST_VERDICTS_SQL, effective_scores_sql, rebuild_agent_daily
from qc_engine.review.sampling import stored_sample

WINDOW_DAYS = 7
CONTEXT_BEFORE = 3
CONTEXT_AFTER = 2
FINDINGS_SHOWN_PER_AGENT = 30
FIRST_DAY, LAST_DAY = "2000-01-01", "2099-12-31"  # as the audit accepts (ingest.normalize)
RISK_FIGURE = "dissatisfaction_risk"
FOLLOW_UP_TAIL = 8  # the last messages of a conversation on the follow-up list, shown with it
# The finding's reason starts with the risk ("不满风险 0.87：..."), which the list shows in a column of its own.
_RISK_PREFIX = re.compile(r"^\s*不满风险\s*[\d.]+\s*[：:]\s*")


class NoDataError(Exception):
    """The store has nothing to report for the requested day or shop."""


@dataclass
class ReportData:
    day: str
    days: list[str]  # the trend window, oldest first, ending with ``day``
    shops: list[str]
    shop_trend: dict[str, list[dict]] = field(default_factory=dict)  # shop -> one row per day of the window
    agents_today: list[dict] = field(default_factory=list)  # agent_daily rows of the day, best score first
    agent_trend: dict[tuple[str, str], dict[str, dict]] = field(default_factory=dict)  # (shop, agent) -> day -> row
    findings: list[dict] = field(default_factory=list)  # the day's findings that count, with any confirmation
    overturned: list[dict] = field(default_factory=list)  # the day's findings a reviewer overturned
    manual: list[dict] = field(default_factory=list)  # the day's manual findings
    categories_by_day: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # shop -> day -> category -> n
    sales: dict[str, dict] = field(default_factory=dict)  # shop -> shop_sales_daily row of the day
    sample: list[dict] = field(default_factory=list)
    context: dict[str, list[dict]] = field(default_factory=dict)  # conversation_id -> messages around findings
    warnings: list[str] = field(default_factory=list)  # problems the runs that stored the day's conversations met
    follow_up: list[dict] = field(default_factory=list)  # the day's 回访名单, per shop, highest risk first
    follow_up_messages: dict[str, list[dict]] = field(default_factory=dict)  # conversation_id -> its last messages

    def shop_today(self, shop: str) -> dict:
        rows = [r for r in self.shop_trend.get(shop, []) if r["day"] == self.day]
        return rows[0] if rows else {}


def latest_day(db: sqlite_utils.Database, shop: str | None = None) -> str | None:
    """The most recent day the store has conversations for (in one shop, when given)."""
    # Days a chat can have only: a record stored with a placeholder date (9999-12-31) by an older version
    # must not become the default day, nor one of year 1 break the trend window's date arithmetic.
    sql, params = "select max(day) from conversations where day between ? and ?", [FIRST_DAY, LAST_DAY]
    if shop:
        sql += " and shop = ?"
        params.append(shop)
    return db.execute(sql, params).fetchone()[0]


def window(day: str, n: int = WINDOW_DAYS) -> list[str]:
    try:
        end = date.fromisoformat(day)
    except ValueError:
        raise NoDataError(f"{day!r} is not a day (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise NoDataError(f"{day} is outside the years a chat can have ({FIRST_DAY[:4]}-{LAST_DAY[:4]})")
    return [(end - timedelta(days=i)).isoformat() for i in range(n - 1, -1, -1)]


def _table_exists(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("select 1 from sqlite_master where name = ?", [name]).fetchone() is not None


def load_report_data(db: sqlite_utils.Database, day: str | None = None, shop: str | None = None) -> ReportData:
    """Read the figures of one day (and the 7 days before it, for trends), for every shop or one."""
    day = day or latest_day(db, shop)
    if not day:
        raise NoDataError(_("the store has no conversations yet; run `qc audit` first"))
    days = window(day)
    shop_clause, shop_params = ("c.shop = ?", [shop]) if shop else ("1", [])
    pairs = db.execute(
        f"select distinct shop, day from conversations c where day between ? and ? and {shop_clause}",
        [days[0], day] + shop_params,
    ).fetchall()
    if not getattr(db, "read_only", False):  # a store that cannot be written is reported as it stands
        rebuild_agent_daily(db, {(s, d) for s, d in pairs})  # figures follow the latest reviews
    shops = sorted({s for s, d in pairs if d == day})
    if not shops:
        raise NoDataError(_("no conversations on {day} for shop {shop!r}").format(day=day, shop=shop) if shop
                          else _("no conversations on {day}").format(day=day))
    data = ReportData(day, days, shops)
    where = f"c.day between ? and ? and {shop_clause}"
    params = [days[0], day] + shop_params
    for row in db.query(
        f"select e.shop, e.day, count(*) as conversations, round(avg(e.score), 2) as score_avg,"
        f" sum(e.red_line) as red_lines, sum(e.finding_count) as findings, count(distinct c.customer) as customers,"
        f" sum(c.message_count) as messages from ({effective_scores_sql(where)}) e"
        f" join conversations c on c.conversation_id = e.conversation_id group by e.shop, e.day order by e.day",
        params * 3,
    ):
        data.shop_trend.setdefault(row["shop"], []).append(row)
    adp = [days[0], day] + shop_params
    for row in db.query(f"select * from agent_daily c where day between ? and ? and {shop_clause}", adp):
        data.agent_trend.setdefault((row["shop"], row["agent"]), {})[row["day"]] = row
        if row["day"] == day and row["conversations"]:
            data.agents_today.append(row)
    data.agents_today.sort(key=lambda r: (-(r["score_avg"] or 0), -(r["conversations"] or 0), r["agent"]))
    _load_findings(db, data, shop_clause, shop_params)
    _load_categories(db, data, shop_clause, shop_params)
    if _table_exists(db, "shop_sales_daily"):
        for row in db.query(f"select * from shop_sales_daily c where day = ? and {shop_clause}", [day] + shop_params):
            data.sales[row["shop"]] = row
    data.sample = stored_sample(db, day, shop)
    data.follow_up = follow_up_list(db, day, shop)
    _load_context(db, data)
    data.warnings = _run_warnings(db, day, shop_clause, shop_params)
    return data


def _run_warnings(db: sqlite_utils.Database, day: str, shop_clause: str, shop_params: list) -> list[str]:
    """The problems recorded by the latest runs that stored the day's conversations (each said once)."""
    runs = [r[0] for r in db.execute(f"select distinct run_id from conversations c where c.day = ? and {shop_clause}",
                                     [day] + shop_params).fetchall()]
    out: dict[str, None] = {}
    for run_id in sorted(runs)[-20:]:
        row = db.execute("select problems from runs where id = ?", [run_id]).fetchone()
        try:
            problems = json.loads(row[0]) if row and row[0] else []
        except ValueError:
            continue
        for problem in problems if isinstance(problems, list) else ():
            out.setdefault(str(problem)[:1000], None)
    return list(out)


def _load_findings(db: sqlite_utils.Database, data: ReportData, shop_clause: str, shop_params: list) -> None:
    sql = f"""
    select f.*, lv.verdict, r.reason as review_reason, r.reviewer, r.reviewed_at
    from findings f
    join conversations c on c.conversation_id = f.conversation_id
    left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id
    left join reviews r on r.id = (select max(id) from reviews r3 where r3.finding_id = f.finding_id)
    where c.day = ? and {shop_clause}
    order by f.agent, f.points desc, f.conversation_id, f.message_index
    """
    for row in db.query(sql, [data.day] + shop_params):
        (data.overturned if row["verdict"] == "overturned" else data.findings).append(row)
    data.manual = list(db.query(
        f"select m.*, c.shop, c.day from manual_findings m join conversations c on c.conversation_id = m.conversation_id"
        f" where c.day = ? and {shop_clause} order by m.agent, m.points desc, m.id",
        [data.day] + shop_params,
    ))


def _load_categories(db: sqlite_utils.Database, data: ReportData, shop_clause: str, shop_params: list) -> None:
    sql = f"""
    select c.shop, c.day, f.category, count(*) as n from findings f
    join conversations c on c.conversation_id = f.conversation_id
    left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id
    where c.day between ? and ? and {shop_clause} and coalesce(lv.verdict, '') != 'overturned'
    group by 1, 2, 3
    union all
    select c.shop, c.day, m.category, count(*) from manual_findings m
    join conversations c on c.conversation_id = m.conversation_id
    where c.day between ? and ? and {shop_clause}
    group by 1, 2, 3
    """
    params = [data.days[0], data.day] + shop_params
    for shop, day, category, n in db.execute(sql, params * 2).fetchall():
        per_day = data.categories_by_day.setdefault(shop, {}).setdefault(day, defaultdict(int))
        per_day[category] += n


def follow_up_list(db: sqlite_utils.Database, day: str, shop: str | None = None) -> list[dict]:
    """The follow-up list (回访名单) of a day: every conversation whose customer-experience risk reached its shop's
    threshold (a CX01 finding a reviewer did not overturn), shop by shop, highest risk first.

    Each row: shop, rank (1 = call first, per shop), conversation_id, conversation_key, customer (as stored),
    agent (the one to coach), risk, why (the signals that weighed most, one line), evidence, message_index,
    message_count, finding_id.
    """
    shop_clause, shop_params = ("c.shop = ?", [shop]) if shop else ("1", [])
    sql = f"""
    select c.shop, c.conversation_id, c.conversation_key, c.customer, c.message_count, f.agent, f.reason,
           f.evidence, f.message_index, f.finding_id,
           (select json_extract(s.figures, '$.{RISK_FIGURE}') from metric_sets s
            where s.conversation_id = f.conversation_id and s.agent = '') as risk
    from findings f
    join conversations c on c.conversation_id = f.conversation_id
    left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id
    where f.rule_id = ? and c.day = ? and {shop_clause} and coalesce(lv.verdict, '') != 'overturned'
    """
    rows = list(db.query(sql, [HIGH_RISK_RULE, day] + shop_params))
    rows.sort(key=lambda r: (r["shop"], -(r["risk"] or 0), r["conversation_id"], r["finding_id"]))
    out: list[dict] = []
    seen: set[str] = set()
    for r in rows:
        if r["conversation_id"] in seen:
            continue
        seen.add(r["conversation_id"])
        rank = out[-1]["rank"] + 1 if out and out[-1]["shop"] == r["shop"] else 1
        why = _RISK_PREFIX.sub("", r.pop("reason") or "")
        out.append({**r, "rank": rank, "why": why})
    return out


def follow_up_of(data: ReportData, shop: str, agent: str | None = None) -> list[dict]:
    """The follow-up list of one shop (of one agent's conversations when given), highest risk first."""
    return [r for r in data.follow_up if r["shop"] == shop and (agent is None or r["agent"] == agent)]


def coaching_order(agents: list[dict]) -> list[dict]:
    """Agents who need coaching first: the most red lines, then the lowest score, then the most findings."""
    return sorted(agents, key=lambda a: (-(a["red_lines"] or 0), a["score_avg"] if a["score_avg"] is not None else 101,
                                         -(a["findings"] or 0), a["shop"], a["agent"]))


def team_average(agents: list[dict]) -> float | None:
    """The day's average score over every conversation of the agents given."""
    n = sum(a["conversations"] or 0 for a in agents if a["score_avg"] is not None)
    if not n:
        return None
    return sum((a["score_avg"] or 0) * (a["conversations"] or 0) for a in agents if a["score_avg"] is not None) / n


def shown_findings(data: ReportData, shop: str, agent: str) -> list[dict]:
    """The findings an agent's sheet shows in context: the costliest first, at most FINDINGS_SHOWN_PER_AGENT."""
    return [f for f in data.findings if f["shop"] == shop and f["agent"] == agent][:FINDINGS_SHOWN_PER_AGENT]


def _load_context(db: sqlite_utils.Database, data: ReportData) -> None:
    wanted: list[tuple[str, int, int]] = []
    for shop, agent in {(f["shop"], f["agent"]) for f in data.findings}:
        for f in shown_findings(data, shop, agent):
            if f["message_index"] is not None:
                wanted.append((f["conversation_id"], f["message_index"] - CONTEXT_BEFORE, f["message_index"] + CONTEXT_AFTER))
    for m in data.manual:
        if m["message_index"] is not None:
            wanted.append((m["conversation_id"], m["message_index"] - CONTEXT_BEFORE, m["message_index"] + CONTEXT_AFTER))
    for cid, rows in _messages(db, wanted).items():
        data.context[cid] = rows
    tails = [(r["conversation_id"], (r["message_count"] or 0) - FOLLOW_UP_TAIL, r["message_count"] or 0)
             for r in data.follow_up]
    data.follow_up_messages = _messages(db, tails)


def _messages(db: sqlite_utils.Database, wanted: list[tuple[str, int, int]]) -> dict[str, list[dict]]:
    """The stored messages in these (conversation_id, first index, last index) ranges, by conversation."""
    out: dict[str, list[dict]] = {}
    if not wanted:
        return out
    conn = db.conn
    conn.execute("create temp table if not exists report_context (conversation_id text, lo int, hi int)")
    conn.execute("delete from temp.report_context")
    conn.executemany("insert into temp.report_context values (?, ?, ?)", wanted)
    rows = conn.execute(
        "select distinct m.conversation_id, m.message_index, m.ts, m.role, m.sender, m.text, m.type"
        # CROSS JOIN keeps the few wanted conversations as the outer loop (SQLite knows nothing of the temp table).
        " from temp.report_context w cross join messages m on m.conversation_id = w.conversation_id"
        " and m.message_index between w.lo and w.hi order by m.conversation_id, m.message_index"
    ).fetchall()
    conn.execute("delete from temp.report_context")
    conn.commit()
    for cid, index, ts, role, sender, text, mtype in rows:
        out.setdefault(cid, []).append(
            {"message_index": index, "ts": ts, "role": role, "sender": sender, "text": text, "type": mtype}
        )
    return out


def messages_around(data: ReportData, conversation_id: str, index: int) -> list[dict]:
    """The fetched messages a few before and after ``index`` in one conversation."""
    return [m for m in data.context.get(conversation_id, ())
            if index - CONTEXT_BEFORE <= m["message_index"] <= index + CONTEXT_AFTER]


def top_things(data: ReportData, shop: str, agent: str) -> list[dict[str, Any]]:
    """The agent's costliest problems of the day, one per rule: rule, category, advice, count, points."""
    groups: dict[str, dict[str, Any]] = {}
    for f in data.findings:
        if f["shop"] == shop and f["agent"] == agent:
            g = groups.setdefault(f["rule_id"], {"rule_id": f["rule_id"], "category": f["category"], "n": 0,
                                                  "points": 0.0, "advice": f["expected"] or f["reason"],
                                                  "red_line": 0})
            g["n"] += 1
            g["points"] += f["points"] or 0
            g["red_line"] |= f["red_line"] or 0
    for m in data.manual:
        if m["shop"] == shop and m["agent"] == agent:
            g = groups.setdefault(f"manual:{m['category']}", {"rule_id": "", "category": m["category"], "n": 0,
                                                              "points": 0.0, "advice": m["note"], "red_line": 0})
            g["n"] += 1
            g["points"] += m["points"] or 0
    return sorted(groups.values(), key=lambda g: (-g["red_line"], -g["points"], -g["n"], g["rule_id"]))
