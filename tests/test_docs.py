"""The docs keep up with the code: every hook documented, the rule reference regenerated."""
import inspect
import re

from qc_engine import hookspecs
from qc_engine.cli.reference import default_config, render_reference
from qc_engine.testing import fresh_registry

from conftest import ROOT


def hook_names():
    return [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, "qc_engine_spec")]


def test_every_hook_is_documented_with_its_signature_and_an_example():
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    names = hook_names()
    assert names
    for name in names:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        section = re.search(rf"^## {name}\({re.escape(params)}\)\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert section, f"docs/hooks.md has no section '## {name}({params})'"
        assert "```python" in section.group(1) and f"def {name}(" in section.group(1), f"{name} has no example"


def test_every_hookspec_has_a_one_line_docstring():
    for name in hook_names():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert doc.strip() and "\n" not in doc.strip(), name


def test_rule_reference_is_up_to_date():
    registry = fresh_registry()
    expected = render_reference(registry.rules, config=default_config(registry))
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `qc rules docs --out docs/rules.md`"


def test_readme_rule_file_example_is_valid_and_its_tests_pass(tmp_path):
    from qc_engine.rulefiles.selftest import run_file_tests

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Rule files.*?```yaml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "shop.yaml"
    path.write_text(example, encoding="utf-8")
    results = run_file_tests(path, fresh_registry())
    assert results and all(r.passed for r in results), [r.detail for r in results if not r.passed]


def test_the_architecture_page_names_modules_and_files_that_exist():
    import importlib
    import importlib.util

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"\b((?:qc_engine|plugins|rules|tests)/[\w/.]*\w/?)", text))
    assert paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"docs/architecture.md names files that are gone: {missing}"
    for dotted in set(re.findall(r"\bqc_(?:engine|plugins)(?:\.\w+)+", text)):
        module, _, attribute = dotted.rpartition(".")
        try:
            found = importlib.util.find_spec(dotted) is not None
        except ModuleNotFoundError:  # its parent is a module, not a package
            found = False
        if not found:  # then an attribute of a module
            assert hasattr(importlib.import_module(module), attribute), f"docs/architecture.md names {dotted}"


def test_readme_first_command_applies_the_sample_shops_rule_file(tmp_path):
    import shlex

    from click.testing import CliRunner

    from qc_engine.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)\n```", readme, re.S).group(1)
    audit_cmd = next(part for part in first.split("&&") if " audit " in part)
    args = shlex.split(audit_cmd)[1:]
    assert "rules/shops/山野茶庄.yaml" in args
    args = [str(ROOT / a) if a.startswith(("sample_logs", "rules/")) else a for a in args]
    args[args.index("--db") + 1] = str(tmp_path / "qc.db")
    result = CliRunner().invoke(cli, [*args, "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    import sqlite3

    con = sqlite3.connect(tmp_path / "qc.db")
    files = [r[0] for r in con.execute("select rule_files from conversations where shop = '山野茶庄' limit 5")]
    assert files and all("山野茶庄.yaml" in f for f in files)
