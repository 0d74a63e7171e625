"""Turning an audit result into table rows, with customer personal data masked.

Pure and picklable: the process that audits a batch prepares its rows, and the writing process stores them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any, Callable

import msgspec

from qc_engine.model import AuditResult, Conversation, Rejected
from qc_engine.text.clean import storable
from qc_engine.text.personal_data import mask_text


class RowLayout:
    """The columns of one kind of row, named once.

    Rows are plain tuples in this order: a day's rows cross from the workers by the hundred thousand, and
    tuples pickle and unpickle three to four times faster than named tuples or dicts. They are built by
    name (``row(shop=..., day=...)``) and read by name (``position``, ``getter``), never by a bare number.
    """

    __slots__ = ("table", "columns", "_positions", "_values")

    def __init__(self, table: str, *columns: str):
        self.table = table  # where the rows are stored
        self.columns = columns
        self._positions = {name: i for i, name in enumerate(columns)}
        self._values = itemgetter(*columns)

    def row(self, **values) -> tuple:
        """A row from its values by column name; every column, and no other, must be given."""
        try:
            if len(values) == len(self.columns):  # then a name not a column leaves a column out: KeyError
                return self._values(values)
        except KeyError:
            pass
        wrong = sorted(set(values) ^ set(self.columns))
        raise TypeError(f"a {self.table} row has the columns {', '.join(self.columns)}; not matched: {wrong}")

    def position(self, name: str) -> int:
        return self._positions[name]

    def getter(self, *names: str) -> Callable[[tuple], Any]:
        """A function reading these columns of a row (a tuple of them for several names)."""
        return itemgetter(*map(self.position, names))


# A conversation row ends with its ordinal in the batch, which is not stored: the writer keys the conversation
# (conversation_key) by it, and the message rows of the batch say by it whose they are.
CONVERSATIONS = RowLayout(
    "conversations",
    "conversation_id", "shop", "platform", "customer", "day", "started_at", "ended_at", "agents", "primary_agent",
    "message_count", "customer_messages", "agent_messages", "bot_messages", "score", "red_line", "finding_count",
    "rule_files", "source_file", "source_line", "run_id", "ordinal",
)
# Stored in message_rows under a row id made of the conversation's key and the message index (message_key.py).
MESSAGES = RowLayout("message_rows", "ordinal", "message_index", "ts", "role", "sender", "text", "type")
FINDINGS = RowLayout(
    "findings",
    "finding_id", "conversation_id", "message_index", "category", "rule_id", "severity", "agent", "evidence",
    "reason", "expected", "points", "red_line", "shop", "day", "run_id",
)
METRICS = RowLayout("metric_sets", "conversation_id", "agent", "figures")
RULE_ERRORS = RowLayout("rule_errors", "run_id", "conversation_id", "rule_id", "plugin", "error")
REJECTED = RowLayout("rejected", "run_id", "source_file", "line", "offset", "reason", "raw")
LAYOUTS = {  # Rows' lists, in writing order
    "conversations": CONVERSATIONS, "messages": MESSAGES, "findings": FINDINGS, "metrics": METRICS,
    "rule_errors": RULE_ERRORS, "rejected": REJECTED,
}

_conversation_id = CONVERSATIONS.getter("conversation_id")
_ordinal = CONVERSATIONS.getter("ordinal")
_source = CONVERSATIONS.getter("source_file", "source_line")


@dataclass
class Rows:
    conversations: list[tuple] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    metrics: list[tuple] = field(default_factory=list)
    rule_errors: list[tuple] = field(default_factory=list)
    rejected: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rule set setup errors met while preparing these rows

    def extend(self, other: Rows) -> None:
        """Add another batch's rows after these, its conversations numbered on from these."""
        offset = len(self.conversations)
        at = CONVERSATIONS.position("ordinal")
        self.conversations += [r[:at] + (r[at] + offset,) + r[at + 1:] for r in other.conversations]
        at = MESSAGES.position("ordinal")
        self.messages += [r[:at] + (r[at] + offset,) + r[at + 1:] for r in other.messages]
        for name in ("findings", "metrics", "rule_errors", "rejected", "problems"):
            getattr(self, name).extend(getattr(other, name))

    def rename_conversation(self, old: str, new: str) -> None:
        """Store a conversation of the batch under another id (ids are unique within a batch)."""
        for name, layout in LAYOUTS.items():
            if "conversation_id" not in layout.columns:
                continue
            at = layout.position("conversation_id")
            fid = layout.position("finding_id") if "finding_id" in layout.columns else None
            renamed = []
            for row in getattr(self, name):
                if row[at] == old:
                    row = list(row)
                    row[at] = new
                    if fid is not None and row[fid].startswith(old + "/"):
                        row[fid] = new + row[fid][len(old):]
                    row = tuple(row)
                renamed.append(row)
            setattr(self, name, renamed)

    def drop_conversations(self, ids: set[str], run_id: int, reason: str = "already read in this run") -> None:
        """Take conversations out of the batch, keeping each aside as a rejected duplicate."""
        ordinals = set()
        for row in self.conversations:
            cid = _conversation_id(row)
            if cid in ids:
                ordinals.add(_ordinal(row))
                source_file, source_line = _source(row)
                self.rejected.append(REJECTED.row(
                    run_id=run_id, source_file=source_file, line=source_line, offset=None,
                    reason=f"duplicate conversation_id {cid!r}: {reason}", raw=cid))
        self.conversations = _without(self.conversations, _conversation_id, ids)
        self.messages = _without(self.messages, MESSAGES.getter("ordinal"), ordinals)
        self.findings = _without(self.findings, FINDINGS.getter("conversation_id"), ids)
        self.metrics = _without(self.metrics, METRICS.getter("conversation_id"), ids)
        self.rule_errors = _without(self.rule_errors, RULE_ERRORS.getter("conversation_id"), ids)


