"""Helpers for testing rules and plugins: tiny conversations written as text, audited in isolation.

    from qc_engine.testing import audit_lines
    result = audit_lines(["customer: 在吗", "agent(+12s): 您好，在的"])
    assert not result.findings
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterable

from qc_engine.audit.engine import audit_conversation
from qc_engine.model import DEFAULT_TIMEZONE, AuditResult, Conversation, Message
from qc_engine.ingest.normalize import parse_ts, zone
from qc_engine.plugins import load_plugins
from qc_engine.plugins import Registry, collect
from qc_engine.audit.rule import _EXAMPLE_LINE
from qc_engine.audit.ruleset import RuleBook, RuleSet

DEFAULT_START = "2026-01-05T10:00:00"  # a Monday, inside default working hours
TEST_SHOP = "测试店"


def conversation_from_lines(
    lines: Iterable[str | tuple[str, int, str]],
    shop: str = TEST_SHOP,
    start: str = DEFAULT_START,
    tz: str = DEFAULT_TIMEZONE,
    conversation_id: str = "test-1",
    customer: str = "buyer_1",
    agent: str | None = None,
) -> Conversation:
    """A conversation from lines 'role: text' or 'role(+40s): text' (5 s apart by default)."""
    agent = agent or f"{shop}:小美"
    senders = {"customer": customer, "agent": agent, "bot": f"{shop}:店小蜜", "system": "system"}
    t = parse_ts(start, zone(tz))
    messages = []
    for i, line in enumerate(lines):
        if isinstance(line, tuple):
            role, delay, text = line
        else:
            m = _EXAMPLE_LINE.match(line.strip())
            if not m:
                raise ValueError(f"not a 'role: text' line: {line!r}")
            role, delay, text = m.group(1), int(m.group(2) or 5), m.group(3)
        if i:
            t = t + timedelta(seconds=delay)
        messages.append(Message(i, t.timestamp(), t.isoformat(), role, senders[role], text))
    return Conversation(conversation_id, shop, "test", customer, messages, tz=tz)


def fresh_registry(plugin_files: list[str | Path] = ()) -> Registry:
    """The installed plugins (plus plugin files), loaded into a new plugin manager."""
    return collect(load_plugins(plugin_files))


def ruleset_for(shop: str = TEST_SHOP, rule_files: list[str | Path] = (), registry: Registry | None = None) -> RuleSet:
    """The compiled rule set a shop gets from the defaults plus the given rule files."""
    book = RuleBook(registry or fresh_registry(), rule_files)
    return book.for_shop(shop)


def audit_lines(
    lines: Iterable[str],
    rule_files: list[str | Path] = (),
    shop: str = TEST_SHOP,
    start: str = DEFAULT_START,
    registry: Registry | None = None,
    ruleset: RuleSet | None = None,
) -> AuditResult:
    """Audit a conversation written as lines with the default rules (and any rule files)."""
    conv = conversation_from_lines(lines, shop=shop, start=start)
    return audit_conversation(conv, ruleset or ruleset_for(shop, rule_files, registry))


__all__ = ["audit_lines", "conversation_from_lines", "fresh_registry", "ruleset_for"]
