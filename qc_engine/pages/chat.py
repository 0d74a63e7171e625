"""A conversation as the pages draw it: each message with its time, who wrote it and how long the customer waited.

One way to draw a conversation: the reports' snippets around a finding and the workbench's whole chat are
both made of these lines and drawn by templates/_chat.html.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from qc_engine.text.durations import duration

SLOW_REPLY_S = 180.0  # a reply after three minutes counts as slow (the 3-minute response rate)
SIDE = {"customer": "left", "agent": "right", "bot": "right", "system": "centre"}


@dataclass
class Line:
    index: int
    role: str
    side: str
    who: str  # the role's label, and the agent's or bot's name; a customer's account name is left out
    day: str
    time: str
    text: str
    type: str
    wait: str = ""  # how long the customer had waited for this reply
    slow: bool = False
    new_day: bool = False
    flagged: bool = False
    findings: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _ts(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def lines(messages: list[dict], roles: dict[str, str], lang: str = "zh", flagged: set[int] = frozenset()) -> list[Line]:
    """The messages (store rows: message_index, ts, role, sender, text, type) as drawn lines.

    A reply's wait runs from the first customer message nobody had answered yet, as the response-time rules
    count it; bots answer too, but a bot's reply does not stop the wait for a person.
    """
    out: list[Line] = []
    waiting_since: datetime | None = None
    previous_day = None
    for m in messages:
        role = m.get("role") or "system"
        ts = _ts(m.get("ts"))
        label = roles.get(role, role)
        who = label if role in ("customer", "system") or not m.get("sender") else f"{label} · {m['sender']}"
        day = ts.date().isoformat() if ts else ""
        line = Line(m["message_index"], role, SIDE.get(role, "centre"), who, day,
                    ts.strftime("%H:%M:%S") if ts else (m.get("ts") or "")[11:19], m.get("text") or "",
                    m.get("type") or "text", flagged=m["message_index"] in flagged)
        line.new_day = bool(day) and day != previous_day and previous_day is not None
        previous_day = day or previous_day
        if role == "customer":
            if waiting_since is None and ts is not None:
                waiting_since = ts
        elif role == "agent":
            if waiting_since is not None and ts is not None:
                seconds = (ts - waiting_since).total_seconds()
                line.wait, line.slow = duration(seconds, lang), seconds > SLOW_REPLY_S
            waiting_since = None
        out.append(line)
    return out
