"""The plugin system: built-ins through the entry-point group, vendor packages, plugin files, broken plugins."""
import json
import os
import subprocess
import sys

import pytest

from qc_engine.plugins import load_plugins
from qc_engine.plugins import collect

from conftest import ROOT, conversation, rows, write_jsonl

BUILT_IN = {"jsonl", "defaults", "latency", "forbidden_phrases", "privacy", "script"}


def qc(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "qc_engine", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_built_ins_are_loaded_through_the_entry_point_group():
    plugins = load_plugins()
    names = {i.name for i in plugins.info}
    assert BUILT_IN <= names
    assert all(i.source.startswith("entry point") for i in plugins.info if i.name in BUILT_IN)
    out = qc("plugins", "list").stdout
    for name in BUILT_IN:
        assert name in out


def test_each_plugin_manager_is_fresh():
    a, b = load_plugins(), load_plugins()
    assert a.pm is not b.pm


def test_a_plugin_file_adds_a_rule_that_lands_in_findings(tmp_path, db_path):
    plugin = ROOT / "tests" / "vendor_plugin" / "qc_vendor_example" / "__init__.py"
    day = write_jsonl(tmp_path / "d.jsonl", [conversation(lines=[("10:00:00", "customer", "什么时候到"), ("10:00:05", "agent", "您好，保证明天到")])])
    r = qc("audit", day, "--db", db_path, "--plugin", plugin, "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert rows(db_path, "select rule_id, category, message_index from findings where rule_id = 'VND01'") == [("VND01", "promise", 1)]


def test_a_broken_plugin_file_is_named_and_the_others_still_load(tmp_path, db_path):
    bad = tmp_path / "bad_plugin.py"
    bad.write_text("import does_not_exist_anywhere\n", encoding="utf-8")
    plugins = load_plugins([bad])
    failed = {f.name: f.error for f in plugins.failures}
    assert "does_not_exist_anywhere" in failed["bad_plugin.py"]
    assert BUILT_IN <= {i.name for i in plugins.info}
    day = write_jsonl(tmp_path / "d.jsonl", [conversation()])
    r = qc("audit", day, "--db", db_path, "--plugin", bad, "--workers", "1")
    assert r.returncode == 0
    assert "bad_plugin.py" in r.stdout and "Traceback" not in r.stderr + r.stdout


def test_registering_a_non_rule_or_a_duplicate_id_is_refused(tmp_path):
    p = tmp_path / "dupe.py"
    p.write_text(
        "from qc_engine import Rule, hookimpl\n"
        "class A(Rule):\n    id = 'DUP01'\n    category = 'test'\n    def check(self, c):\n        return []\n"
        "class B(A):\n    pass\n"
        "@hookimpl\ndef register_rules(register):\n    register(A)\n    register(B)\n    register(object)\n",
        encoding="utf-8",
    )
    registry = collect(load_plugins([p]))
    assert any("DUP01 is already used" in x for x in registry.problems)
    assert [r.cls.id for r in registry.rules].count("DUP01") == 1
    assert any("not a Rule subclass" in x for x in registry.problems)


@pytest.mark.skipif(os.environ.get("QC_SKIP_PIP_TESTS") == "1", reason="pip install disabled")
def test_a_vendor_package_installed_with_pip_adds_its_rule(tmp_path, db_path):
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
         str(ROOT / "tests" / "vendor_plugin")],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    listing = qc("plugins", "list", env=env)
    assert "vendor_example" in listing.stdout and "1.2.3" in listing.stdout and "VND01" in listing.stdout
    day = write_jsonl(tmp_path / "d.jsonl", [conversation(lines=[("10:00:00", "customer", "几号到"), ("10:00:05", "agent", "亲，保证后天到")])])
    r = qc("audit", day, "--db", db_path, "--workers", "1", env=env)
    assert r.returncode == 0, r.stderr
    assert rows(db_path, "select rule_id, agent from findings where rule_id = 'VND01'") == [("VND01", "山野茶庄:青青")]
    plugins = json.loads(rows(db_path, "select plugins from runs")[0][0])
    assert plugins["vendor_example"] == "1.2.3"
