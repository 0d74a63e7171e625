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
