"""Calibration (校准): several reviewers judge the same findings; where do they, and the rules, disagree?

A calibration verdict is a second, independent opinion kept in `calibration_verdicts`: it never moves a score.
Each reviewer's opinion on a finding is their latest verdict there or in `reviews` (the verdict that counts).
Every pair of reviewers who both judged a finding is one comparison; the agreement rate is the share of
comparisons with the same verdict, per rule and per pair of reviewers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import sqlite_utils

from qc_engine.lang import _
from qc_engine.store import write_transaction
from qc_engine.text.personal_data import mask_text
from qc_engine.review.accounts import Account, can_review, conversation_filter, require
from qc_engine.review.verdicts import VERDICTS, ReviewError, _finding, _now

MAX_REASON = 2000


@dataclass
class Agreement:
    """Agreement of one group (a rule, or a pair of reviewers): comparisons made and how many agreed."""
    key: str
    compared: int = 0
    agreed: int = 0
    findings: set = field(default_factory=set)

    @property
    def rate(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


@dataclass
class CalibrationReport:
    by_rule: list[Agreement]
    by_pair: list[Agreement]
    disagreements: list[dict[str, Any]]  # one row per finding judged differently: id, rule, {reviewer: verdict}
    findings: int  # findings judged by two reviewers or more

    @property
    def overall(self) -> Agreement:
        total = Agreement("*")
        for a in self.by_rule:
            total.compared += a.compared
            total.agreed += a.agreed
        return total


def record_calibration(db: sqlite_utils.Database, finding_id: str, verdict: str, reviewer: str, reason: str = "",
                       *, account: Account | None = None) -> int:
    """Keep a reviewer's independent verdict on a finding (it does not change the score). Returns its id."""
    if verdict not in VERDICTS:
        raise ReviewError(_("verdict must be one of {values}").format(values=", ".join(VERDICTS)))
    finding = _finding(db, finding_id)
    if account is not None:
        require(can_review(account, finding["shop"]), _("review findings of shop {shop}").format(shop=finding["shop"]))
        reviewer = account.name
    if not (reviewer or "").strip():
        raise ReviewError(_("say who you are (--reviewer)"))
    with write_transaction(db.conn):
        cur = db.conn.execute(
            "insert into calibration_verdicts (finding_id, conversation_id, verdict, reason, reviewer, reviewed_at)"
            " values (?, ?, ?, ?, ?, ?)",
            (finding_id, finding["conversation_id"], verdict, mask_text((reason or "").strip()[:MAX_REASON]),
             reviewer.strip(), _now()))
    return cur.lastrowid


_OPINIONS_SQL = """
with opinions as (
    select id, finding_id, reviewer, verdict, reviewed_at, 0 as source from reviews
    union all
    select id, finding_id, reviewer, verdict, reviewed_at, 1 as source from calibration_verdicts
),
latest as (
    select o.finding_id, o.reviewer, o.verdict,
           row_number() over (partition by o.finding_id, o.reviewer order by o.reviewed_at desc, o.source desc, o.id desc) as n
    from opinions o
)
select l.finding_id, l.reviewer, l.verdict, f.rule_id, f.shop, f.day
from latest l
join findings f on f.finding_id = l.finding_id
join conversations c on c.conversation_id = f.conversation_id
where l.n = 1 and {where}
order by l.finding_id, l.reviewer
"""


def calibration(db: sqlite_utils.Database, *, day: str | None = None, shop: str | None = None,
                account: Account | None = None) -> CalibrationReport:
    """Agreement per rule and per pair of reviewers over the findings two reviewers or more judged."""
    where, params = ["1"], []
    if day:
        where.append("f.day = ?")
        params.append(day)
    if shop:
        where.append("f.shop = ?")
        params.append(shop)
    if account is not None:
        condition, extra = conversation_filter(account)
        where.append(condition)
        params += extra
    by_finding: dict[str, tuple[str, dict[str, str]]] = {}
    for row in db.execute(_OPINIONS_SQL.format(where=" and ".join(where)), params):
        finding_id, reviewer, verdict, rule_id = row[0], row[1], row[2], row[3] or ""
        by_finding.setdefault(finding_id, (rule_id, {}))[1][reviewer] = verdict
    rules: dict[str, Agreement] = {}
    pairs: dict[str, Agreement] = {}
    disagreements = []
    judged = 0
    for finding_id, (rule_id, opinions) in by_finding.items():
        if len(opinions) < 2:
            continue
        judged += 1
        for (a, va), (b, vb) in combinations(sorted(opinions.items()), 2):
            for groups, key in ((rules, rule_id), (pairs, f"{a} / {b}")):
                g = groups.setdefault(key, Agreement(key))
                g.compared += 1
                g.agreed += va == vb
                g.findings.add(finding_id)
        if len(set(opinions.values())) > 1:
            disagreements.append({"finding_id": finding_id, "rule_id": rule_id, "opinions": dict(sorted(opinions.items()))})

    def order(groups):  # least agreement first: that is where a lead looks
        return sorted(groups.values(), key=lambda g: (g.rate, -g.compared, g.key))

    return CalibrationReport(order(rules), order(pairs), disagreements, judged)
