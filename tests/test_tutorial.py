"""The tutorial's test examples run as written against the packaged example plugin."""
import re

import pytest

from qc_engine.plugins import collect
from qc_engine.plugins import load_plugins
from qc_engine.testing import audit_lines
from qc_engine.audit.ruleset import RuleBook

from conftest import ROOT

TUTORIAL = (ROOT / "docs" / "plugin-tutorial.md").read_text(encoding="utf-8")
PLUGIN = ROOT / "tests" / "vendor_plugin" / "qc_vendor_example" / "__init__.py"


def test_the_tutorial_shows_the_packaged_plugin_verbatim():
    code = re.search(r"`qc_vendor_example/__init__.py`:\n\n```python\n(.*?)```", TUTORIAL, re.S).group(1)
    strip = lambda s: re.sub(r"\s+#.*", "", s).replace('"""A vendor\'s rule plugin, packaged on its own: agents must not promise delivery dates."""\n', "").strip()
    assert strip(code) == strip(PLUGIN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ruleset():
    return RuleBook(collect(load_plugins([PLUGIN]))).for_shop("测试店")


def test_tutorial_tests_pass(ruleset):
    tests = re.search(r"## 4\. Test it with our helpers\n\n```python\n(.*?)```", TUTORIAL, re.S).group(1)
    namespace = {"audit_lines_with_plugin": lambda lines: audit_lines(lines, ruleset=ruleset)}
    exec(tests.replace("audit_lines(", "audit_lines_with_plugin("), namespace)
    namespace["test_promise_is_flagged"]()
    namespace["test_estimate_is_fine"]()


def test_shared_analysis_is_computed_once_and_its_figures_stored_once():
    code = re.search(r"## 5\. Share analysis between your rules\n.*?```python\n(.*?)```", TUTORIAL, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    calls = []
    questions = namespace["CustomerQuestions"]
    compute = questions.compute
    questions.compute = lambda self, conversation: calls.append(self) or compute(self, conversation)
    from qc_engine.audit.ruleset import RuleSet, CompiledRule
    from qc_engine.audit.engine import audit_conversation
    from qc_engine.testing import conversation_from_lines

    rule_cls = namespace["ManyQuestions"]
    ruleset = RuleSet([CompiledRule(rule_cls({}), "tutorial", namespace["QuestionFigures"]({}))], {}, ())
    conv = conversation_from_lines(["customer: 在吗？", "customer: 有货吗？", "customer: 几天到？", "customer: 包邮吗？"])
    result = audit_conversation(conv, ruleset)
    assert [f.message_index for f in result.findings] == [3]
    assert result.figures()[""] == {"questions": 4}
    assert len(calls) == 1  # the rule and the figures shared one computation
    assert conv.derived(questions()) == [0, 1, 2, 3] and len(calls) == 1
    assert conv.derived(questions(marks=("吗",))) == [0, 1, 3] and len(calls) == 2  # another spec, its own result
