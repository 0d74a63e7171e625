"""Auditing one conversation: a pure function of the conversation and the compiled rule set."""
from __future__ import annotations

from contextlib import nullcontext
from typing import Callable, ContextManager

from .model import SEVERITIES, AuditResult, Conversation, Finding, Metric, RuleError
from .ruleset import RuleSet
from .scoring import assign_points, score

MAX_FINDINGS_PER_RULE = 1000

# A guard wraps each rule call; the runner passes one that enforces a time limit.
Guard = Callable[[Conversation], ContextManager]


def _malformed(f, n_messages: int) -> str | None:
    if not isinstance(f, Finding):
        return f"returned {type(f).__name__} instead of a Finding"
    if f.message_index is not None and (type(f.message_index) is not int or not 0 <= f.message_index < n_messages):
        return f"finding points at message {f.message_index!r}, which the conversation does not have"
    if not isinstance(f.category, str) or not f.category:
        return "finding has no category"
    if f.severity not in SEVERITIES:
        return f"finding has unknown severity {f.severity!r}"
    if not isinstance(f.evidence, str) or not isinstance(f.reason, str) or not isinstance(f.agent, str):
        return "finding evidence, reason and agent must be text"
    return None


def audit_conversation(conversation: Conversation, ruleset: RuleSet, guard: Guard | None = None) -> AuditResult:
    """Run every rule of the rule set on the conversation and score it.

    A rule that raises, times out (through ``guard``) or returns malformed
    findings is recorded as an error of that rule; the other rules still run.
    """
    result = AuditResult(conversation, rule_files=ruleset.file_ids)
    n = len(conversation.messages)
    for compiled in ruleset.rules:
        rule = compiled.rule
        try:
            with guard(conversation) if guard else nullcontext():
                found = list(rule.check(conversation))
                figures = list(rule.metrics(conversation))
        except Exception as exc:  # noqa: BLE001 - isolation of a misbehaving rule
            result.errors.append(RuleError(rule.id, compiled.plugin, f"{type(exc).__name__}: {exc}"[:500]))
            continue
        problems = [p for p in (_malformed(f, n) for f in found) if p]
        if problems or len(found) > MAX_FINDINGS_PER_RULE:
            why = problems[0] if problems else f"returned {len(found)} findings (more than {MAX_FINDINGS_PER_RULE})"
            result.errors.append(RuleError(rule.id, compiled.plugin, f"malformed output: {why}"))
            continue
        if not all(isinstance(m, Metric) and isinstance(m.value, (int, float)) for m in figures):
            result.errors.append(RuleError(rule.id, compiled.plugin, "malformed output: metrics must be Metric(name, number)"))
            figures = []
        result.findings.extend(found)
        result.metrics.extend(figures)
    assign_points(result.findings, ruleset.config)
    result.score, result.red_line = score(result.findings, ruleset.config)
    return result
