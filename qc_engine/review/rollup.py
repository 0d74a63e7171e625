"""The per-agent daily rollup (agent_daily) and the review-aware conversation scores it is built from.

Human verdicts override automatic ones: a finding whose latest review overturned it no longer
deducts points or counts, and manual findings deduct theirs. A conversation keeps its audit score
until someone reviews it, so unreviewed figures match the `conversations` table exactly.
"""
from __future__ import annotations

from typing import Iterable

import sqlite_utils

from qc_engine.store import write_transaction
from qc_engine.rulefiles.files import core_defaults

# Latest verdict per finding: a confirm after an overturn puts the finding back.
LATEST_VERDICTS_SQL = """
select r.finding_id, r.verdict from reviews r
where r.id = (select max(r2.id) from reviews r2 where r2.finding_id = r.finding_id)
"""

# Findings that still count: not overturned by their latest review. `{where}` filters the findings (f.).
KEPT_FINDINGS_SQL = f"""
select f.* from findings f
left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id
where coalesce(lv.verdict, '') != 'overturned' and ({{where}})
"""

# The score of each conversation after reviews. The audit's starting score is recovered from the stored
# score plus every deduction (shops may configure another start); when the audit zeroed or clamped the
# score it cannot be recovered and the default start, `{start}` (core.yaml's), is used. `{where}` filters
# conversations (c.).
EFFECTIVE_SCORES_SQL = f"""
with fs as (
    select f.conversation_id,
           sum(coalesce(f.points, 0)) as all_points,
           sum(case when lv.verdict = 'overturned' then 0 else coalesce(f.points, 0) end) as kept_points,
           sum(case when lv.verdict = 'overturned' then 0 else f.red_line end) as kept_red,
           sum(case when lv.verdict = 'overturned' then 0 else 1 end) as kept_count,
           sum(case when lv.verdict = 'overturned' then 1 else 0 end) as overturned
    from findings f
    join conversations c on c.conversation_id = f.conversation_id
    left join ({LATEST_VERDICTS_SQL}) lv on lv.finding_id = f.finding_id
    where {{where}}
    group by f.conversation_id
),
ms as (
    select m.conversation_id, sum(coalesce(m.points, 0)) as manual_points, count(*) as manual_count
    from manual_findings m
    join conversations c on c.conversation_id = m.conversation_id
    where {{where}}
    group by m.conversation_id
)
select c.conversation_id, c.shop, c.day, c.agents, c.primary_agent,
       c.score as audit_score, c.red_line as audit_red_line,
       case
         when coalesce(fs.overturned, 0) = 0 and ms.conversation_id is null then c.score
         when coalesce(fs.kept_red, 0) > 0 then 0.0
         else max(0.0, (case when c.red_line = 0 and c.score > 0 then c.score + coalesce(fs.all_points, 0)
                             else {{start}} end)
                       - coalesce(fs.kept_points, 0) - coalesce(ms.manual_points, 0))
       end as score,
       case when coalesce(fs.kept_red, 0) > 0 then 1 else 0 end as red_line,
       coalesce(fs.kept_count, 0) + coalesce(ms.manual_count, 0) as finding_count
from conversations c
left join fs on fs.conversation_id = c.conversation_id
left join ms on ms.conversation_id = c.conversation_id
where {{where}}
"""

# The rule whose finding marks a conversation at high customer-experience risk (the shop's threshold reached):
# a conversation counts for every agent who served in it, unless a reviewer overturned the finding.
HIGH_RISK_RULE = "CX01"

# Sum of one latency figure over an agent's metric rows.
_FIGURE = "coalesce(sum(json_extract(s.figures, '$.{0}')), 0)"
_FIGURES = ("rounds", "answered_rounds", "response_time_sum", "first_response_sum", "first_response_count",
            "rounds_within_3min", "slow_rounds", "unanswered_rounds", "agent_messages", "customer_messages")

