"""The review loop (质检复核): human verdicts on automatic findings, manual findings, allowlist entries.

Verdicts live in `reviews`, apart from the findings they judge: a re-audit replaces findings but keeps
their stable ids, so verdicts stay attached. The latest verdict on a finding is the one that counts.
"""
from __future__ import annotations

import getpass
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from qc_engine.lang import _

from qc_engine.store import write_transaction
from qc_engine.model import SEVERITIES
from qc_engine.text.personal_data import mask_text
from qc_engine.review.rollup import rebuild_agent_daily

VERDICTS = ("confirmed", "overturned")
ALLOW_SECTION = "forbidden_phrases"
MAX_PHRASE_CHARS = 200  # the forbidden-phrase schema's limit for one entry
MASK_CHARS = ("*", "＊")


class ReviewError(Exception):
    """A review that cannot be recorded; the message says why in one line."""


@dataclass
class ReviewResult:
    finding_id: str
    conversation_id: str
    verdict: str
    agent: str
    score_before: float | None
    score_after: float | None


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def default_reviewer() -> str:
    """Who is reviewing when no name is given: the login name."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def _finding(db: sqlite_utils.Database, finding_id: str) -> dict[str, Any]:
    rows = list(db.query("select * from findings where finding_id = ?", [finding_id]))
    if not rows:
        raise ReviewError(_("no finding {id!r} in the store; `qc review list` shows the day's findings").format(id=finding_id))
    return rows[0]


def _conversation(db: sqlite_utils.Database, conversation_id: str) -> dict[str, Any]:
    rows = list(db.query("select conversation_id, shop, day, primary_agent from conversations where conversation_id = ?",
                         [conversation_id]))
    if not rows:
        raise ReviewError(_("no conversation {id!r} in the store").format(id=conversation_id))
    return rows[0]


def _agent_score(db: sqlite_utils.Database, shop: str, agent: str, day: str) -> float | None:
    row = db.execute("select score_avg from agent_daily where shop = ? and agent = ? and day = ?", [shop, agent, day]).fetchone()
    return row[0] if row else None


def insert_review(conn, finding: dict[str, Any], verdict: str, reason: str, reviewer: str, at: str | None = None) -> int:
    """One row in `reviews` (the caller holds the write transaction and rebuilds the rollup); returns its id."""
    return conn.execute(
        "insert into reviews (finding_id, conversation_id, verdict, reason, reviewer, reviewed_at) values (?, ?, ?, ?, ?, ?)",
        (finding["finding_id"], finding["conversation_id"], verdict, mask_text(reason), reviewer, at or _now()),
    ).lastrowid


def record_verdict(db: sqlite_utils.Database, finding_id: str, verdict: str, reason: str, reviewer: str | None = None) -> ReviewResult:
    """Confirm or overturn a finding, then refresh that day's agent figures."""
    if verdict not in VERDICTS:
        raise ReviewError(_("verdict must be one of {values}").format(values=", ".join(VERDICTS)))
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("a reason is required, so the agent and the shop can see why"))
    f = _finding(db, finding_id)
    agent = f["agent"] or ""
    rebuild_agent_daily(db, {(f["shop"], f["day"])})
    before = _agent_score(db, f["shop"], agent, f["day"])
    with write_transaction(db.conn):
        insert_review(db.conn, f, verdict, reason, reviewer or default_reviewer())
    rebuild_agent_daily(db, {(f["shop"], f["day"])})
    return ReviewResult(finding_id, f["conversation_id"], verdict, agent, before, _agent_score(db, f["shop"], agent, f["day"]))


def add_manual_finding(
    db: sqlite_utils.Database, conversation_id: str, category: str, note: str, *, message_index: int | None = None,
    points: float = 0.0, severity: str = "minor", agent: str | None = None, reviewer: str | None = None,
) -> int:
    """Record a finding a person made; it deducts its points from the conversation's score. Returns its id."""
    conv = _conversation(db, conversation_id)
    if not (note or "").strip():
        raise ReviewError(_("a note is required: say what went wrong"))
    if not (category or "").strip():
        raise ReviewError(_("a category is required"))
    if severity not in SEVERITIES:
        raise ReviewError(_("severity must be one of {values}").format(values=", ".join(SEVERITIES)))
    if points < 0 or points > 100:
        raise ReviewError(_("points must be between 0 and 100"))
    if message_index is not None:
        hit = db.execute("select sender, role from messages where conversation_id = ? and message_index = ?",
                         [conversation_id, message_index]).fetchone()
        if hit is None:
            raise ReviewError(_("conversation {id!r} has no message {index}").format(id=conversation_id, index=message_index))
        if agent is None and hit[1] == "agent":
            agent = hit[0]
    with write_transaction(db.conn):
        cur = db.conn.execute(
            "insert into manual_findings (conversation_id, message_index, category, severity, agent, note, points,"
            " reviewer, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, message_index, category.strip(), severity, agent if agent is not None else conv["primary_agent"],
             mask_text(note.strip()), float(points), reviewer or default_reviewer(), _now()),
        )
    rebuild_agent_daily(db, {(conv["shop"], conv["day"])})
    return cur.lastrowid


