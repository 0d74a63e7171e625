"""The rule files we ship are valid and their own test cases pass (as `qc rules test rules/` reports)."""
import pytest

from qc_engine.rulefiles.files import rule_file_paths
from qc_engine.rulefiles.selftest import run_file_tests
from qc_engine.testing import fresh_registry

from conftest import ROOT

REGISTRY = fresh_registry()
FILES = rule_file_paths([ROOT / "rules"])


def test_there_are_rule_files_with_tests():
    assert any(p.parent.name == "shops" for p in FILES) and len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_rule_file_tests_pass(path):
    results = run_file_tests(path, REGISTRY)
    failures = [f"test {r.index} ({r.name}): {r.detail}" for r in results if not r.passed]
    assert not failures, "\n".join(failures)
