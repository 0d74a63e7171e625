"""Running the test cases a rule file carries (`tests:`), as `qc rules test` does."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qc_engine.audit.engine import audit_conversation
from qc_engine.plugins import Registry
from qc_engine.rulefiles.files import RuleFile
from qc_engine.audit.ruleset import RuleBook
from qc_engine.testing import DEFAULT_START, TEST_SHOP, conversation_from_lines

MESSAGE_CATEGORIES = ("forbidden_phrase", "privacy_leak")


@dataclass
class CaseResult:
    file: str
    index: int
    name: str
    passed: bool
    detail: str


def _matches(finding, rule: str | None) -> bool:
    if rule is None:
        return True
    return finding.rule_id == rule or finding.category == rule


def run_file_tests(path: str | Path, registry: Registry) -> list[CaseResult]:
    """Run every test case of one rule file, with the defaults plus that file applied."""
    book = RuleBook(registry, [path])
    rule_file: RuleFile = book.files[0]
    results = []
    for i, case in enumerate(rule_file.data.get("tests") or [], 1):
        shop = case.get("shop") or (rule_file.shops[0] if rule_file.shops else TEST_SHOP)
        ruleset = book.for_shop(shop)
        rule = case.get("rule")
        start = case.get("start", DEFAULT_START)
        if "text" in case:
            conv = conversation_from_lines([("customer", 0, "你好，在吗"), ("agent", 5, case["text"])], shop=shop, start=start)
            result = audit_conversation(conv, ruleset)
            hits = [f for f in result.findings if f.message_index == 1 and _matches(f, rule)
                    and (rule or f.category in MESSAGE_CATEGORIES)]
        else:
            conv = conversation_from_lines(case["conversation"], shop=shop, start=start)
            result = audit_conversation(conv, ruleset)
            hits = [f for f in result.findings if _matches(f, rule)]
        fired = bool(hits)
        passed = fired if case["expect"] == "fire" else not fired
        what = ", ".join(sorted({f"{f.rule_id}" for f in hits})) or "nothing"
        name = case.get("name") or (case.get("text") or " / ".join(case.get("conversation", [])))[:40]
        detail = f"expected {'a finding' if case['expect'] == 'fire' else 'no finding'}" + (f" of {rule}" if rule else "") + f"; got {what}"
        if result.errors:
            detail += "; rule errors: " + "; ".join(f"{e.rule_id}: {e.error}" for e in result.errors)
        results.append(CaseResult(str(path), i, name, passed and not result.errors, detail))
    return results