# The columns this module owns; the sales columns belong to the order import and are never touched here.
OWN_COLUMNS = (
    "conversations", "score_avg", "findings", "red_lines", "rounds", "answered_rounds", "response_time_sum",
    "avg_response_time", "first_response_sum", "first_response_count", "first_response_avg", "slowest_response",
    "rounds_within_3min", "response_rate_3min", "slow_rounds", "unanswered_rounds", "agent_messages",
    "customer_messages", "answer_ratio", "high_risk", "high_risk_rate",
)
SALES_COLUMNS = ("inquiries", "ordered", "paid", "paid_amount", "conversion_rate", "avg_order_value")

# Only a review or a manual finding changes a conversation's score; all others keep their audit score, so the
# review-aware score is computed for these few alone.
_RESCORED = ("c.conversation_id in (select f.conversation_id from reviews r"
             " join findings f on f.finding_id = r.finding_id union all select conversation_id from manual_findings)"
             " and exists (select 1 from temp.rollup_conversations t where t.conversation_id = c.conversation_id)")

# temp.rollup_conversations holds the touched conversations under their own rowids. Sums of fractional numbers
# depend on the order of their terms, so each group is summed in a fixed order: scores in rowid order (NOT
# INDEXED), metric rows in conversation_id order (the index, kept as the outer loop by CROSS JOIN).
_ROLLUP_SQL = f"""
with rescored as ({EFFECTIVE_SCORES_SQL.format(where=_RESCORED, start="{start}")}),
handled as (
    select t.shop, t.day, a.value as agent, count(*) as conversations,
           avg(case when r.conversation_id is null then t.score else r.score end) as score_avg
    from temp.rollup_conversations t not indexed
    left join rescored r on r.conversation_id = t.conversation_id
    join json_each(t.agents) a
    where a.value != ''
    group by t.shop, t.day, a.value
),
kept as ({KEPT_FINDINGS_SQL.format(where="(f.shop, f.day) in (select shop, day from temp.rollup_days)")}),
auto_counts as (
    select shop, day, agent, count(*) as findings, sum(red_line) as red_lines from kept group by shop, day, agent
),
risky as (
    select distinct conversation_id from ({KEPT_FINDINGS_SQL.format(
        where=f"f.rule_id = '{HIGH_RISK_RULE}' and (f.shop, f.day) in (select shop, day from temp.rollup_days)")})
),
risky_counts as (
    select t.shop, t.day, a.value as agent, count(*) as high_risk
    from temp.rollup_conversations t join risky r on r.conversation_id = t.conversation_id
    join json_each(t.agents) a
    where a.value != ''
    group by t.shop, t.day, a.value
),
manual_counts as (
    select t.shop, t.day, m.agent, count(*) as findings
    from manual_findings m join temp.rollup_conversations t on t.conversation_id = m.conversation_id
    group by t.shop, t.day, m.agent
),
figures as (
    select t.shop, t.day, s.agent,
           {', '.join(_FIGURE.format(name) + ' as ' + name for name in _FIGURES)},
           max(coalesce(json_extract(s.figures, '$.slowest_response'), 0)) as slowest_response
    from temp.rollup_conversations t indexed by rollup_conversations_id
    cross join metric_sets s on s.conversation_id = t.conversation_id
    where s.agent != ''
    group by t.shop, t.day, s.agent
)
select h.shop, h.agent, h.day, h.conversations, round(h.score_avg, 2) as score_avg,
       coalesce(ac.findings, 0) + coalesce(mc.findings, 0) as findings,
       coalesce(ac.red_lines, 0) as red_lines,
       coalesce(g.rounds, 0) as rounds, coalesce(g.answered_rounds, 0) as answered_rounds,
       coalesce(g.response_time_sum, 0) as response_time_sum,
       case when g.answered_rounds > 0 then round(g.response_time_sum / g.answered_rounds, 1) end as avg_response_time,
       coalesce(g.first_response_sum, 0) as first_response_sum,
       coalesce(g.first_response_count, 0) as first_response_count,
       case when g.first_response_count > 0 then round(g.first_response_sum / g.first_response_count, 1) end
         as first_response_avg,
       coalesce(g.slowest_response, 0) as slowest_response,
       coalesce(g.rounds_within_3min, 0) as rounds_within_3min,
       case when g.rounds > 0 then round(1.0 * g.rounds_within_3min / g.rounds, 4) end as response_rate_3min,
       coalesce(g.slow_rounds, 0) as slow_rounds, coalesce(g.unanswered_rounds, 0) as unanswered_rounds,
       coalesce(g.agent_messages, 0) as agent_messages, coalesce(g.customer_messages, 0) as customer_messages,
       case when g.customer_messages > 0 then round(1.0 * g.agent_messages / g.customer_messages, 3) end
         as answer_ratio,
       coalesce(rc.high_risk, 0) as high_risk, round(1.0 * coalesce(rc.high_risk, 0) / h.conversations, 4)
         as high_risk_rate
from handled h
left join auto_counts ac on ac.shop = h.shop and ac.day = h.day and ac.agent = h.agent
left join manual_counts mc on mc.shop = h.shop and mc.day = h.day and mc.agent = h.agent
left join figures g on g.shop = h.shop and g.day = h.day and g.agent = h.agent
left join risky_counts rc on rc.shop = h.shop and rc.day = h.day and rc.agent = h.agent
"""