def list_reviews(db: sqlite_utils.Database, day: str | None = None, shop: str | None = None) -> list[dict[str, Any]]:
    """Every human verdict and manual finding (newest first), optionally for one day and shop."""
    where, params = ["1"], []
    if day:
        where.append("c.day = ?")
        params.append(day)
    if shop:
        where.append("c.shop = ?")
        params.append(shop)
    sql = f"""
    select 'verdict' as kind, r.reviewed_at as at, r.reviewer, r.verdict as what, r.finding_id as subject,
           f.rule_id, f.agent, r.reason as note, c.shop, c.day
    from reviews r join conversations c on c.conversation_id = r.conversation_id
    left join findings f on f.finding_id = r.finding_id
    where {' and '.join(where)}
    union all
    select 'manual', m.created_at, m.reviewer, m.category, m.conversation_id || '/' || coalesce(m.message_index, '-'),
           '', m.agent, m.note, c.shop, c.day
    from manual_findings m join conversations c on c.conversation_id = m.conversation_id
    where {' and '.join(where)}
    order by at desc
    """
    return list(db.query(sql, params + params))


def allowlist_phrase(finding: dict[str, Any]) -> str:
    """The phrase an overturned forbidden-phrase finding flagged (its evidence), checked to be usable."""
    if finding.get("category") != "forbidden_phrase":
        raise ReviewError(_("only forbidden-phrase findings can become allowlist entries"))
    phrase = (finding.get("evidence") or "").strip()
    if not phrase:
        raise ReviewError(_("this finding has no phrase to allow"))
    if any(ch in phrase for ch in MASK_CHARS) or len(phrase) > MAX_PHRASE_CHARS or "\n" in phrase:
        raise ReviewError(_("this finding's phrase cannot be used as an allowlist entry; add it to the rule file by hand"))
    return phrase


def append_allowlist(rule_file: Path, phrase: str, shop: str, schema: dict[str, Any] | None = None) -> bool:
    """Add ``phrase`` to ``forbidden_phrases.allow`` of a shop's rule file; False when it is already there.

    A missing file is created for that shop. An existing file is edited as text so its comments and
    layout stay; the result is parsed (and validated against ``schema`` when given) before it replaces the file.
    """
    import yaml

    from qc_engine.rulefiles.files import parse, validate

    rule_file = Path(rule_file)
    entry = json.dumps(phrase, ensure_ascii=False)  # a JSON string is a valid, safely quoted YAML scalar
    if not rule_file.exists():
        text = (f"version: 1\nname: {json.dumps(shop + ' 放行词', ensure_ascii=False)}\nshops: [{json.dumps(shop, ensure_ascii=False)}]\n"
                f"{ALLOW_SECTION}:\n  # Phrases QC review found acceptable for this shop.\n  allow:\n    - {entry}\n")
    else:
        data, _source = parse(rule_file)
        if not isinstance(data, dict):
            raise ReviewError(_("{file}: not a rule file (its top level is not a mapping)").format(file=rule_file))
        shops = data.get("shops", "*")
        if shops != "*" and shop not in (shops or []):
            raise ReviewError(_("{file} is not a rule file for shop {shop!r} (its shops: {shops})").format(file=rule_file, shop=shop, shops=shops))
        section = data.get(ALLOW_SECTION) or {}
        if phrase in (section.get("allow") or []):
            return False
        text = _insert_allow_entry(rule_file.read_text(encoding="utf-8-sig"), entry, rule_file)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict) or phrase not in ((data.get(ALLOW_SECTION) or {}).get("allow") or []):
        raise ReviewError(_("{file}: could not add the entry automatically; add it under {section}: allow: by hand").format(
            file=rule_file, section=ALLOW_SECTION))
    errors = validate(data, str(rule_file), schema) if schema is not None else []
    if errors:
        raise ReviewError(_("the rule file would not be valid with this entry, so it was left unchanged: {error}").format(error=errors[0]))
    _write_atomically(rule_file, text)
    return True


def _insert_allow_entry(text: str, entry: str, path: Path) -> str:
    """The rule file's text with one block-style allow entry added (the common hand-written layout)."""
    lines = text.splitlines()
    top = next((i for i, line in enumerate(lines) if line.rstrip() == f"{ALLOW_SECTION}:"), None)
    if top is None:
        if any(line.startswith(f"{ALLOW_SECTION}:") for line in lines):
            raise ReviewError(_("{file}: {section} is written inline; add the allow entry by hand").format(file=path, section=ALLOW_SECTION))
        return "\n".join(lines) + f"\n{ALLOW_SECTION}:\n  allow:\n    - {entry}\n"
    end = next((i for i in range(top + 1, len(lines)) if lines[i].strip() and not lines[i][0].isspace()
                and not lines[i].lstrip().startswith("#")), len(lines))
    body = range(top + 1, end)
    indent = next((len(lines[i]) - len(lines[i].lstrip()) for i in body if lines[i].strip()
                   and not lines[i].lstrip().startswith("#")), 2)
    allow = next((i for i in body if lines[i].rstrip() == " " * indent + "allow:"), None)
    if allow is None:
        if any(lines[i].startswith(" " * indent + "allow:") for i in body):
            raise ReviewError(_("{file}: the allow list is written inline; add the entry by hand").format(file=path))
        lines[top + 1:top + 1] = [" " * indent + "allow:", " " * (indent + 2) + f"- {entry}"]
        return "\n".join(lines) + "\n"
    last = allow
    item_indent = None
    for i in range(allow + 1, end):
        stripped = lines[i].lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(lines[i]) - len(stripped)
        if depth <= indent:
            break
        if stripped.startswith("- "):
            item_indent = item_indent if item_indent is not None else depth
        last = i
    lines.insert(last + 1, " " * (item_indent if item_indent is not None else indent + 2) + f"- {entry}")
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
