"""Turning an audit result into table rows, with customer personal data masked.

Pure and picklable: the process that audits a batch prepares its rows, and the writing process stores them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Callable

import msgspec

from qc_engine.model import AuditResult, Conversation, Rejected
from qc_engine.text.clean import storable
from qc_engine.text.personal_data import mask_text

CONVERSATION_COLUMNS = (
    "conversation_id", "shop", "platform", "customer", "day", "started_at", "ended_at", "agents", "primary_agent",
    "message_count", "customer_messages", "agent_messages", "bot_messages", "score", "red_line", "finding_count",
    "rule_files", "source_file", "source_line", "run_id",
)
# A conversation row ends with its ordinal in the batch (not a column): the writer keys the conversation by it.
# Its message rows are (ordinal, message_index, ts, role, sender, text, type).
ORDINAL = len(CONVERSATION_COLUMNS)
FINDING_COLUMNS = (
    "finding_id", "conversation_id", "message_index", "category", "rule_id", "severity", "agent", "evidence",
    "reason", "expected", "points", "red_line", "shop", "day", "run_id",
)
METRIC_COLUMNS = ("conversation_id", "agent", "figures")
RULE_ERROR_COLUMNS = ("run_id", "conversation_id", "rule_id", "plugin", "error")
REJECTED_COLUMNS = ("run_id", "source_file", "line", "offset", "reason", "raw")
TABLES = ("conversations", "messages", "findings", "metrics", "rule_errors", "rejected")  # Rows' lists, in writing order


@dataclass
class Rows:
    conversations: list[tuple] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    metrics: list[tuple] = field(default_factory=list)
    rule_errors: list[tuple] = field(default_factory=list)
    rejected: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rule set setup errors met while preparing these rows

    def drop_conversations(self, ids: set[str], run_id: int) -> None:
        """Take conversations out of the batch, keeping each aside as a rejected duplicate."""
        ordinals = set()
        for row in self.conversations:
            if row[0] in ids:
                ordinals.add(row[ORDINAL])
                self.rejected.append((run_id, row[17], row[18], None,
                                      f"duplicate conversation_id {row[0]!r}: already read in this run", row[0]))
        self.conversations = [r for r in self.conversations if r[0] not in ids]
        self.messages = [r for r in self.messages if r[0] not in ordinals]
        self.findings = [r for r in self.findings if r[1] not in ids]
        self.metrics = [r for r in self.metrics if r[0] not in ids]
        self.rule_errors = [r for r in self.rule_errors if r[1] not in ids]


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
    rows.conversations.append((
        cid, conv.shop, conv.platform, customer_as, day, started_at, conv.ended_at,
        _json_list(agents), agents[0] if agents else "",
        len(roles), roles.count("customer"), roles.count("agent"), roles.count("bot"),
        round(result.score, 2), int(result.red_line), len(result.findings),
        _json_list(tuple(result.rule_files)), conv.source_file, conv.source_line, run_id, ordinal,
    ))
    _add_messages(rows, conv, ordinal, customer_key, customer_as)
    seen: dict[tuple, int] = {}
    for f in result.findings:
        key = (f.rule_id, f.message_index)
        n = seen[key] = seen.get(key, -1) + 1
        idx = "-" if f.message_index is None else f.message_index
        rows.findings.append((
            f"{cid}/{f.rule_id}/{idx}/{n}", cid, f.message_index, f.category, f.rule_id, f.severity, f.agent,
            mask_text(f.evidence), mask_text(f.reason), f.expected, f.points, int(f.red_line), conv.shop, day, run_id,
        ))
    rows.metrics.extend((cid, agent, _figures_json(named).decode()) for agent, named in result.figures().items())
    rows.rule_errors.extend((run_id, cid, e.rule_id, e.plugin, e.error) for e in result.errors)


def _add_messages(rows: Rows, conv: Conversation, ordinal: int, customer_key: Callable[[str], str],
                  customer_as: str) -> None:
    """A conversation's message rows, with customer personal data masked.

    Each distinct sender is masked once; customers may be keyed differently from other senders.
    """
    customers, others = {conv.customer: customer_as}, {}
    append = rows.messages.append
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
        append((ordinal, m.index, m.ts_iso, role, masked, mask_text(m.text), m.type))


def add_rejected(rows: Rows, rejected: Rejected, run_id: int) -> None:
    # Whatever a loader put in a rejection (a vendor's loader too) must be storable: text, bounded, no lone surrogates.
    line = rejected.line if type(rejected.line) is int else None
    offset = rejected.offset if type(rejected.offset) is int else None
    rows.rejected.append((run_id, storable(str(rejected.source_file)), line, offset,
                          mask_text(storable(str(rejected.reason)[:1000])), mask_text(storable(str(rejected.raw or "")[:8000]))))