def effective_scores_sql(where: str = "1") -> str:
    """SQL for every conversation's review-aware score; ``where`` filters the conversations (alias ``c``)."""
    return EFFECTIVE_SCORES_SQL.format(where=where, start=_default_start())


def _default_start() -> float:
    return float(core_defaults()["scoring"]["start"])


def rebuild_agent_daily(db: sqlite_utils.Database, days: Iterable[tuple[str, str]] | None = None) -> int:
    """Recompute agent_daily for these (shop, day) pairs (None: every day in the store); returns rows written."""
    conn = db.conn
    conn.execute("create temp table if not exists rollup_days (shop text, day text, primary key (shop, day))")
    conn.execute("create temp table if not exists rollup_conversations"
                 " (conversation_id text, shop text, day text, agents text, score real)")
    conn.execute("create index if not exists temp.rollup_conversations_id"
                 " on rollup_conversations (conversation_id, shop, day)")
    with write_transaction(conn):
        conn.execute("delete from temp.rollup_days")
        if days is None:
            conn.execute("insert or ignore into temp.rollup_days select distinct shop, day from conversations")
        else:
            conn.executemany("insert or ignore into temp.rollup_days values (?, ?)", list(days))
        # Read in rowid order, where a day's conversations lie together: going shop by shop through the
        # (shop, day) index would read each page again for every shop.
        conn.execute("delete from temp.rollup_conversations")
        conn.execute(
            "insert into temp.rollup_conversations (rowid, conversation_id, shop, day, agents, score)"
            " select rowid, conversation_id, shop, day, agents, score from conversations where rowid in"
            " (select rowid from conversations where (shop, day) in (select shop, day from temp.rollup_days))"
        )
        conn.execute("create temp table if not exists rollup_new as select * from agent_daily where 0")
        conn.execute("delete from temp.rollup_new")
        rollup = _ROLLUP_SQL.format(start=_default_start())
        conn.execute(f"insert into temp.rollup_new (shop, agent, day, {', '.join(OWN_COLUMNS)}) {rollup}")
        written = conn.execute("select count(*) from temp.rollup_new").fetchone()[0]
        updates = ", ".join(f"{col} = excluded.{col}" for col in OWN_COLUMNS)
        conn.execute(
            f"insert into agent_daily (shop, agent, day, {', '.join(OWN_COLUMNS)})"
            f" select shop, agent, day, {', '.join(OWN_COLUMNS)} from temp.rollup_new where 1"
            f" on conflict (shop, agent, day) do update set {updates}"
        )
        # An agent who no longer has conversations that day (a re-audit changed them): drop the row, unless
        # it carries sales figures, which then stay with zeroed service figures.
        stale = ("exists (select 1 from temp.rollup_days t where t.shop = agent_daily.shop and t.day = agent_daily.day)"
                 " and not exists (select 1 from temp.rollup_new n where n.shop = agent_daily.shop"
                 " and n.agent = agent_daily.agent and n.day = agent_daily.day)")
        no_sales = " and ".join(f"{col} is null" for col in SALES_COLUMNS)
        conn.execute(f"delete from agent_daily where {stale} and {no_sales}")
        conn.execute(f"update agent_daily set {', '.join(f'{c} = null' for c in OWN_COLUMNS)} where {stale}")
    return written
