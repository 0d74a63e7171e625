"""Rule plugins are guests: what they do to a conversation does not reach the store, and one that keeps
running out of time is switched off for the rest of the run (in the process that met its time-outs)."""
from __future__ import annotations

import dataclasses

from qc_engine.audit.engine import Guard, audit_conversation
from qc_engine.audit.ruleset import RuleSet
from qc_engine.model import AuditResult, Conversation, RuleError

# Time-outs of one rule before it is disabled: a rule that sleeps or loops costs the whole time limit on every
# conversation. (A rule that raises costs nothing to retry, and each of its errors is recorded.)
MAX_FAILURES = 5


class Guests:
    """Failures per rule met so far by this process, and the rule sets without the rules they disabled."""

    def __init__(self, disabled: set[tuple[str, str]] | None = None):
        self.failures: dict[tuple[str, str], int] = {}
        self.disabled: set[tuple[str, str]] = set(disabled or ())  # (plugin, rule id)
        self._trimmed: dict[tuple[int, frozenset], RuleSet] = {}
        self.problems: list[str] = []  # what was disabled, for the run's record

    def audit(self, conversation: Conversation, ruleset: RuleSet, guard: Guard | None) -> AuditResult:
        """The audit of a conversation as it was read, whatever the rules did to the object they were shown."""
        kept = dataclasses.replace(conversation, messages=list(conversation.messages))  # with no derived facts
        result = audit_conversation(conversation, self._without_disabled(ruleset), guard)
        result.conversation = kept  # messages are frozen; the list, the fields or the object may not be
        if guard is not None:
            for error in result.errors:
                if error.error.startswith(guard.timeout.__name__):
                    self._failed(error)
        return result

    def _failed(self, error: RuleError) -> None:
        key = (error.plugin, error.rule_id)
        n = self.failures[key] = self.failures.get(key, 0) + 1
        if n == MAX_FAILURES and key not in self.disabled:
            self.disabled.add(key)
            self.problems.append(f"rule {error.rule_id} ({error.plugin}) disabled for the rest of the run after "
                                 f"{MAX_FAILURES} time-outs; the last: {error.error[:200]}")

    def _without_disabled(self, ruleset: RuleSet) -> RuleSet:
        if not self.disabled:
            return ruleset
        key = (id(ruleset), frozenset(self.disabled))
        trimmed = self._trimmed.get(key)
        if trimmed is None:
            rules = [c for c in ruleset.rules if (c.plugin, c.rule.id) not in self.disabled]
            trimmed = self._trimmed[key] = dataclasses.replace(ruleset, rules=rules)
        return trimmed
