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


BROKEN_EVERYWHERE = """
from qc_engine import hookimpl

@hookimpl
def register_rules(register):
    raise RuntimeError("rules broken")

@hookimpl
def register_rule_files(register):
    raise RuntimeError("rule files broken")

@hookimpl
def register_order_loaders(register):
    raise RuntimeError("order loaders broken")

@hookimpl
def register_commands(cli):
    raise RuntimeError("commands broken")
"""

GOOD_EVERYWHERE = """
import click
from qc_engine import Rule, hookimpl
from qc_engine.orders import OrderLoader

class Good(Rule):
    id = "GOOD9"
    category = "test"

    def check(self, conversation):
        return []

class GoodOrders(OrderLoader):
    name = "good-orders"

    def sniff(self, path, head):
        return 0.0

@hookimpl
def register_rules(register):
    register(Good)

@hookimpl
def register_order_loaders(register):
    register(GoodOrders)

@hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        click.echo("hello from a plugin")

    @cli.command("audit")
    def not_the_audit():
        click.echo("not the audit")
"""


def test_one_plugins_broken_hooks_are_its_own_and_the_others_register_everything(tmp_path):
    broken, good = tmp_path / "broken.py", tmp_path / "good.py"
    broken.write_text(BROKEN_EVERYWHERE, encoding="utf-8")
    good.write_text(GOOD_EVERYWHERE, encoding="utf-8")
    registry = collect(load_plugins([broken, good]))
    for hook, what in (("register_rules", "rules"), ("register_rule_files", "rule files"),
                       ("register_order_loaders", "order loaders"), ("register_commands", "commands")):
        assert registry.problems_of(hook) == [f"plugin {broken}: {hook} failed: RuntimeError: {what} broken"]
    assert registry.rule("GOOD9").plugin == str(good)
    assert {o.loader.name for o in registry.order_loaders} >= {"good-orders", "orders_taobao"}
    assert {(c.name, c.plugin) for c in registry.commands} == {("hello", str(good)), ("audit", str(good))}
    built_in = collect(load_plugins())  # everything the built-ins register is still there
    assert {r.cls.id for r in registry.rules} == {r.cls.id for r in built_in.rules} | {"GOOD9"}
    assert registry.default_rule_files == built_in.default_rule_files
    assert not built_in.problems


def test_a_plugins_commands_join_qc_but_never_replace_its_own(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(GOOD_EVERYWHERE, encoding="utf-8")
    code = (f"import sys; from qc_engine.plugins import load_plugins as lp; import qc_engine.cli as c;"
            f"c.load_plugins = lambda: lp([{str(good)!r}]); c.main(sys.argv[1:])")
    run = lambda *args: subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    hello = run("hello")
    assert hello.returncode == 0 and hello.stdout == "hello from a plugin\n"
    assert "command 'audit' is already qc's; skipped" in hello.stderr
    audit_help = run("audit", "--help")
    assert audit_help.returncode == 0 and "not the audit" not in audit_help.stdout and "--db" in audit_help.stdout