def qualified_id(conversation_id: str, shop: str) -> str:
    """The id a conversation is stored under when another shop's conversation has its export's id: a
    conversation is identified within its shop, and one shop's never replaces or joins another's."""
    return f"{conversation_id}@{shop}"


def _without(rows: list[tuple], key: Callable[[tuple], Any], dropped: set) -> list[tuple]:
    return [r for r in rows if key(r) not in dropped]


@lru_cache(maxsize=8192)  # a day has millions of messages but few distinct agents and bots
def _mask_sender(sender: str) -> str:
    return mask_text(sender)


_role = attrgetter("role")
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps with options builds an encoder every call
# Figures are a few hundred thousand small objects a day: msgspec encodes them ~4x faster than json. Compact
# separators; a figure that is not finite is stored as null rather than as the invalid NaN or Infinity.
_figures_json = msgspec.json.Encoder().encode


@lru_cache(maxsize=4096)  # the same few agent line-ups and rule-file sets come back all day
def _json_list(items: tuple[str, ...]) -> str:
    return _to_json(list(items))


def add_audited(rows: Rows, result: AuditResult, run_id: int, customer_key: Callable[[str], str] = mask_text) -> None:
    """The rows of an audit result: its conversation, messages, findings, figures and rule errors."""
    conv = result.conversation
    ordinal = len(rows.conversations)
    cid = conv.conversation_id
    started_at = conv.started_at
    day = started_at[:10]
    roles = list(map(_role, conv.messages))
    agents = tuple(conv.agents())
    customer_as = customer_key(conv.customer)
    rows.conversations.append(CONVERSATIONS.row(
        conversation_id=cid, shop=conv.shop, platform=conv.platform, customer=customer_as, day=day,
        started_at=started_at, ended_at=conv.ended_at, agents=_json_list(agents),
        primary_agent=agents[0] if agents else "", message_count=len(roles),
        customer_messages=roles.count("customer"), agent_messages=roles.count("agent"), bot_messages=roles.count("bot"),
        score=round(result.score, 2), red_line=int(result.red_line), finding_count=len(result.findings),
        rule_files=_json_list(tuple(result.rule_files)), source_file=conv.source_file, source_line=conv.source_line,
        run_id=run_id, ordinal=ordinal,
    ))
    _add_messages(rows, conv, ordinal, customer_key, customer_as)
    seen: dict[tuple, int] = {}
    for f in result.findings:
        key = (f.rule_id, f.message_index)
        n = seen[key] = seen.get(key, -1) + 1
        idx = "-" if f.message_index is None else f.message_index
        rows.findings.append(FINDINGS.row(
            finding_id=f"{cid}/{f.rule_id}/{idx}/{n}", conversation_id=cid, message_index=f.message_index,
            category=f.category, rule_id=f.rule_id, severity=f.severity, agent=f.agent,
            evidence=mask_text(f.evidence), reason=mask_text(f.reason), expected=f.expected, points=f.points,
            red_line=int(f.red_line), shop=conv.shop, day=day, run_id=run_id,
        ))
    rows.metrics.extend(METRICS.row(conversation_id=cid, agent=agent, figures=_figures_json(named).decode())
                        for agent, named in result.figures().items())
    rows.rule_errors.extend(RULE_ERRORS.row(run_id=run_id, conversation_id=cid, rule_id=e.rule_id, plugin=e.plugin,
                                            error=mask_text(storable(e.error))) for e in result.errors)
    # A rule's exception text may quote the message it failed on: masked like any text that is stored.


def _add_messages(rows: Rows, conv: Conversation, ordinal: int, customer_key: Callable[[str], str],
                  customer_as: str) -> None:
    """A conversation's message rows, with customer personal data masked.

    Each distinct sender is masked once; customers may be keyed differently from other senders.
    """
    customers, others = {conv.customer: customer_as}, {}
    append, message = rows.messages.append, MESSAGES.row
    for m in conv.messages:
        role, sender = m.role, m.sender
        if role == "customer":
            masked = customers.get(sender)
            if masked is None:
                masked = customers[sender] = customer_key(sender)
        else:
            masked = others.get(sender)
            if masked is None:
                masked = others[sender] = _mask_sender(sender)
        append(message(ordinal=ordinal, message_index=m.index, ts=m.ts_iso, role=role, sender=masked,
                       text=mask_text(m.text), type=m.type))


def add_rejected(rows: Rows, rejected: Rejected, run_id: int) -> None:
    # Whatever a loader put in a rejection (a vendor's loader too) must be storable: text, bounded, no lone surrogates.
    line = rejected.line if type(rejected.line) is int else None
    offset = rejected.offset if type(rejected.offset) is int else None
    rows.rejected.append(REJECTED.row(
        run_id=run_id, source_file=storable(str(rejected.source_file)), line=line, offset=offset,
        reason=mask_text(storable(str(rejected.reason)[:1000])), raw=mask_text(storable(str(rejected.raw or "")[:8000])),
    ))
