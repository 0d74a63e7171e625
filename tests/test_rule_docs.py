"""Every rule documents itself, and its documented examples are executed: bad fires, good does not."""
import json

import pytest

from qc_engine.audit.engine import audit_conversation
from qc_engine.reports.i18n import CATEGORIES
from qc_engine.testing import conversation_from_lines, fresh_registry, ruleset_for

REGISTRY = fresh_registry()
RULES = [r.cls for r in REGISTRY.rules]


@pytest.fixture(scope="module")
def everything_on(tmp_path_factory):
    """The defaults with every rule switched on, including those a shop must opt into."""
    path = tmp_path_factory.mktemp("rules") / "all-on.json"
    path.write_text(json.dumps({"rules": {r.id: {"enabled": True} for r in RULES}}), encoding="utf-8")
    return ruleset_for(rule_files=[path], registry=REGISTRY)


def test_the_four_built_in_categories_have_rules():
    assert set(CATEGORIES) <= {r.category for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule):
    doc = rule.doc()
    assert doc.summary and doc.name, f"{rule.id} needs a name and a one-line summary"
    assert doc.bad and doc.good, f"{rule.id} docstring needs Bad: and Good: examples"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_bad_example_fires_and_good_example_does_not(rule, everything_on):
    doc = rule.doc()
    bad = audit_conversation(conversation_from_lines(doc.bad), everything_on)
    good = audit_conversation(conversation_from_lines(doc.good), everything_on)
    assert not bad.errors and not good.errors
    assert rule.id in {f.rule_id for f in bad.findings}, f"{rule.id}: its Bad example does not fire"
    assert rule.id not in {f.rule_id for f in good.findings}, f"{rule.id}: its Good example fires"
