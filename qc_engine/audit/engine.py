"""Auditing one conversation: a pure function of the conversation and the compiled rule set."""
from __future__ import annotations

from typing import Protocol

from qc_engine.model import SEVERITIES, AuditResult, Conversation, Finding, Metric, MetricSet, RuleError
from qc_engine.audit.ruleset import RuleSet

MAX_FINDINGS_PER_RULE = 1000


class Guard(Protocol):
    """Stops a rule that runs too long: armed before each rule, its timeout raised inside the rule."""

    timeout: type[BaseException]

    def arm(self, conversation: Conversation) -> None: ...

    def disarm(self) -> None: ...


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
    if guard is not None:
        guard.arm(conversation)  # once per conversation: a timer per rule call would cost more than most rules
    try:
        # A rule call per rule and conversation is the engine's hot loop: its body is inline, not a function.
        for compiled in ruleset.rules:
            try:
                rule = compiled.rule
                try:
                    found = rule.check(conversation)
                    if type(found) is not list and type(found) is not tuple:
                        found = list(found)
                    figures = rule.metrics(conversation) if compiled.has_metrics else ()
                    if type(figures) is not list and type(figures) is not tuple:
                        figures = list(figures)
                except Exception as exc:  # noqa: BLE001 - isolation of a misbehaving rule
                    result.errors.append(RuleError(rule.id, compiled.plugin, f"{type(exc).__name__}: {exc}"[:500]))
                    if guard is not None and isinstance(exc, guard.timeout):
                        guard.arm(conversation)  # the rules after it get their own time
                    continue
                if found or figures:
                    _keep(compiled, found, figures, result, n)
            except BaseException as exc:  # the time ran out just outside the rule's own call
                if guard is None or not isinstance(exc, guard.timeout):
                    raise
                result.errors.append(RuleError(compiled.rule.id, compiled.plugin, f"{type(exc).__name__}: {exc}"))
                guard.arm(conversation)
    finally:
        if guard is not None:
            guard.disarm()
    if result.findings:
        ruleset.scorecard.assign_points(result.findings)
    result.score, result.red_line = ruleset.scorecard.score(result.findings)
    return result


def _keep(compiled, found, figures, result: AuditResult, n: int) -> None:
    """Add a rule's findings and figures to the result, or record the rule's error if they are malformed."""
    rule = compiled.rule
    if found:
        problems = [p for p in (_malformed(f, n) for f in found) if p]
        if problems or len(found) > MAX_FINDINGS_PER_RULE:
            why = problems[0] if problems else f"returned {len(found)} findings (more than {MAX_FINDINGS_PER_RULE})"
            result.errors.append(RuleError(rule.id, compiled.plugin, f"malformed output: {why}"))
            return
        result.findings.extend(found)
    if figures:
        for m in figures:
            if not (_is_figure(m) if type(m) is Metric else _is_figure_set(m)):
                result.errors.append(RuleError(
                    rule.id, compiled.plugin, "malformed output: metrics must be Metric(name, number) or MetricSet({name: number})"))
                return
        result.metrics.extend(figures)


_NUMBERS = (int, float)
_NUMBER_TYPES = frozenset((int, float, bool))


def _is_figure(m: Metric) -> bool:
    return isinstance(m.name, str) and isinstance(m.value, _NUMBERS) and isinstance(m.agent, str)


def _is_figure_set(m) -> bool:
    if type(m) is not MetricSet or type(m.values) is not dict or not isinstance(m.agent, str):
        return False
    values = m.values
    return _NUMBER_TYPES.issuperset(map(type, values.values())) and all(isinstance(name, str) for name in values)
