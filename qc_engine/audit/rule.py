"""The rule API: what a rule plugin subclasses, and how its docstring documents it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from qc_engine.model import Conversation, Finding, Metric, MetricSet

_ID = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
_EXAMPLE_LINE = re.compile(r"^(customer|agent|bot|system)(?:\(\+(\d+)s\))?:\s?(.*)$")


class Rule:
    """Base class of every rule.

    A subclass sets the class attributes, reads its settings from the merged
    rule-file configuration given to ``__init__`` and implements ``check``.
    ``check`` must be a pure function of the conversation: it must not keep
    state between calls nor do I/O, so conversations can be audited in any
    order, in any process.

    The docstring is the rule's documentation: a one-line summary, a
    description, then ``Bad:`` and ``Good:`` sections whose indented lines
    are a tiny conversation (``role: text``, optionally ``role(+40s): text``
    for the seconds since the previous message). The test suite runs both
    examples: the bad one must fire the rule, the good one must not.
    """

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    severity: ClassVar[str] = "major"
    red_line: ClassVar[bool] = False
    # Rule-file sections this rule reads: {section name: JSON Schema}.
    config_schema: ClassVar[dict[str, Any]] = {}
    # Figures this rule goes with, computed once for all the rules naming the same class (see Figures).
    figures: ClassVar[type["Figures"] | None] = None

    def __init__(self, config: dict[str, Any] | None = None):
        self.config: dict[str, Any] = config or {}
        own = (self.config.get("rules") or {}).get(self.id, {})
        self.severity = own.get("severity", type(self).severity)
        self.points: float | None = own.get("points")
        self.red_line = own.get("red_line", type(self).red_line)

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        """Yield the findings of this rule on one conversation."""
        raise NotImplementedError

    def reference(self) -> list[str]:
        """Markdown lines on what this rule checks as configured (its lists, say), for ``qc rules show`` and the
        generated reference; the rule is built with the default rule files. Optional."""
        return []

    def metrics(self, conversation: Conversation) -> Iterable[Metric | MetricSet]:
        """Yield figures this rule computes for the conversation (optional): a Metric each, or a MetricSet per agent."""
        return ()

    def finding(
        self,
        conversation: Conversation,
        message_index: int | None,
        evidence: str,
        reason: str,
        expected: str = "",
        severity: str | None = None,
        agent: str | None = None,
        rule_id: str | None = None,
    ) -> Finding:
        """Build a finding of this rule; the agent defaults to the message's sender."""
        if agent is None:
            if message_index is not None:
                agent = conversation.messages[message_index].sender
            else:
                agents = conversation.agents()
                agent = agents[0] if agents else ""
        return Finding(
            rule_id=rule_id or self.id,
            category=self.category,
            severity=severity or self.severity,
            message_index=message_index,
            agent=agent,
            evidence=evidence,
            reason=reason,
            expected=expected,
            red_line=bool(self.red_line),
            points=self.points,
        )

    @classmethod
    def doc(cls) -> "RuleDoc":
        return RuleDoc.from_rule(cls)


class Figures:
    """Figures of a conversation that belong to several rules together (the response times of LT01-LT03).

    Rules name it in their ``figures`` attribute. The rule set builds it once per shop from the merged
    configuration, as it builds the rules, and stores its figures once per conversation while at least
    one of those rules is enabled, none when every one is off. Its figures are reported, and its errors
    recorded, under the first enabled rule naming it. ``metrics`` must be a pure function of the
    conversation, like ``Rule.check``; it usually shares its analysis with the rules through
    ``conversation.derived``.
    """

    def __init__(self, config: dict[str, Any] | None = None):
        self.config: dict[str, Any] = config or {}

    def metrics(self, conversation: Conversation) -> Iterable[Metric | MetricSet]:
        """Yield the figures: a Metric each, or a MetricSet per agent."""
        return ()


@dataclass
class RuleDoc:
    id: str
    name: str
    category: str
    severity: str
    red_line: bool
    summary: str
    description: str
    bad: list[tuple[str, int, str]]
    good: list[tuple[str, int, str]]
    plugin: str = ""

    @classmethod
    def from_rule(cls, rule: type[Rule]) -> "RuleDoc":
        text = _dedent(rule.__doc__ or "")
        summary, _, body = text.strip().partition("\n")
        sections: dict[str, list[str]] = {"description": []}
        current = "description"
        for line in body.splitlines():
            stripped = line.strip()
            if stripped in ("Bad:", "Good:"):
                current = stripped[:-1].lower()
                sections[current] = []
                continue
            sections[current].append(line)
        return cls(
            id=rule.id,
            name=rule.name,
            category=rule.category,
            severity=rule.severity,
            red_line=rule.red_line,
            summary=summary.strip(),
            description="\n".join(sections["description"]).strip(),
            bad=_parse_example(sections.get("bad", [])),
            good=_parse_example(sections.get("good", [])),
            plugin=rule.__module__,
        )


def _dedent(text: str) -> str:
    lines = text.expandtabs().splitlines()
    if not lines:
        return ""
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()]
    cut = min(indents) if indents else 0
    return "\n".join([lines[0].strip()] + [l[cut:] for l in lines[1:]])


def _parse_example(lines: list[str]) -> list[tuple[str, int, str]]:
    """Example lines as (role, seconds after the previous message, text)."""
    out = []
    for line in lines:
        m = _EXAMPLE_LINE.match(line.strip())
        if m:
            out.append((m.group(1), int(m.group(2) or 5), m.group(3)))
    return out


def valid_rule_id(rule_id: str) -> bool:
    return bool(_ID.match(rule_id or ""))
