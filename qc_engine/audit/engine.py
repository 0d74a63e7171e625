"""Auditing one conversation: a pure function of the conversation and the compiled rule set."""
from __future__ import annotations

from typing import Protocol

from qc_engine.model import SEVERITIES, AuditResult, Conversation, Finding, Metric, MetricSet, RuleError
from qc_engine.audit.ruleset import RuleSet

MAX_FINDINGS_PER_RULE = 1000
MAX_FIGURES_PER_RULE = 1000
MAX_POINTS = 100.0  # no finding deducts more than a whole conversation's score
# Text a finding carries is cut here: 20 conversations of 50 MB evidence must not make a store of gigabytes.
MAX_EVIDENCE_CHARS = 2000
MAX_NAME_CHARS = 200
# What a rule that misbehaves may raise besides Exception: sys.exit() in a vendor's rule must not end the run.
GUEST_EXITS = (Exception, SystemExit, GeneratorExit)


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
    if not all(isinstance(v, str) for v in (f.evidence, f.reason, f.agent, f.expected, f.rule_id)):
        return "finding evidence, reason, expected, agent and rule_id must be text"
    if len(f.category) > 40 or len(f.rule_id) > 40 or len(f.agent) > MAX_NAME_CHARS:
        return "finding category, rule_id or agent is too long"
    if type(f.red_line) is not bool and f.red_line not in (0, 1):
        return f"finding red_line must be true or false, not {f.red_line!r}"
    points = f.points
    if points is not None and (type(points) not in (int, float) or not 0 <= points < float("inf")):
        return f"finding points must be a number from 0 up (the points it deducts), not {points!r}"
    return None


def _bounded(f: Finding) -> Finding:
    """The finding with its text cut to size and its points to at most a whole conversation's."""
    if len(f.evidence) > MAX_EVIDENCE_CHARS:
        f.evidence = f.evidence[:MAX_EVIDENCE_CHARS] + "…"
    if len(f.reason) > MAX_EVIDENCE_CHARS:
        f.reason = f.reason[:MAX_EVIDENCE_CHARS] + "…"
    if len(f.expected) > MAX_EVIDENCE_CHARS:
        f.expected = f.expected[:MAX_EVIDENCE_CHARS] + "…"
    if f.points is not None and f.points > MAX_POINTS:
        f.points = MAX_POINTS
    f.red_line = bool(f.red_line)
    return f


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
                    figures = compiled.metrics(conversation) if compiled.metrics is not None else ()
                    if type(figures) is not list and type(figures) is not tuple:
                        figures = list(figures)
                except GUEST_EXITS as exc:  # noqa: BLE001 - isolation of a misbehaving rule
                    result.errors.append(RuleError(rule.id, compiled.plugin, _why(exc)))
                    if guard is not None and isinstance(exc, guard.timeout):
                        guard.arm(conversation)  # the rules after it get their own time
                    continue
                if found or figures:
                    _keep(compiled, found, figures, result, n)
            except BaseException as exc:  # the time ran out just outside the rule's own call
                if guard is None or not isinstance(exc, guard.timeout):
                    raise
                result.errors.append(RuleError(compiled.rule.id, compiled.plugin, _why(exc)))
                guard.arm(conversation)
    finally:
        if guard is not None:
            guard.disarm()
    if result.findings:
        ruleset.scorecard.assign_points(result.findings)
    result.score, result.red_line = ruleset.scorecard.score(result.findings)
    return result


def _why(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - an exception whose str() raises
        text = type(exc).__name__
    return text[:500]


def _keep(compiled, found, figures, result: AuditResult, n: int) -> None:
    """Add a rule's findings and figures to the result, or record the rule's error if they are malformed."""
    rule = compiled.rule
    if found:
        problems = [p for p in (_malformed(f, n) for f in found) if p]
        if problems or len(found) > MAX_FINDINGS_PER_RULE:
            why = problems[0] if problems else f"returned {len(found)} findings (more than {MAX_FINDINGS_PER_RULE})"
            result.errors.append(RuleError(rule.id, compiled.plugin, f"malformed output: {why}"))
            return
        result.findings.extend(map(_bounded, found))
    if figures:
        if len(figures) > MAX_FIGURES_PER_RULE:
            result.errors.append(RuleError(rule.id, compiled.plugin, f"malformed output: more than {MAX_FIGURES_PER_RULE} figures"))
            return
        for m in figures:
            if not (_is_figure(m) if type(m) is Metric else _is_figure_set(m)):
                result.errors.append(RuleError(
                    rule.id, compiled.plugin, "malformed output: metrics must be Metric(name, number) or MetricSet({name: number})"))
                return
        result.metrics.extend(figures)


_NUMBERS = (int, float)
_NUMBER_TYPES = frozenset((int, float, bool))


def _is_figure(m: Metric) -> bool:
    return (isinstance(m.name, str) and isinstance(m.value, _NUMBERS) and isinstance(m.agent, str)
            and len(m.name) <= MAX_NAME_CHARS and len(m.agent) <= MAX_NAME_CHARS)


def _is_figure_set(m) -> bool:
    if type(m) is not MetricSet or type(m.values) is not dict or not isinstance(m.agent, str):
        return False
    values = m.values
    return (len(values) <= MAX_FIGURES_PER_RULE and len(m.agent) <= MAX_NAME_CHARS
            and _NUMBER_TYPES.issuperset(map(type, values.values()))
            and all(isinstance(name, str) and len(name) <= MAX_NAME_CHARS for name in values))
